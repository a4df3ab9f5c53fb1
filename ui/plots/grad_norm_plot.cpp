#include "ui/plots/grad_norm_plot.h"

namespace alig::ui {

GradNormPlot::GradNormPlot(RunRegistry* registry, QWidget* parent)
    : MetricPlot(tr("Gradient norm"), parent) {
    auto norm = stepSeries(
        Series::GradNorm, tr("‖g‖"), [](const core::StepMetrics& m) { return m.gradNorm; },
        lineStyle(1.0, 200));
    norm.smoothable = true;
    addSeries(norm);
    setValueLabel(tr("gradient norm ||g||"), tr("||g||"));
    setLogY(true);
    setRegistry(registry);
}

} // namespace alig::ui
