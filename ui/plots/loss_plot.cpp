#include "ui/plots/loss_plot.h"

namespace alig::ui {

LossPlot::LossPlot(RunRegistry* registry, QWidget* parent)
    : MetricPlot(tr("Loss"), parent) {
    auto raw = stepSeries(
        Series::RawLoss, tr("mini-batch"), [](const core::StepMetrics& m) { return m.loss; },
        lineStyle(1.0, 60));
    raw.faint = true;
    addSeries(raw);
    // TensorBoard's smoothing, so curves read the same as there.
    auto smoothed = stepSeries(
        Series::SmoothedLoss, tr("smoothed"), [](const core::StepMetrics& m) { return m.loss; },
        lineStyle(1.8));
    smoothed.smoothed = true;
    addSeries(smoothed);
    addSeries(epochSeries(
        Series::TrainLoss, tr("train (epoch)"),
        [](const core::EpochMetrics& m) { return m.trainLoss; },
        epochStyle(QCPScatterStyle::ssCircle, true, Qt::SolidLine)));
    addSeries(epochSeries(
        Series::TestLoss, tr("test (epoch)"),
        [](const core::EpochMetrics& m) { return m.testLoss; },
        epochStyle(QCPScatterStyle::ssSquare, false, Qt::DashLine)));
    // The trainer always minimises the cross-entropy (core/train/trainer.cpp).
    setValueLabel(tr("loss (cross-entropy)"), tr("loss"));
    setLogY(true);
    setRegistry(registry);
}

} // namespace alig::ui
