#pragma once
// alig-studio's window: the experiment panel (left dock), the live plots (centre), the
// runs table (bottom dock), run controls on the toolbar, and a status bar with the
// device, speed, current step size and epoch progress. It wires panels, plots and run
// controllers together and holds no training logic.

#include "core/experiment/experiment_config.h"
#include "core/train/metrics.h"

#include <QFont>
#include <QMainWindow>
#include <QPair>
#include <QPointer>

#include <optional>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QSplitter;
class QTabWidget;

namespace alig::ui {

class BatchPanel;
struct BatchRequest;
class ExperimentPanel;
class InterpolationPlot;
class PlaygroundView;
class StepAnatomyPanel;
class SurfaceView;
class PlotsView;
class Run;
class RunController;
class RunRegistry;
class RunsTable;
class RunController;
class RunWatcher;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    // `runsDir` empty: the run store's default folder. With `restoreSettings` false the
    // window starts from the default preset and default layout (tests, screenshots).
    explicit MainWindow(QString runsDir = {}, bool restoreSettings = true,
                        QWidget* parent = nullptr);
    ~MainWindow() override;

    // With dialogs off, errors go to the status bar only (tests and --screenshot).
    void setDialogsEnabled(bool enabled) { m_dialogs = enabled; }

    ExperimentPanel* experimentPanel() const { return m_panel; }
    PlotsView* plotsView() const { return m_plots; }
    RunsTable* runsTable() const { return m_runsTable; }
    RunRegistry* registry() const { return m_registry; }
    RunController* currentController() const;
    QAction* startAction() const { return m_start; }
    QAction* pauseAction() const { return m_pause; }
    QAction* stopAction() const { return m_stop; }
    QAction* stepAction() const { return m_step; }
    QString lastError() const { return m_lastError; }

    // Starts a run of the panel's experiment; returns it (null when the config is invalid).
    Run* startRun(bool paused = false, int64_t stopAfterStep = 0);
    // Starts a run of `config` under `name` (made unique among live runs) and makes it the
    // current one. The config must be valid.
    RunController* launchRun(const core::ExperimentConfig& config, QString name,
                             bool paused = false, int64_t stopAfterStep = 0);
    bool openExperiment(const QString& path);
    bool saveExperiment(const QString& path);
    // The experiment file the panel came from or was saved to (empty: untitled, e.g. after a
    // preset), and whether the panel differs from it. The title shows both.
    QString experimentPath() const { return m_experimentPath; }
    bool isExperimentModified() const;
    // Save writes experimentPath() (asks for a file when untitled); Revert reloads it.
    bool saveCurrentExperiment();
    bool revertExperiment();
    // The explicit live change of a training run's max_lr (its Runs-table row): the run
    // takes it at its next step, its metrics and its label record it. False with
    // lastError() when the run is not training or the value is not > 0.
    bool changeMaxLr(Run* run, std::optional<double> maxLr);
    // Renames a run: unique among the window's runs, written to its run.json now, also
    // while it trains. False with lastError() when refused.
    bool renameRun(Run* run, const QString& name);
    // The run the status bar describes: the selected row's, else the current run's.
    Run* statusRun() const;
    // Rereads the run store; runs the window holds are not added twice. `batches`: the
    // batch folders found (compare, sweep), oldest first.
    QStringList reloadRunStore(QStringList* batches = nullptr);
    // Reopens a batch folder in the Compare / sweep panel; false with lastError() if it
    // holds no batch.
    bool openBatch(const QString& dir);
    // Writes the selected runs' metrics (all visible runs when none is selected).
    bool exportMetrics(const QString& path);
    // Compare or sweep the panel's experiment (see BatchPanel); false with lastError() set
    // when the request is invalid.
    bool startBatch(const BatchRequest& request);
    // The batch on show trains `more` seeds per setting; its export (BatchPanel::exportBatch).
    // False with lastError() set when refused.
    bool addBatchSeeds(int more);
    bool exportBatch(const QString& base);
    BatchPanel* batchPanel() const { return m_batch; }

    // Follows a run folder that another process writes (File > Watch Run Folder…, see
    // RunWatcher); the folder is remembered in the settings ("watch/folders") and watched
    // again at the next start. Returns its watcher (the existing one when it is watched
    // already), or null with lastError() set when it is not a run folder.
    RunWatcher* watchRunFolder(const QString& dir);
    // Stops following the folder: its run leaves the window, the folder stays as it is.
    void stopWatching(const QString& dir);
    const QList<RunWatcher*>& watchers() const { return m_watchers; }

    // The classroom: the Training, Playground and Loss-surface tabs, the step anatomy dock
    // and the interpolation meter, and presentation mode (View menu, Ctrl+Shift+P).
    QTabWidget* tabs() const { return m_tabs; }
    PlaygroundView* playground() const { return m_playground; }
    SurfaceView* surfaceView() const { return m_surfaceView; }
    StepAnatomyPanel* stepAnatomy() const { return m_anatomy; }
    InterpolationPlot* interpolationPlot() const { return m_interpolation; }
    // Tab keys: "training", "playground", "surface".
    bool showTab(const QString& key);
    // Presentation mode: every widget's text grows, and the plots get the room of the folded
    // experiment panel and runs table; leaving it restores the window, its docks, splits and fonts
    // exactly.
    QAction* presentationAction() const { return m_presentation; }
    bool isPresentation() const;
    void setPresentation(bool on);
    // F9 (toolbar, View menu): shows or hides the experiment panel's dock.
    QAction* panelAction() const { return m_panelToggle; }
    // The window's size at the first start where the screen has room for it.
    static QSize defaultSize();
    // Sizes the window to defaultSize() or the whole of `available` (a screen's available
    // geometry) where that is smaller, frame included, centres it there, and gives the docks
    // sizes in proportion.
    void fitToScreen(const QRect& available);
    // Shrinks and moves the window only as far as needed to be inside `available`.
    void keepOnScreen(const QRect& available);
    // View > Reset Layout: leaves presentation mode, docks every panel where it starts, shows
    // them all and fits the window to its screen.
    void resetLayout();

Q_SIGNALS:
    // A run ended (completed, stopped, diverged or failed).
    void runFinished(alig::ui::Run* run);

protected:
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void applyDockSizes();

private:
    // Run > Compare / Sweep: the dialog, kept open with its fields until the batch starts.
    void openBatchDialog(bool sweep);
    void createActions();
    void createMenus();
    void createStatusBar();
    void updateActions();
    void updateStatusBar();
    void setCurrent(RunController* controller);
    void showError(const QString& title, const QString& message);
    void addRecentFile(const QString& path);
    void rebuildRecentMenu();
    void deleteRuns(const QList<Run*>& runs);
    void markExperimentSaved(const QString& path);
    void updateTitle();
    // Closing with unsaved edits or training runs asks first (with dialogs on).
    bool confirmClose();
    void saveSettings();
    void restoreSettings();
    void saveWatchedFolders();
    // The default dock arrangement (the constructor and Reset Layout).
    void placeDocks();
    // Hides the docks for the classroom tabs (remembering which were shown) and shows them
    // again on Training.
    void showTrainingDocks(bool training);
    void sizeByCurrentTab();
    void restoreDockState(const QByteArray& state);
    // Presentation mode: hides the experiment panel and the runs table (unless floating).
    void foldForProjector();
    void restoreNormalLayout();

    QString m_runsDir;
    bool m_dialogs = true;
    QString m_lastError;
    QString m_experimentPath;
    std::string m_savedExperiment; // the JSON of the last open/save/preset: "not modified"

    RunRegistry* m_registry = nullptr;
    ExperimentPanel* m_panel = nullptr;
    PlotsView* m_plots = nullptr;
    RunsTable* m_runsTable = nullptr;
    BatchPanel* m_batch = nullptr;
    QDockWidget* m_batchDock = nullptr;
    QList<RunController*> m_controllers;
    QList<RunWatcher*> m_watchers;
    bool m_rememberWatched = false; // settings are the user's (not with restoreSettings off)
    QPointer<RunController> m_current;

    QAction *m_start = nullptr, *m_pause = nullptr, *m_stop = nullptr, *m_step = nullptr;
    QMenu* m_recentMenu = nullptr;
    QTabWidget* m_tabs = nullptr;
    PlaygroundView* m_playground = nullptr;
    SurfaceView* m_surfaceView = nullptr;
    StepAnatomyPanel* m_anatomy = nullptr;
    InterpolationPlot* m_interpolation = nullptr;
    QAction* m_presentation = nullptr;
    // What presentation mode changed, to put back exactly; set while the mode is on.
    struct NormalState {
        QRect geometry;
        Qt::WindowStates windowState;
        QByteArray dockState;
        QList<int> anatomySplit;
        bool trainingTab = true;
        QByteArray trainingState; // the Training tab's docks, when the mode began elsewhere
        QFont appFont;
        QList<QPair<QPointer<QWidget>, QFont>> ownFonts; // widgets with a font of their own
    };
    std::optional<NormalState> m_normal;
    QAction* m_panelToggle = nullptr;
    QSplitter* m_anatomySplit = nullptr;
    QDockWidget* m_runsDock = nullptr;
    bool m_trainingDocksShown = true;
    bool m_shownOnce = false;
    bool m_restoredLayout = false;
    QDockWidget* m_panelDock = nullptr;
    QDockWidget* m_anatomyDock = nullptr;
    QByteArray m_trainingState; // the Training tab's docks while another tab is on show
    bool m_foldPanel = false;   // hide the experiment panel when Training comes back
    QRect m_fitArea;            // the last fitToScreen()'s, fitted again at the first show
    QLabel *m_deviceLabel = nullptr, *m_speedLabel = nullptr, *m_stepLabel = nullptr,
           *m_etaLabel = nullptr;
    QProgressBar* m_epochProgress = nullptr;
};

} // namespace alig::ui
