#pragma once
// The main window's plots pane: loss, effective learning rate, accuracy and gradient norm in a
// 2x2 grid of splitters beside one run legend for all four, under one row of controls that
// edits a PlotSettings.

#include "ui/plots/plot_settings.h"
#include "ui/run/run.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;
class QSplitter;
class QToolButton;
class QAction;

namespace alig::ui {

class AccuracyPlot;
class GradNormPlot;
class LossPlot;
class MetricPlot;
class RunLegend;
class StepSizePlot;

class PlotsView : public QWidget {
    Q_OBJECT

public:
    explicit PlotsView(RunRegistry* registry, QWidget* parent = nullptr);

    PlotSettings settings() const { return m_settings; }
    void setSettings(const PlotSettings& settings);

    LossPlot* lossPlot() const { return m_loss; }
    AccuracyPlot* accuracyPlot() const { return m_accuracy; }
    StepSizePlot* stepSizePlot() const { return m_stepSize; }
    GradNormPlot* gradNormPlot() const { return m_gradNorm; }
    QList<MetricPlot*> plots() const;
    RunLegend* runLegend() const { return m_legend; }

    // Draws whatever waits for the replot timer now (before grab() or an export).
    void flush();
    // Every plot follows the newest data again (a new run starts).
    void followAll();

Q_SIGNALS:
    // Whenever a control changes the settings (the window saves them on close).
    void settingsChanged(const alig::ui::PlotSettings& settings);

private:
    void applyToPlots();
    void updateControls();
    void onControlsEdited();
    void onPlotFollowChanged();

    PlotSettings m_settings;
    LossPlot* m_loss = nullptr;
    AccuracyPlot* m_accuracy = nullptr;
    StepSizePlot* m_stepSize = nullptr;
    GradNormPlot* m_gradNorm = nullptr;
    QSplitter* m_topRow = nullptr;
    QSplitter* m_bottomRow = nullptr;
    QComboBox* m_xAxis = nullptr;
    QSlider* m_smoothing = nullptr;
    QLabel* m_smoothingValue = nullptr;
    QCheckBox* m_logLoss = nullptr;
    QCheckBox* m_logStepSize = nullptr;
    QCheckBox* m_logGradNorm = nullptr;
    QCheckBox* m_rawLoss = nullptr;
    QCheckBox* m_effectiveStep = nullptr;
    QCheckBox* m_follow = nullptr;
    QCheckBox* m_logX = nullptr;
    QComboBox* m_seedGroups = nullptr;
    RunLegend* m_legend = nullptr;
    // The methods' own quantities on the effective learning rate plot, one checkable action each.
    QToolButton* m_quantities = nullptr;
    QList<QAction*> m_quantityActions; // data: the quantity's name
};

} // namespace alig::ui
