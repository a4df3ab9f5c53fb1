#include "ui/plots/accuracy_plot.h"

namespace alig::ui {

AccuracyPlot::AccuracyPlot(RunRegistry* registry, QWidget* parent)
    : MetricPlot(tr("Accuracy"), parent) {
    // Metrics hold fractions in [0, 1]; people read accuracy in percent.
    auto batch = stepSeries(
        Series::BatchAccuracy, tr("mini-batch"),
        [](const core::StepMetrics& m) { return 100.0 * m.accuracy; }, lineStyle(1.0, 60));
    batch.faint = true;
    addSeries(batch);
    auto smoothed = stepSeries(
        Series::SmoothedAccuracy, tr("smoothed"),
        [](const core::StepMetrics& m) { return 100.0 * m.accuracy; }, lineStyle(1.6));
    smoothed.smoothed = true;
    addSeries(smoothed);
    addSeries(epochSeries(
        Series::TrainAccuracy, tr("train (epoch)"),
        [](const core::EpochMetrics& m) { return 100.0 * m.trainAccuracy; },
        epochStyle(QCPScatterStyle::ssCircle, true, Qt::SolidLine)));
    addSeries(epochSeries(
        Series::TestAccuracy, tr("test (epoch)"),
        [](const core::EpochMetrics& m) { return 100.0 * m.testAccuracy; },
        epochStyle(QCPScatterStyle::ssSquare, false, Qt::DashLine)));
    setValueLabel(tr("accuracy (%)"), tr("%"));
    yAxis->setRange(0, 100); // until data arrives: the whole scale, not 0 to 5
    setRegistry(registry);
}

} // namespace alig::ui
