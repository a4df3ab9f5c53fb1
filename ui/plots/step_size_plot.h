#pragma once
// The effective learning rate of every method. ALI-G's adaptive step, the reason this tool
// exists: the step taken, the unclipped Polyak value loss / (||g||^2 + eps), the max_lr cap,
// and markers where the cap cut the step. The other methods show the step they took (Prodigy's
// d·lr, MoMo's τ, DoG's step, Schedule-Free's lr) and, on request, the quantities behind it.

#include "ui/plots/metric_plot.h"

namespace alig::ui {

class StepSizePlot : public MetricPlot {
    Q_OBJECT

public:
    explicit StepSizePlot(RunRegistry* registry = nullptr, QWidget* parent = nullptr);
};

} // namespace alig::ui
