#include "ui/plots/step_size_plot.h"

#include "core/optim/optimizer_catalogue.h"

#include <cmath>
#include <limits>

namespace alig::ui {

StepSizePlot::StepSizePlot(RunRegistry* registry, QWidget* parent)
    : MetricPlot(tr("Effective learning rate"), parent) {
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
    // A max_lr changed while the run trained (Runs table, "Change max_lr of This Run…"): a
    // marker on the first step that took it, on the new cap's line.
    auto live = stepSeries(Series::LiveMaxLr, tr("max_lr changed (live)"), {},
                           markerStyle(QCPScatterStyle::ssDiamond, 11));
    live.runStepValue = [](const Run& run, const core::StepMetrics& m) {
        if (!run.isMaxLrChangeStep(m.step)) return std::numeric_limits<double>::quiet_NaN();
        return std::isfinite(m.maxLr) ? m.maxLr : m.stepSize;
    };
    addSeries(live);
    // Hidden until asked for: with it the plot compares methods whose own "step size"
    // means different things (Adam's lr is not the length of its step).
    auto effective = stepSeries(
        Series::EffectiveStep, tr("‖Δw‖/‖g‖"),
        [](const core::StepMetrics& m) { return m.effectiveStep; },
        lineStyle(1.0, 200, Qt::DashDotLine));
    effective.smoothable = true;
    addSeries(effective);
    setSeriesVisible(Series::EffectiveStep, false);
    // Each method's own quantities (Prodigy's d, MoMo's lower bound, DoG's r̄, ...), from the
    // catalogue, hidden until asked for; a yes/no is a marker on the step it happened.
    for (const core::ReportedQuantity& q : core::reportedQuantities()) {
        const std::string name = q.name;
        auto value = [name](const core::StepMetrics& m) {
            for (const auto& [key, v] : m.extras)
                if (key == name) return v;
            return std::numeric_limits<double>::quiet_NaN();
        };
        SeriesSpec spec = q.flag
                              ? stepSeries(
                                    Series::MethodQuantity, QString::fromStdString(q.label),
                                    [value](const core::StepMetrics& m) {
                                        if (!(value(m) > 0.5))
                                            return std::numeric_limits<double>::quiet_NaN();
                                        // On the cap's line: a step of 0 has no place on a log
                                        // axis.
                                        return std::isfinite(m.maxLr) ? m.maxLr : m.stepSize;
                                    },
                                    markerStyle(QCPScatterStyle::ssCross, 6))
                              : stepSeries(Series::MethodQuantity, QString::fromStdString(q.label),
                                           value, lineStyle(1.2, 220, Qt::DashDotDotLine));
        spec.quantity = QString::fromStdString(q.name);
        addSeries(spec);
        setQuantityVisible(spec.quantity, false);
    }
    setValueLabel(tr("effective learning rate"), tr("step size"));
    setLogY(true); // ALI-G's steps span decades
    setRegistry(registry);
}

} // namespace alig::ui
