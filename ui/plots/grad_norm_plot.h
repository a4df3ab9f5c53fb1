#pragma once
// The gradient norm ||g|| of each step: with the loss it sets ALI-G's step, and its collapse
// or blow-up explains the step size plot.

#include "ui/plots/metric_plot.h"

namespace alig::ui {

class GradNormPlot : public MetricPlot {
    Q_OBJECT

public:
    explicit GradNormPlot(RunRegistry* registry = nullptr, QWidget* parent = nullptr);
};

} // namespace alig::ui
