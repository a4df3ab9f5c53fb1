#include "ui/plots/step_size_plot.h"

#include <limits>

namespace alig::ui {

StepSizePlot::StepSizePlot(RunRegistry* registry, QWidget* parent)
    : MetricPlot(tr("Step size"), parent) {
    // Declared first so the legend reads "step taken" first; the faint layer keeps the
    // Polyak line below it anyway.
    auto taken = stepSeries(
        Series::StepSize, tr("step taken"), [](const core::StepMetrics& m) { return m.stepSize; },
        lineStyle(1.6));
    taken.smoothable = true;
    addSeries(taken);
    auto polyak = stepSeries(
        Series::PolyakStepSize, tr("loss/(‖g‖²+ε)"),
        [](const core::StepMetrics& m) { return m.unclippedStepSize; },
        lineStyle(1.0, 150, Qt::DotLine));
    polyak.faint = true;
    addSeries(polyak);
    // NaN (no max_lr, or not ALI-G) draws nothing; a change mid-run draws a step.
    auto maxLr = stepSeries(
        Series::MaxLr, tr("max_lr"), [](const core::StepMetrics& m) { return m.maxLr; },
        [](QCPGraph* g, const QColor& c) {
            g->setPen(QPen(c.darker(140), 1.2, Qt::DashLine));
            g->setLineStyle(QCPGraph::lsStepLeft);
        });
    maxLr.changesOnly = true;
    addSeries(maxLr);
    addSeries(stepSeries(
        Series::ClippedSteps, tr("clipped to max_lr"),
        [](const core::StepMetrics& m) {
            return m.clipped ? m.stepSize : std::numeric_limits<double>::quiet_NaN();
        },
        markerStyle(QCPScatterStyle::ssTriangleInverted, 6)));
    // Hidden until asked for: with it the plot compares methods whose own "step size"
    // means different things (Adam's lr is not the length of its step).
    auto effective = stepSeries(
        Series::EffectiveStep, tr("‖Δw‖/‖g‖"),
        [](const core::StepMetrics& m) { return m.effectiveStep; },
        lineStyle(1.0, 200, Qt::DashDotLine));
    effective.smoothable = true;
    addSeries(effective);
    setSeriesVisible(Series::EffectiveStep, false);
    setValueLabel(tr("step size"));
    setLogY(true); // ALI-G's steps span decades
    setRegistry(registry);
}

} // namespace alig::ui
