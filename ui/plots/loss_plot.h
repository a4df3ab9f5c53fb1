#pragma once
// Loss against steps: the raw mini-batch loss (faint), its smoothed curve, and the train and
// test loss of each epoch. The first plot a student looks at.

#include "ui/plots/metric_plot.h"

namespace alig::ui {

class LossPlot : public MetricPlot {
    Q_OBJECT

public:
    explicit LossPlot(RunRegistry* registry = nullptr, QWidget* parent = nullptr);
};

} // namespace alig::ui
