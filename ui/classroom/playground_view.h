#pragma once
// The Playground tab, after TensorFlow Playground: a synthetic 2-D set (spirals and blobs
// with k classes, circles, moons, xor) with its noise, size and split, or the 2-D points of a
// CSV file; a small MLP; any of our optimizers; and a live decision boundary with the points
// on top (shown before training; hovering reads P(class) and a point's loss), the network's
// weights as a graph, the loss, step-size and interpolation plots and the step anatomy.
// Training runs at a chosen speed, down to one step a second, with a step counter; Rewind
// goes back to step 0 with the same initial weights. Changing a setting resets the run. It
// trains through the same RunController and core Trainer as the main window, without a run
// folder.

#include "ui/run/run.h"

#include "core/experiment/experiment_config.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QTimer>
#include <QWidget>

#include <memory>
#include <vector>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace alig::ui {

class DecisionBoundaryPlot;
class InterpolationPlot;
class LessonPanel;
class LossPlot;
class NetworkGraph;
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

    // Starts training (or resumes), pauses, takes one step, or rewinds to step 0 (the same
    // initial weights: the seed fixes them).
    void start();
    void pause();
    void stepOnce();
    void reset();
    bool isRunning() const;

    // Training speed in steps per second; 0 trains as fast as it goes. Choices in the menu:
    // speedChoices().
    void setStepsPerSecond(int stepsPerSecond);
    int stepsPerSecond() const;
    static const std::vector<int>& speedChoices();
    // The step the trainer reported last (0 before the first).
    int64_t stepCount() const;
    // Steps the paced training has granted the trainer so far; after pause() the trainer
    // still takes those already granted (stepCount() reaches this), then waits.
    int64_t stepsGranted() const { return m_granted; }

    // Sets every control from an experiment (a 2-D set or a CSV file, an MLP or a linear
    // model) and rewinds; what the Playground has no control for is left as it is.
    void setConfig(const core::ExperimentConfig& config);

    // Opens a guided lesson (lesson.h) in the side panel: its experiment and speed, at its
    // first step. Returns "" or what is wrong with the file.
    QString openLesson(const QString& path);
    void closeLesson();
    bool isLessonOpen() const;
    LessonPanel* lessonPanel() const { return m_lessonPanel; }
    QComboBox* lessonCombo() const { return m_lessonCombo; }

    // Loads the 2-D points of a CSV file (two numeric feature columns and a label column) as
    // the data set; returns "" or what is wrong with the file (also shown under the controls).
    QString loadCsv(const QString& path);

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
    QDoubleSpinBox* momentumSpin() const { return m_momentum; }
    QDoubleSpinBox* radiusSpin() const { return m_radius; }
    QLineEdit* hiddenEdit() const { return m_hidden; }
    QSpinBox* classesSpin() const { return m_classes; }
    QSpinBox* seedSpin() const { return m_seed; }
    QComboBox* activationCombo() const { return m_activation; }
    QComboBox* speedCombo() const { return m_speed; }
    QLabel* stepCounter() const { return m_counter; }
    NetworkGraph* networkGraph() const { return m_network; }
    QPushButton* rewindButton() const { return m_resetButton; }
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
    void updateDataFields();
    void loadPoints();
    void paceTick();
    void updateCounter();
    void updateLesson();
    void fillLessonCombo();

    QString m_runsDir;
    RunRegistry* m_registry = nullptr;
    QPointer<Run> m_run;
    RunController* m_controller = nullptr;
    std::shared_ptr<PlaygroundObserverSlot> m_slot;
    bool m_pointsShown = false;
    int m_resets = 0;
    int m_runNumber = 0;
    QTimer m_poll;
    // Paced training: the trainer stays paused and m_pace grants it steps at the chosen rate.
    bool m_running = false;
    QTimer m_pace;
    QElapsedTimer m_paceClock;
    double m_paceCredit = 0.0;
    int64_t m_granted = 0; // the step the grants so far reach
    QString m_csvPath;
    QString m_dataProblem; // why the data cannot be loaded ("" when it can)

    QComboBox *m_dataset = nullptr, *m_activation = nullptr, *m_optimizer = nullptr;
    QDoubleSpinBox *m_noise = nullptr, *m_testFraction = nullptr, *m_momentum = nullptr;
    QDoubleSpinBox* m_radius = nullptr;
    QComboBox* m_lessonCombo = nullptr;
    LessonPanel* m_lessonPanel = nullptr;
    QWidget* m_lessonColumn = nullptr;
    NumberSpinBox* m_rate = nullptr;
    QLabel* m_rateLabel = nullptr;
    QSpinBox *m_samples = nullptr, *m_batch = nullptr, *m_epochs = nullptr, *m_seed = nullptr;
    QSpinBox* m_classes = nullptr;
    QComboBox* m_speed = nullptr;
    QPushButton* m_csvButton = nullptr;
    QLabel* m_csvLabel = nullptr;
    QLineEdit* m_hidden = nullptr;
    QLabel* m_problem = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_counter = nullptr;
    QPushButton *m_startButton = nullptr, *m_stepButton = nullptr, *m_resetButton = nullptr;

    DecisionBoundaryPlot* m_boundary = nullptr;
    NetworkGraph* m_network = nullptr;
    LossPlot* m_loss = nullptr;
    StepSizePlot* m_stepSize = nullptr;
    InterpolationPlot* m_interpolation = nullptr;
    StepAnatomyPanel* m_anatomy = nullptr;
};

} // namespace alig::ui
