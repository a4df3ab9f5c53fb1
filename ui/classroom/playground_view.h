#pragma once
// The Playground tab, after TensorFlow Playground: a synthetic 2-D set (spirals, circles,
// moons, xor, blobs) with its noise, size and split, a small MLP, any of our optimizers,
// and a live decision boundary with the points on top beside the loss, step-size and
// interpolation plots and the step anatomy. Changing a setting resets the run. It trains
// through the same RunController and core Trainer as the main window, without a run folder.

#include "ui/run/run.h"

#include "core/experiment/experiment_config.h"

#include <QPointer>
#include <QTimer>
#include <QWidget>

#include <memory>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace alig::ui {

class DecisionBoundaryPlot;
class InterpolationPlot;
class LossPlot;
class NumberSpinBox;
class RunController;
class StepAnatomyPanel;
class StepSizePlot;
struct PlaygroundObserverSlot;

class PlaygroundView : public QWidget {
    Q_OBJECT

public:
    explicit PlaygroundView(QString runsDir = {}, QWidget* parent = nullptr);
    ~PlaygroundView() override;

    // The experiment the controls describe; valid() says whether it validates.
    core::ExperimentConfig config() const;
    bool isValid() const;
    QString problem() const; // why the config is invalid ("" when valid)

    // Starts training (or resumes), pauses, takes one step, or resets to step 0.
    void start();
    void pause();
    void stepOnce();
    void reset();
    bool isRunning() const;

    Run* run() const { return m_run; }
    RunController* controller() const { return m_controller; }
    DecisionBoundaryPlot* boundaryPlot() const { return m_boundary; }
    LossPlot* lossPlot() const { return m_loss; }
    StepSizePlot* stepSizePlot() const { return m_stepSize; }
    InterpolationPlot* interpolationPlot() const { return m_interpolation; }
    StepAnatomyPanel* anatomyPanel() const { return m_anatomy; }
    QComboBox* datasetCombo() const { return m_dataset; }
    QComboBox* optimizerCombo() const { return m_optimizer; }
    NumberSpinBox* rateBox() const { return m_rate; }
    QLabel* rateLabel() const { return m_rateLabel; }
    QDoubleSpinBox* noiseSpin() const { return m_noise; }
    QLineEdit* hiddenEdit() const { return m_hidden; }
    // How many times a setting reset the run (tests).
    int resets() const { return m_resets; }

    void setPresentation(bool on);

Q_SIGNALS:
    void runningChanged(bool running);

private:
    void onSettingEdited();
    void teardown();
    void ensureController(bool paused);
    void poll();
    void updateButtons();
    void updateOptimizerFields();

    QString m_runsDir;
    RunRegistry* m_registry = nullptr;
    QPointer<Run> m_run;
    RunController* m_controller = nullptr;
    std::shared_ptr<PlaygroundObserverSlot> m_slot;
    bool m_pointsShown = false;
    int m_resets = 0;
    int m_runNumber = 0;
    QTimer m_poll;

    QComboBox *m_dataset = nullptr, *m_activation = nullptr, *m_optimizer = nullptr;
    QDoubleSpinBox *m_noise = nullptr, *m_testFraction = nullptr, *m_momentum = nullptr;
    NumberSpinBox* m_rate = nullptr;
    QLabel* m_rateLabel = nullptr;
    QSpinBox *m_samples = nullptr, *m_batch = nullptr, *m_epochs = nullptr, *m_seed = nullptr;
    QLineEdit* m_hidden = nullptr;
    QLabel* m_problem = nullptr;
    QLabel* m_status = nullptr;
    QPushButton *m_startButton = nullptr, *m_stepButton = nullptr, *m_resetButton = nullptr;

    DecisionBoundaryPlot* m_boundary = nullptr;
    LossPlot* m_loss = nullptr;
    StepSizePlot* m_stepSize = nullptr;
    InterpolationPlot* m_interpolation = nullptr;
    StepAnatomyPanel* m_anatomy = nullptr;
};

} // namespace alig::ui
