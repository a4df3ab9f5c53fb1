#pragma once
// Accuracy in percent: the mini-batch accuracy of each step (faint) and the train and test
// accuracy of each epoch.

#include "ui/plots/metric_plot.h"

namespace alig::ui {

class AccuracyPlot : public MetricPlot {
    Q_OBJECT

public:
    explicit AccuracyPlot(RunRegistry* registry = nullptr, QWidget* parent = nullptr);
};

} // namespace alig::ui
