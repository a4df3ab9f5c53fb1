#pragma once
// The interpolation meter per epoch: the percent of training samples whose own loss is below
// training.interpolation_threshold. ALI-G's step assumes the model can drive every sample's
// loss to 0; this plot shows how far that holds as a run trains.

#include "ui/plots/metric_plot.h"

namespace alig::ui {

class InterpolationPlot : public MetricPlot {
    Q_OBJECT

public:
    explicit InterpolationPlot(RunRegistry* registry = nullptr, QWidget* parent = nullptr);
};

} // namespace alig::ui
