#include "ui/plots/interpolation_plot.h"

namespace alig::ui {

InterpolationPlot::InterpolationPlot(RunRegistry* registry, QWidget* parent)
    : MetricPlot(tr("Interpolation meter"), parent) {
    addSeries(epochSeries(
        Series::Interpolation, tr("samples with loss < threshold"),
        [](const core::EpochMetrics& m) { return 100.0 * m.interpolation; },
        epochStyle(QCPScatterStyle::ssDiamond, true, Qt::SolidLine)));
    setValueLabel(tr("% interpolated"), tr("%"));
    // A share: 0 to 100 % always, also while every value is 0 (no auto range to ±1e-9).
    setYRange(0, 100);
    setRegistry(registry);
}

} // namespace alig::ui
