#include "ui/window/main_window.h"

#include "core/experiment/run_store.h"
#include "core/train/blas_kernel.h"
#include "core/train/device.h"
#include "core/train/runtime_env.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/paths.h"
#include "ui/classroom/animation_dialog.h"
#include "ui/classroom/help_dialog.h"
#include "ui/classroom/playground_view.h"
#include "ui/classroom/step_anatomy_panel.h"
#include "ui/classroom/surface_view.h"
#include "ui/config/experiment_panel.h"
#include "ui/plots/interpolation_plot.h"
#include "ui/plots/metric_plot.h"
#include "ui/plots/plots_view.h"
#include "ui/plots/presentation.h"
#include "ui/run/run.h"
#include "ui/run/run_controller.h"
#include "ui/window/batch_panel.h"
#include "ui/window/metrics_export.h"
#include "ui/window/run_library.h"
#include "ui/window/run_watcher.h"
#include "ui/window/runs_table.h"

#include <nlohmann/json.hpp>
#include <torch/version.h>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace alig::ui {

namespace {

constexpr int kMaxRecentFiles = 8;

QString formatDuration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return QStringLiteral("--:--");
    const qint64 s = std::llround(seconds);
    if (s >= 3600)
        return QStringLiteral("%1:%2:%3")
            .arg(s / 3600)
            .arg((s / 60) % 60, 2, 10, QChar('0'))
            .arg(s % 60, 2, 10, QChar('0'));
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
}

core::ExperimentConfig defaultConfig() {
    try {
        return core::ExperimentConfig::fromJson(core::loadPreset(core::kDefaultPreset));
    } catch (const core::Error&) {
        return core::ExperimentConfig{}; // no presets installed: the built-in defaults
    }
}

} // namespace

MainWindow::MainWindow(QString runsDir, bool restore, QWidget* parent)
    : QMainWindow(parent)
    , m_runsDir(runsDir.isEmpty() ? QString::fromStdString(core::defaultRunsDir())
                                  : std::move(runsDir)) {
    setWindowTitle(tr("ALI-G Studio"));
    setObjectName("MainWindow");
    m_registry = new RunRegistry(this);

    m_plots = new PlotsView(m_registry, this);
    m_playground = new PlaygroundView(m_runsDir);
    m_surfaceView = new SurfaceView;
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName("ClassroomTabs");
    m_tabs->addTab(m_plots, tr("Training"));
    m_tabs->addTab(m_playground, tr("Playground"));
    m_tabs->addTab(m_surfaceView, tr("Loss surface"));
    m_tabs->setTabToolTip(0, tr("The experiment on the left, trained on worker threads: loss, "
                                "step size, accuracy and gradient norm of every run"));
    m_tabs->setTabToolTip(1, tr("A 2-D data set, a small MLP and a live decision boundary"));
    m_tabs->setTabToolTip(2, tr("Optimizer paths on 2-D loss surfaces, step by step"));
    setCentralWidget(m_tabs);

    // The step anatomy of the current run, over the interpolation meter of every run.
    m_anatomy = new StepAnatomyPanel;
    m_interpolation = new InterpolationPlot(m_registry);
    // The meter's x axis is the Training plots' (step, epoch or time).
    m_interpolation->setXAxisMode(m_plots->settings().xAxis);
    connect(m_plots, &PlotsView::settingsChanged, m_interpolation,
            [this](const PlotSettings& s) { m_interpolation->setXAxisMode(s.xAxis); });
    auto* anatomySplit = new QSplitter(Qt::Vertical);
    m_anatomySplit = anatomySplit;
    // Scrolls rather than squeezes its rows when the dock is short (presentation mode).
    auto* anatomyScroll = new QScrollArea;
    anatomyScroll->setWidget(m_anatomy);
    anatomyScroll->setWidgetResizable(true);
    anatomyScroll->setFrameShape(QFrame::NoFrame);
    anatomyScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    anatomySplit->addWidget(anatomyScroll);
    anatomySplit->addWidget(m_interpolation);
    m_interpolation->setMinimumHeight(140);
    auto* anatomyDock = new QDockWidget(tr("Step anatomy"), this);
    m_anatomyDock = anatomyDock;
    anatomyDock->setObjectName("StepAnatomyDock");
    anatomyDock->setWidget(anatomySplit);

    m_panel = new ExperimentPanel;
    auto* panelDock = new QDockWidget(tr("Experiment"), this);
    m_panelDock = panelDock;
    panelDock->setObjectName("ExperimentDock");
    panelDock->setWidget(m_panel);

    m_runsTable = new RunsTable(m_registry);
    auto* runsDock = new QDockWidget(tr("Runs"), this);
    m_runsDock = runsDock;
    runsDock->setObjectName("RunsDock");
    runsDock->setWidget(m_runsTable);

    m_batch = new BatchPanel([this](const core::PlannedRun& p) {
        return launchRun(p.config, QString::fromStdString(p.label));
    });
    m_batchDock = new QDockWidget(tr("Compare / sweep"), this);
    m_batchDock->setObjectName("BatchDock");
    m_batchDock->setWidget(m_batch);
    placeDocks();

    createActions();
    createMenus();
    createStatusBar();

    connect(m_panel, &ExperimentPanel::validityChanged, this, [this](bool) { updateActions(); });
    // The panel edits the next run; nothing of it reaches a run that trains.
    connect(m_panel, &ExperimentPanel::configChanged, this, &MainWindow::updateTitle);
    connect(m_panel, &ExperimentPanel::presetLoaded, this, [this] { markExperimentSaved({}); });
    connect(m_runsTable, &RunsTable::renamed, this, &MainWindow::renameRun);
    connect(m_runsTable, &RunsTable::maxLrChangeRequested, this, [this](Run* run) {
        const auto& steps = run->steps();
        const double now = !steps.empty() && std::isfinite(steps.back().maxLr)
                               ? steps.back().maxLr
                               : run->config().optimizer.maxLr.value_or(0.1);
        bool ok = false;
        const double value = QInputDialog::getDouble(
            this, tr("Change max_lr"),
            tr("New max_lr for \"%1\" (from its next step on):").arg(run->name()), now, 1e-8, 1e8,
            6, &ok, Qt::WindowFlags(), 1e-3);
        if (ok) changeMaxLr(run, value);
    });
    connect(m_runsTable, &QTableWidget::itemSelectionChanged, this, &MainWindow::updateStatusBar);
    connect(m_runsTable, &RunsTable::deleteRequested, this, &MainWindow::deleteRuns);
    connect(m_runsTable, &RunsTable::runActivated, this, [this](Run* run) {
        for (RunController* c : m_controllers)
            if (c->run() == run && c->isActive()) setCurrent(c);
        run->setVisible(true);
    });

    // The default size where the screen has room for it, never beyond the screen.
    if (const QScreen* screen = QGuiApplication::primaryScreen())
        fitToScreen(screen->availableGeometry());
    // The docks serve the Training tab; the classroom tabs bring their own controls and get
    // the whole window. Leaving Training remembers which docks were shown.
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] { updateActions(); });
    connect(m_playground, &PlaygroundView::runningChanged, this, [this] { updateActions(); });
    connect(m_surfaceView, &SurfaceView::pathsChanged, this, [this] { updateActions(); });
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int index) {
        // The new page's minimum first: the old one's must not squeeze the docks restored.
        sizeByCurrentTab();
        showTrainingDocks(index == 0);
    });
    sizeByCurrentTab();

    connect(m_registry, &RunRegistry::runRemoved, this, [this](Run* run) {
        for (RunWatcher* w : m_watchers)
            if (w->run() == run) {
                m_watchers.removeOne(w);
                w->deleteLater();
                saveWatchedFolders();
                break;
            }
    });

    m_panel->setConfig(defaultConfig());
    markExperimentSaved({});
    m_rememberWatched = restore;
    if (restore) restoreSettings();
    m_batch->setRunOf(
        [this](const QString& dir) -> const Run* { return m_registry->findByDir(dir); });
    connect(m_batch, &BatchPanel::moreSeedsRequested, this, [this] {
        bool ok = false;
        const int more = QInputDialog::getInt(this, tr("More seeds"),
                                              tr("Seeds to add to every setting of the batch:"), 2,
                                              1, 20, 1, &ok);
        if (ok) addBatchSeeds(more);
    });
    connect(m_batch, &BatchPanel::exportRequested, this, [this] {
        const QString base = QFileDialog::getSaveFileName(
            this, tr("Export the batch (a base name: BASE-runs.csv, BASE-groups.csv, ...)"),
            m_batch->parentDir() + "/export", tr("CSV files (*.csv)"));
        if (!base.isEmpty()) exportBatch(base);
    });
    QStringList batches;
    reloadRunStore(&batches);
    // The last comparison or sweep comes back with its summary, as it was left.
    if (!batches.isEmpty()) {
        try {
            m_batch->openBatch(batches.last());
        } catch (const std::exception& e) {
            statusBar()->showMessage(QString::fromStdString(e.what()), 10000);
        }
    }
    updateActions();
    updateStatusBar();
}

MainWindow::~MainWindow() {
    for (RunController* c : m_controllers)
        c->stopAndWait();
    qDeleteAll(m_controllers);
}

RunController* MainWindow::currentController() const {
    return m_current;
}

void MainWindow::createActions() {
    QStyle* s = style();
    m_start = new QAction(s->standardIcon(QStyle::SP_MediaPlay), tr("&Start"), this);
    m_start->setShortcut(Qt::Key_F5);
    m_start->setToolTip(tr("Start a new run of the experiment on the left (F5). Several runs "
                           "may train at once."));
    // Start, Pause, Stop and Step act on the tab on screen: the Playground's run, the Loss
    // surface's paths, or the Training tab's runs (updateActions() names which).
    connect(m_start, &QAction::triggered, this, [this] {
        if (m_tabs->currentWidget() == m_playground)
            m_playground->start();
        else if (m_tabs->currentWidget() == m_surfaceView)
            m_surfaceView->setAnimating(true);
        else
            startRun();
        updateActions();
    });

    m_pause = new QAction(s->standardIcon(QStyle::SP_MediaPause), tr("&Pause"), this);
    m_pause->setShortcut(Qt::Key_F6);
    m_pause->setToolTip(tr("Pause the current run after its step, or resume it (F6)"));
    connect(m_pause, &QAction::triggered, this, [this] {
        if (m_tabs->currentWidget() == m_playground) {
            if (m_playground->isRunning())
                m_playground->pause();
            else
                m_playground->start();
            updateActions();
            return;
        }
        if (m_tabs->currentWidget() == m_surfaceView) {
            m_surfaceView->setAnimating(!m_surfaceView->isAnimating());
            updateActions();
            return;
        }
        if (!m_current) return;
        if (m_current->isPaused())
            m_current->resume();
        else
            m_current->pause();
    });

    m_stop = new QAction(s->standardIcon(QStyle::SP_MediaStop), tr("S&top"), this);
    m_stop->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F5));
    m_stop->setToolTip(tr("Stop the current run: it finishes its step and keeps everything "
                          "it recorded (Shift+F5)"));
    connect(m_stop, &QAction::triggered, this, [this] {
        if (m_tabs->currentWidget() == m_playground)
            m_playground->pause(); // the Playground's run stays, ready to Step or Rewind
        else if (m_tabs->currentWidget() == m_surfaceView)
            m_surfaceView->setAnimating(false);
        else if (m_current)
            m_current->stop();
        updateActions();
    });

    m_step = new QAction(s->standardIcon(QStyle::SP_MediaSkipForward), tr("Ste&p"), this);
    m_step->setShortcut(Qt::Key_F10);
    m_step->setToolTip(tr("Take exactly one optimizer step, then wait (F10). Starts a paused "
                          "run when none is active."));
    connect(m_step, &QAction::triggered, this, [this] {
        if (m_tabs->currentWidget() == m_playground) {
            m_playground->stepOnce(); // F10 on the Playground tab steps its run
            updateActions();
            return;
        }
        if (m_tabs->currentWidget() == m_surfaceView) {
            m_surfaceView->setAnimating(false);
            m_surfaceView->stepAll();
            updateActions();
            return;
        }
        if (!(m_current && m_current->isActive()) && !startRun(/*paused=*/true)) return;
        m_current->stepOnce();
    });

    auto* toolbar = addToolBar(tr("Run"));
    toolbar->setObjectName("RunToolbar");
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addActions({m_start, m_pause, m_stop, m_step});
    // The experiment form folds away for the plots (presentation mode starts without it).
    m_panelToggle = m_panelDock->toggleViewAction();
    m_panelToggle->setText(tr("E&xperiment Panel"));
    m_panelToggle->setShortcut(Qt::Key_F9);
    m_panelToggle->setIcon(s->standardIcon(QStyle::SP_FileDialogDetailedView));
    m_panelToggle->setToolTip(tr("Show or hide the experiment's settings (F9)"));
    toolbar->addSeparator();
    toolbar->addAction(m_panelToggle);
    addAction(m_panelToggle); // the shortcut works with the menu bar hidden too
}

void MainWindow::createMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open Experiment…"), QKeySequence::Open, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open experiment"), QFileInfo(m_experimentPath).path(),
            tr("Experiments (*.json);;All files (*)"));
        if (!path.isEmpty()) openExperiment(path);
    });
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addAction(tr("&Save Experiment"), QKeySequence::Save, this,
                    [this] { saveCurrentExperiment(); })
        ->setToolTip(tr("Write the experiment to the file named in the title (asks for one "
                        "when it is untitled)"));
    file->addAction(tr("Save Experiment &As…"), QKeySequence::SaveAs, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Save experiment"), m_panel->config().name.c_str() + QString(".json"),
            tr("Experiments (*.json)"));
        if (!path.isEmpty()) saveExperiment(path);
    });
    file->addAction(tr("&Revert Experiment"), this, [this] { revertExperiment(); })
        ->setToolTip(tr("Drop the edits and reload the experiment's file"));
    file->addSeparator();
    file->addAction(tr("&Watch Run Folder…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(
            this, tr("Watch a run folder (written by alig-train, torchrun or alig_studio)"),
            m_runsDir);
        if (!dir.isEmpty()) watchRunFolder(dir);
    });
    file->addAction(tr("&Export Metrics (CSV)…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export metrics"), "metrics.csv",
                                                          tr("CSV (*.csv)"));
        if (!path.isEmpty()) exportMetrics(path);
    });
    file->addAction(tr("Export &Animation…"), this, [this] {
        // The view on screen first; the Loss surface steps its paths before each frame.
        std::vector<AnimationDialog::Source> sources{{tr("Training plots"), m_plots, {}},
                                                     {tr("Playground"), m_playground, {}},
                                                     {tr("Loss surface"), m_surfaceView, [this] {
                                                          m_surfaceView->stepAll();
                                                          return true;
                                                      }}};
        auto* dialog = new AnimationDialog(sources, m_tabs->currentIndex(), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    rebuildRecentMenu();

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->addActions({m_start, m_pause, m_stop, m_step});
    run->addSeparator();
    for (bool sweep : {false, true}) {
        QAction* a = run->addAction(sweep ? tr("S&weep a Setting…") : tr("&Compare Optimizers…"),
                                    this, [this, sweep] { openBatchDialog(sweep); });
        a->setToolTip(sweep ? tr("Train the experiment over a grid of values of one setting and "
                                 "plot the final accuracy against it")
                            : tr("Train the experiment with several optimizers from the same "
                                 "initial weights and data order, side by side"));
    }

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());
    view->addAction(tr("Reload Run Store"), this, [this] { reloadRunStore(); });
    view->addAction(tr("Open Batch…"), this,
                    [this] {
                        const QString dir = QFileDialog::getExistingDirectory(
                            this, tr("Open a compare or sweep folder"), m_runsDir);
                        if (!dir.isEmpty()) openBatch(dir);
                    })
        ->setToolTip(tr("Show a comparison or sweep of the run store: its summary table, its "
                        "sweep plot and its runs' curves"));
    view->addSeparator();
    m_presentation = view->addAction(tr("&Presentation Mode"));
    m_presentation->setCheckable(true);
    m_presentation->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    m_presentation->setToolTip(tr("Larger text, lines and markers everywhere and the plots "
                                  "given the room, for a projector (Ctrl+Shift+P); leaving it "
                                  "puts everything back as it was"));
    connect(m_presentation, &QAction::toggled, this, &MainWindow::setPresentation);
    addAction(m_presentation); // the shortcut works with the menu bar hidden too
    view->addAction(tr("&Reset Layout"), this, &MainWindow::resetLayout)
        ->setToolTip(tr("Every panel back in its place at its first size, the window fitted "
                        "to the screen"));

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    auto openHelp = [this](HelpDialog::Page page) {
        auto* dialog = new HelpDialog(findChildren<QAction*>(), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &HelpDialog::lessonChosen, this, [this](const QString& path) {
            showTab("playground");
            m_playground->openLesson(path);
        });
        dialog->showPage(page);
        dialog->show();
    };
    help->addAction(tr("&Keyboard Shortcuts"), this,
                    [openHelp] { openHelp(HelpDialog::Shortcuts); });
    help->addAction(tr("A Short &Tour"), this, [openHelp] { openHelp(HelpDialog::Tour); });
    help->addAction(tr("&Lessons…"), this, [openHelp] { openHelp(HelpDialog::Lessons); });
    help->addAction(tr("&Documentation"), this, [openHelp] { openHelp(HelpDialog::Documents); });
    help->addSeparator();
    help->addAction(tr("&About ALI-G Studio"), this, [this] {
        const QString blas = QString::fromStdString(core::blasCoreName());
        const QString kernel = QString::fromStdString(core::blasKernelReport()).toHtmlEscaped();
        QMessageBox::about(
            this, tr("About ALI-G Studio"),
            tr("<h3>ALI-G Studio %1</h3>"
               "<p>Watch neural networks train with ALI-G (Berrada, Zisserman, Kumar, ICML "
               "2020): the step min(loss / ||g||², max_lr) adapts to every mini-batch.</p>"
               "<p>LibTorch %2<br>BLAS: %3<br>OpenMP wait policy: %4<br>Runs: %5</p>")
                .arg(ALIG_VERSION, TORCH_VERSION,
                     blas.isEmpty() ? tr("reference (slow: install libopenblas0-pthread)")
                                    : "OpenBLAS, kernel " + kernel,
                     *core::ompWaitPolicy() ? core::ompWaitPolicy() : "default", m_runsDir));
    });
}

void MainWindow::createStatusBar() {
    m_deviceLabel = new QLabel;
    m_deviceLabel->setToolTip(tr("Where the current run trains"));
    m_speedLabel = new QLabel;
    m_speedLabel->setToolTip(tr("Optimizer steps per second of the current run"));
    m_stepLabel = new QLabel;
    m_stepLabel->setToolTip(tr("The step size ALI-G took at the latest step (the learning rate "
                               "for other methods)"));
    m_epochProgress = new QProgressBar;
    m_epochProgress->setMinimumWidth(200);
    m_epochProgress->setMaximumWidth(240);
    m_epochProgress->setFormat(tr("epoch %p%"));
    m_epochProgress->setToolTip(tr("Progress through the current epoch"));
    m_etaLabel = new QLabel;
    m_etaLabel->setToolTip(tr("Time left until the run's last epoch ends, at the current speed"));
    statusBar()->addPermanentWidget(m_deviceLabel);
    statusBar()->addPermanentWidget(m_speedLabel);
    statusBar()->addPermanentWidget(m_stepLabel);
    statusBar()->addPermanentWidget(m_epochProgress);
    statusBar()->addPermanentWidget(m_etaLabel);
}

Run* MainWindow::startRun(bool paused, int64_t stopAfterStep) {
    if (!m_panel->isValid()) {
        showError(tr("Cannot start"), m_panel->validationMessage());
        return nullptr;
    }
    core::ExperimentConfig config = m_panel->config();
    // The window keeps its runs in its runs folder: an experiment file from someone else
    // must not choose where the window writes (output.dir is for alig-train).
    config.output.dir.clear();
    RunController* controller =
        launchRun(config, QString::fromStdString(config.name), paused, stopAfterStep);
    return controller->run();
}

RunController* MainWindow::launchRun(const core::ExperimentConfig& config, QString name,
                                     bool paused, int64_t stopAfterStep) {
    // Unique among every run the window holds, the run store's too; run.json keeps it, so it
    // is the same after a restart. The id is the run's for good (run.json, folder, exports).
    auto* run = new Run(QString::fromStdString(core::newRunId()), m_registry->uniqueName(name),
                        m_registry->nextColor(), config);
    m_registry->add(run);
    // A zoom into the last run's plots says nothing about this one.
    m_plots->followAll();

    auto* controller = new RunController(run, config, m_runsDir, QString(), this);
    m_controllers << controller;
    connect(controller, &RunController::progressed, this, [this, controller] {
        if (controller == m_current) updateStatusBar();
    });
    connect(controller, &RunController::pausedChanged, this, [this] { updateActions(); });
    connect(controller, &RunController::started, this, [this, controller] {
        if (controller == m_current) updateStatusBar();
    });
    connect(controller, &RunController::failed, this, [this, run](const QString& message) {
        showError(tr("Run \"%1\" failed").arg(run ? run->name() : QString()), message);
        updateActions();
    });
    connect(controller, &RunController::finished, this,
            [this, run, controller](core::RunStatus status, const QString& message) {
                if (status == core::RunStatus::Diverged || status == core::RunStatus::Failed)
                    showError(
                        tr("Run \"%1\" %2")
                            .arg(run->name(), QString::fromStdString(core::runStatusName(status))),
                        message + tr("\nThe plots keep everything before it."));
                else
                    statusBar()->showMessage(tr("%1: %2").arg(run->name(), message), 8000);
                if (controller == m_current) updateStatusBar();
                updateActions();
                Q_EMIT runFinished(run);
            });
    if (stopAfterStep > 0) controller->stopAfterStep(stopAfterStep);
    setCurrent(controller);
    controller->start(paused);
    updateActions();
    return controller;
}

void MainWindow::setCurrent(RunController* controller) {
    m_current = controller;
    m_anatomy->setRun(controller ? controller->run() : nullptr);
    updateActions();
    updateStatusBar();
}

bool MainWindow::showTab(const QString& key) {
    QWidget* w = key == "training"     ? static_cast<QWidget*>(m_plots)
                 : key == "playground" ? static_cast<QWidget*>(m_playground)
                 : key == "surface"    ? static_cast<QWidget*>(m_surfaceView)
                                       : nullptr;
    if (!w) return false;
    m_tabs->setCurrentWidget(w);
    return true;
}

bool MainWindow::isPresentation() const {
    return m_presentation->isChecked();
}

void MainWindow::setPresentation(bool on) {
    if (m_presentation->isChecked() != on) {
        m_presentation->setChecked(on); // comes back here through toggled()
        return;
    }
    if (on == m_normal.has_value()) return; // already so
    if (on) {
        // Everything leaving the mode puts back: the window's place, every dock's, the
        // anatomy's split, the application font and each font a widget set for itself.
        NormalState n;
        n.geometry = geometry();
        n.windowState = windowState();
        n.dockState = saveState();
        n.anatomySplit = m_anatomySplit->sizes();
        n.trainingTab = m_tabs->currentWidget() == m_plots;
        n.trainingState = m_trainingState;
        n.appFont = QApplication::font();
        for (QWidget* w : findChildren<QWidget*>())
            if (w->testAttribute(Qt::WA_SetFont)) n.ownFonts.append({w, w->font()});
        m_normal = std::move(n);
    }
    const NormalState& n = *m_normal;
    QFont app = n.appFont;
    if (on) app.setPointSizeF(app.pointSizeF() * kPresentationWidgetScale);
    QApplication::setFont(app);
    // The widgets take the new font from posted events, and a hidden dock's contents may keep
    // the old one: every widget without a font of its own resolves it again now, parents
    // before children (findChildren's order), before anything is measured.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::ApplicationFontChange);
    // A dock whose font is the default one draws its title in the theme's title font, fixed
    // when the dock was made; with a font of its own (the same, antialiasing preferred, which
    // its contents inherit unseen) the title grows too.
    for (QDockWidget* dock : findChildren<QDockWidget*>()) {
        if (std::any_of(n.ownFonts.begin(), n.ownFonts.end(),
                        [dock](const auto& own) { return own.first == dock; }))
            continue;
        QFont f = app;
        f.setStyleStrategy(QFont::PreferAntialias);
        dock->setFont(on ? f : QFont());
    }
    for (QWidget* w : findChildren<QWidget*>())
        if (!w->testAttribute(Qt::WA_SetFont)) w->setFont(QFont());
    // A widget with a font of its own does not follow the application's: it grows by the same
    // factor, and gets its own font back exactly.
    for (const auto& [widget, font] : n.ownFonts) {
        if (!widget) continue;
        QFont f = font;
        if (on && f.pointSizeF() > 0)
            f.setPointSizeF(f.pointSizeF() * kPresentationWidgetScale);
        else if (on && f.pixelSize() > 0)
            f.setPixelSize(static_cast<int>(std::lround(f.pixelSize() * kPresentationWidgetScale)));
        widget->setFont(f);
    }
    for (MetricPlot* p : m_plots->plots())
        p->setPresentation(on);
    m_interpolation->setPresentation(on);
    m_playground->setPresentation(on);
    m_surfaceView->setPresentation(on);
    if (on) {
        // For a projector: the plots get the room of the folded experiment panel and runs
        // table (F9 and the View menu bring them back), the larger text a wider step anatomy.
        if (n.trainingTab)
            foldForProjector();
        else
            m_foldPanel = true; // when the Training tab comes back
        applyDockSizes();
        if (const QScreen* screen = this->screen()) keepOnScreen(screen->availableGeometry());
        statusBar()->showMessage(tr("Presentation mode: Ctrl+Shift+P to leave it; F9 for the "
                                    "experiment panel, View > Runs for the runs table"),
                                 6000);
        return;
    }
    restoreNormalLayout();
    m_normal.reset();
    statusBar()->clearMessage();
}

void MainWindow::restoreNormalLayout() {
    const NormalState& n = *m_normal;
    // The smaller fonts' layouts first, so that nothing grows back over what is restored.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    // The rect itself: restoreGeometry() would place it again by the frame's guess.
    if (n.windowState & (Qt::WindowMaximized | Qt::WindowFullScreen))
        setWindowState(n.windowState);
    else
        setGeometry(n.geometry);
    m_anatomySplit->setSizes(n.anatomySplit);
    m_foldPanel = false;
    // The dock state is that of the tab where the mode began; the tab may have changed since.
    // The Training tab's docks come back with it, as they were before the mode.
    const bool training = m_tabs->currentWidget() == m_plots;
    m_trainingState = n.trainingTab ? n.dockState : n.trainingState;
    if (training)
        restoreDockState(m_trainingState);
    else if (!n.trainingTab)
        restoreState(n.dockState); // hidden docks, floating ones where they were
    m_trainingDocksShown = training;
}

QSize MainWindow::defaultSize() {
    return {1500, 950};
}

void MainWindow::fitToScreen(const QRect& available) {
    if (!available.isValid()) return;
    m_fitArea = available;
    // The frame the window manager adds (none before the first show) stays inside too.
    const QMargins frame(geometry().left() - frameGeometry().left(),
                         geometry().top() - frameGeometry().top(),
                         frameGeometry().right() - geometry().right(),
                         frameGeometry().bottom() - geometry().bottom());
    const QRect room = available.marginsRemoved(frame);
    const QSize size = defaultSize().boundedTo(room.size());
    setGeometry(QStyle::alignedRect(Qt::LeftToRight, Qt::AlignCenter, size, room));
    applyDockSizes();
}

void MainWindow::keepOnScreen(const QRect& available) {
    if (!available.isValid() || available.contains(frameGeometry())) return;
    const QSize frame = frameGeometry().size() - geometry().size();
    resize(size().boundedTo(available.size() - frame));
    const QRect f = frameGeometry();
    // move() places a window's frame.
    move(std::clamp(f.left(), available.left(),
                    std::max(available.left(), available.right() + 1 - f.width())),
         std::clamp(f.top(), available.top(),
                    std::max(available.top(), available.bottom() + 1 - f.height())));
}

void MainWindow::placeDocks() {
    const std::pair<QDockWidget*, Qt::DockWidgetArea> places[] = {
        {m_anatomyDock, Qt::RightDockWidgetArea},
        {m_panelDock, Qt::LeftDockWidgetArea},
        {m_runsDock, Qt::BottomDockWidgetArea},
        {m_batchDock, Qt::BottomDockWidgetArea}};
    for (const auto& [dock, area] : places) {
        dock->setFloating(false);
        addDockWidget(area, dock);
    }
    tabifyDockWidget(m_runsDock, m_batchDock);
    m_runsDock->raise();
    m_anatomySplit->setSizes({420, 300});
}

void MainWindow::resetLayout() {
    if (isPresentation()) setPresentation(false);
    placeDocks();
    for (QDockWidget* dock : {m_anatomyDock, m_panelDock, m_runsDock, m_batchDock})
        dock->show();
    m_trainingDocksShown = true;
    showTrainingDocks(m_tabs->currentWidget() == m_plots);
    if (const QScreen* screen = this->screen()) fitToScreen(screen->availableGeometry());
}

void MainWindow::restoreDockState(const QByteArray& state) {
    // Docks that were hidden take their sizes only once they are shown and laid out: the
    // first pass shows them, the second sizes them as saved.
    restoreState(state);
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    restoreState(state);
}

void MainWindow::foldForProjector() {
    for (QDockWidget* dock : {m_panelDock, m_runsDock, m_batchDock})
        if (!dock->isFloating()) dock->hide();
}

void MainWindow::sizeByCurrentTab() {
    // A tab widget is as large as its largest page; the pages not on show count for nothing,
    // so the Playground's minimum never widens the Training tab's window beyond the screen.
    for (int i = 0; i < m_tabs->count(); ++i) {
        const auto policy =
            i == m_tabs->currentIndex() ? QSizePolicy::Preferred : QSizePolicy::Ignored;
        m_tabs->widget(i)->setSizePolicy(policy, policy);
    }
}

void MainWindow::showTrainingDocks(bool training) {
    // The docks serve the Training tab; the classroom tabs bring their own controls and get
    // the whole window. Leaving Training keeps its docks' state (which are shown, their sizes,
    // the raised tab) and coming back restores it exactly; floating docks stay where they are.
    if (training == m_trainingDocksShown) return;
    m_trainingDocksShown = training;
    if (!training) {
        m_trainingState = saveState();
        for (QDockWidget* dock : findChildren<QDockWidget*>())
            if (!dock->isFloating()) dock->hide();
        return;
    }
    restoreDockState(m_trainingState);
    if (m_foldPanel) foldForProjector(); // presentation mode began on another tab
    m_foldPanel = false;
}

void MainWindow::updateActions() {
    if (m_tabs && m_tabs->currentWidget() == m_playground) {
        const bool running = m_playground->isRunning();
        m_start->setEnabled(m_playground->isValid() && !running);
        m_start->setText(tr("&Train"));
        m_start->setToolTip(tr("Train the Playground's network at its speed (F5)"));
        m_pause->setEnabled(m_playground->isValid());
        m_pause->setText(running ? tr("&Pause") : tr("&Resume"));
        m_pause->setIcon(
            style()->standardIcon(running ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
        m_pause->setToolTip(tr("Pause or resume the Playground's training (F6)"));
        m_stop->setEnabled(running);
        m_stop->setToolTip(tr("Stop the Playground's training; Step or Rewind from there "
                              "(Shift+F5)"));
        m_step->setEnabled(m_playground->isValid());
        m_step->setToolTip(tr("One step of the Playground's network (F10)"));
        return;
    }
    if (m_tabs && m_tabs->currentWidget() == m_surfaceView) {
        const bool animating = m_surfaceView->isAnimating();
        m_start->setEnabled(!animating);
        m_start->setText(tr("&Animate"));
        m_start->setToolTip(tr("Animate the ticked optimizers' paths on the surface (F5)"));
        m_pause->setEnabled(true);
        m_pause->setText(animating ? tr("&Pause") : tr("&Resume"));
        m_pause->setIcon(
            style()->standardIcon(animating ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
        m_pause->setToolTip(tr("Pause or resume the paths' animation (F6)"));
        m_stop->setEnabled(animating);
        m_stop->setToolTip(tr("Stop the animation where the paths are (Shift+F5)"));
        m_step->setEnabled(true);
        m_step->setToolTip(tr("One step of every path (F10)"));
        return;
    }
    m_start->setText(tr("&Start"));
    m_stop->setToolTip(tr("Stop the current run: it finishes its step and keeps everything "
                          "it recorded (Shift+F5)"));
    m_pause->setToolTip(tr("Pause the current run after its step, or resume it (F6)"));
    m_step->setToolTip(tr("Take exactly one optimizer step, then wait (F10). Starts a paused "
                          "run when none is active."));
    const bool active = m_current && m_current->isActive();
    m_start->setEnabled(m_panel->isValid());
    m_start->setToolTip(m_panel->isValid()
                            ? tr("Start a new run of the experiment on the left (F5)")
                            : tr("Fix the experiment first: %1").arg(m_panel->validationMessage()));
    m_pause->setEnabled(active);
    const bool paused = active && m_current->isPaused();
    m_pause->setText(paused ? tr("&Resume") : tr("&Pause"));
    m_pause->setIcon(style()->standardIcon(paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
    m_stop->setEnabled(active);
    m_step->setEnabled(active || m_panel->isValid());
}

Run* MainWindow::statusRun() const {
    const QList<Run*> selected = m_runsTable->selectedRuns();
    if (selected.size() == 1) return selected.front();
    return m_current ? m_current->run() : nullptr;
}

void MainWindow::updateStatusBar() {
    Run* run = statusRun();
    RunController* controller = nullptr;
    for (RunController* c : m_controllers)
        if (c->run() == run) controller = c;
    m_epochProgress->setVisible(run != nullptr);
    if (!run) {
        m_deviceLabel->clear();
        m_speedLabel->clear();
        m_stepLabel->clear();
        m_etaLabel->clear();
        m_epochProgress->setValue(0);
        return;
    }
    const QString device = controller ? controller->device() : QString();
    // The run's name short, whole in the tooltip: the status message to the left needs the room
    // on a 1280x720 screen and in presentation mode.
    const QFontMetrics metrics(m_deviceLabel->font());
    const QString name =
        metrics.elidedText(run->name(), Qt::ElideMiddle,
                           std::max(8 * metrics.averageCharWidth(), statusBar()->width() / 7));
    m_deviceLabel->setText(run->isLive() && device.isEmpty() ? tr("%1 · starting…").arg(name)
                           : device.isEmpty()                ? name
                                                             : tr("%1 · %2").arg(name, device));
    m_deviceLabel->setToolTip(
        device.isEmpty() ? tr("The current run: %1").arg(run->name())
                         : tr("The current run, %1, trains on %2").arg(run->name(), device));
    const double rate = run->stepsPerSecond();
    m_speedLabel->setText(run->isPaused() ? tr("paused")
                          : rate > 0      ? tr("%1 steps/s").arg(rate, 0, 'f', 0)
                                          : QString());
    if (run->steps().empty()) {
        m_stepLabel->clear();
        m_epochProgress->setValue(0);
        m_etaLabel->clear();
        return;
    }
    const core::StepMetrics& last = run->steps().back();
    m_stepLabel->setText(tr("step size %1%2")
                             .arg(last.stepSize, 0, 'g', 3)
                             .arg(last.clipped ? tr(" (clipped)") : QString()));
    const int64_t perEpoch = std::max<int64_t>(1, run->stepsPerEpoch());
    const int64_t inEpoch = last.step - (last.epoch - 1) * perEpoch;
    m_epochProgress->setValue(static_cast<int>(100 * inEpoch / perEpoch));
    m_epochProgress->setFormat(tr("epoch %1/%2: %p%").arg(last.epoch).arg(run->totalEpochs()));
    const int64_t left = run->totalEpochs() * perEpoch - last.step;
    // Paused, nothing counts down: the time left is what it was when the run paused.
    if (!run->isPaused())
        m_etaLabel->setText(run->isLive() && rate > 0 ? tr("%1 left").arg(formatDuration(
                                                            static_cast<double>(left) / rate))
                                                      : QString());
}

bool MainWindow::changeMaxLr(Run* run, std::optional<double> maxLr) {
    for (RunController* c : m_controllers) {
        if (c->run() != run || !c->isActive()) continue;
        if (maxLr && !(*maxLr > 0.0 && std::isfinite(*maxLr))) {
            showError(tr("Change max_lr"), tr("optimizer.max_lr: must be > 0, got %1").arg(*maxLr));
            return false;
        }
        c->setMaxLr(maxLr);
        statusBar()->showMessage(
            tr("%1: max_lr %2 from its next step")
                .arg(run->name(), maxLr ? QString::number(*maxLr, 'g', 4) : tr("without a cap")),
            5000);
        return true;
    }
    showError(tr("Change max_lr"), tr("\"%1\" is not training").arg(run->name()));
    return false;
}

bool MainWindow::renameRun(Run* run, const QString& typed) {
    const QString name = typed.trimmed();
    QString problem;
    if (name.isEmpty())
        problem = tr("a run needs a name");
    else if (m_registry->isNameTaken(name, run))
        problem = tr("another run is called \"%1\": names tell runs apart").arg(name);
    if (problem.isEmpty() && name != run->name()) {
        try {
            // A training run's recorder owns run.json: it writes the name now and keeps it.
            RunController* controller = nullptr;
            for (RunController* c : m_controllers)
                if (c->run() == run) controller = c;
            if (!controller || !controller->rename(name)) renameRunOnDisk(*run, name);
        } catch (const std::exception& e) {
            problem = QString::fromStdString(e.what());
        }
    }
    if (!problem.isEmpty()) {
        showError(tr("Rename"), problem);
        Q_EMIT run->changed(); // puts the old name back in the table
        return false;
    }
    run->setRenamed(true);
    run->setName(name);
    return true;
}

QStringList MainWindow::reloadRunStore(QStringList* batches) {
    const QStringList problems = loadRunStore(m_runsDir, *m_registry, 50, batches);
    if (!problems.isEmpty())
        statusBar()->showMessage(tr("Skipped %n unreadable run folder(s): %1", "", problems.size())
                                     .arg(problems.first()),
                                 10000);
    return problems;
}

bool MainWindow::openBatch(const QString& dir) {
    try {
        m_batch->openBatch(dir);
    } catch (const std::exception& e) {
        showError(tr("Cannot open the batch"), QString::fromStdString(e.what()));
        return false;
    }
    // Its runs on show, the others hidden: the plots show the batch.
    for (Run* r : m_registry->runs())
        r->setVisible(QFileInfo(r->runDir()).path() == QFileInfo(dir).filePath());
    m_batchDock->show();
    m_batchDock->raise();
    return true;
}

bool MainWindow::isExperimentModified() const {
    return m_panel->config().toJson().dump() != m_savedExperiment;
}

void MainWindow::markExperimentSaved(const QString& path) {
    m_experimentPath = path;
    m_savedExperiment = m_panel->config().toJson().dump();
    updateTitle();
}

void MainWindow::updateTitle() {
    // "[*]" is where Qt draws the modified marker.
    const QString file =
        m_experimentPath.isEmpty()
            ? tr("untitled (%1)").arg(QString::fromStdString(m_panel->config().name))
            : QFileInfo(m_experimentPath).fileName();
    setWindowTitle(tr("%1[*] — ALI-G Studio").arg(file));
    setWindowModified(isExperimentModified());
}

bool MainWindow::saveCurrentExperiment() {
    QString path = m_experimentPath;
    if (path.isEmpty() && m_dialogs)
        path = QFileDialog::getSaveFileName(this, tr("Save experiment"),
                                            m_panel->config().name.c_str() + QString(".json"),
                                            tr("Experiments (*.json)"));
    if (path.isEmpty()) {
        if (!m_dialogs) showError(tr("Cannot save experiment"), tr("it has no file yet"));
        return false;
    }
    return saveExperiment(path);
}

bool MainWindow::revertExperiment() {
    if (m_experimentPath.isEmpty()) {
        showError(tr("Revert"), tr("the experiment has no file to go back to"));
        return false;
    }
    return openExperiment(m_experimentPath);
}

bool MainWindow::confirmClose() {
    int training = 0;
    for (RunController* c : m_controllers)
        training += c->isActive() ? 1 : 0;
    if (!m_dialogs || (training == 0 && !isExperimentModified())) return true;
    QStringList why;
    if (isExperimentModified())
        why << tr("The experiment has edits that are not saved%1.")
                   .arg(m_experimentPath.isEmpty() ? QString()
                                                   : tr(" to %1").arg(m_experimentPath));
    if (training > 0)
        why << tr("%n run(s) still train: closing stops them (what they recorded stays).", "",
                  training);
    QMessageBox box(QMessageBox::Question, tr("Close ALI-G Studio"), why.join("\n\n"),
                    QMessageBox::Cancel, this);
    QPushButton* save = isExperimentModified()
                            ? box.addButton(tr("Save and Close"), QMessageBox::AcceptRole)
                            : nullptr;
    QPushButton* close = box.addButton(tr("Close"), QMessageBox::DestructiveRole);
    box.setDefaultButton(QMessageBox::Cancel);
    box.exec();
    if (box.clickedButton() == save) return saveCurrentExperiment();
    return box.clickedButton() == close;
}

void MainWindow::showError(const QString& title, const QString& message) {
    m_lastError = message;
    statusBar()->showMessage(title + ": " + message.section('\n', 0, 0), 15000);
    if (m_dialogs) {
        // Non-modal: training goes on and the plots keep updating while it is open.
        auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    }
}

bool MainWindow::openExperiment(const QString& path) {
    try {
        const auto config =
            core::ExperimentConfig::fromJson(core::readJsonFile(path.toStdString()));
        m_panel->setConfig(config);
        markExperimentSaved(path);
        addRecentFile(path);
        statusBar()->showMessage(tr("Opened %1").arg(path), 5000);
        return true;
    } catch (const core::Error& e) {
        const QString what = QString::fromStdString(e.what());
        showError(tr("Cannot open experiment"), what.startsWith(path) ? what : path + ": " + what);
        return false;
    } catch (const std::exception& e) {
        // Whatever else a file could provoke, the window reports it and goes on.
        showError(tr("Cannot open experiment"), path + ": " + QString::fromStdString(e.what()));
        return false;
    }
}

bool MainWindow::saveExperiment(const QString& path) {
    try {
        core::writeFileAtomically(path.toStdString(), m_panel->config().toJson().dump(2) + '\n');
    } catch (const core::Error& e) {
        showError(tr("Cannot save experiment"), QString::fromStdString(e.what()));
        return false;
    }
    markExperimentSaved(path);
    addRecentFile(path);
    statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
    return true;
}

bool MainWindow::exportMetrics(const QString& path) {
    QList<const Run*> runs;
    for (Run* r : m_runsTable->selectedRuns())
        runs << r;
    if (runs.isEmpty())
        for (Run* r : m_registry->runs())
            if (r->isVisible()) runs << r;
    try {
        QString epochs = path;
        epochs.replace(QRegularExpression("\\.csv$"), "");
        exportMetricsCsv(runs, path, epochs + "-epochs.csv");
        statusBar()->showMessage(tr("Exported %n run(s) to %1", "", runs.size()).arg(path), 5000);
        return true;
    } catch (const core::Error& e) {
        showError(tr("Export failed"), QString::fromStdString(e.what()));
        return false;
    }
}

void MainWindow::openBatchDialog(bool sweep) {
    if (!m_panel->isValid()) {
        showError(tr("Cannot start"), m_panel->validationMessage());
        return;
    }
    nlohmann::json base = m_panel->config().toJson();
    base["output"]["dir"] = "";
    BatchDialog dialog(sweep, base, this);
    // A problem the dialog cannot see (a batch still training) is shown in it, fields kept.
    while (dialog.exec() == QDialog::Accepted) {
        const bool dialogs = m_dialogs;
        m_dialogs = false;
        const bool started = startBatch(dialog.request());
        m_dialogs = dialogs;
        if (started) return;
        dialog.showProblem(m_lastError);
    }
}

bool MainWindow::addBatchSeeds(int more) {
    try {
        m_batch->addSeeds(more);
    } catch (const std::exception& e) {
        showError(tr("Cannot add seeds"), QString::fromStdString(e.what()));
        return false;
    }
    return true;
}

bool MainWindow::exportBatch(const QString& base) {
    QString path = base;
    if (path.endsWith(QLatin1String(".csv"))) path.chop(4);
    try {
        const QStringList files = m_batch->exportBatch(path);
        statusBar()->showMessage(tr("Exported %1").arg(files.join(", ")), 10000);
    } catch (const std::exception& e) {
        showError(tr("Cannot export the batch"), QString::fromStdString(e.what()));
        return false;
    }
    return true;
}

bool MainWindow::startBatch(const BatchRequest& request) {
    if (!m_panel->isValid()) {
        showError(tr("Cannot start"), m_panel->validationMessage());
        return false;
    }
    const core::ExperimentConfig base = m_panel->config();
    const QString parent = m_runsDir + "/" +
                           QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss") +
                           (request.sweep ? "-sweep-" : "-compare-") +
                           QString::fromStdString(core::safeFolderName(base.name));
    try {
        nlohmann::json doc = base.toJson();
        doc["output"]["dir"] = "";
        m_batch->start(doc, request, parent);
    } catch (const core::Error& e) {
        showError(request.sweep ? tr("Cannot start the sweep") : tr("Cannot start the comparison"),
                  QString::fromStdString(e.what()));
        return false;
    }
    m_batchDock->show();
    m_batchDock->raise();
    return true;
}

RunWatcher* MainWindow::watchRunFolder(const QString& dir) {
    for (RunWatcher* w : m_watchers)
        if (w->dir() == QFileInfo(dir).absoluteFilePath()) return w;
    try {
        auto* watcher = new RunWatcher(dir, *m_registry, this);
        m_watchers << watcher;
        saveWatchedFolders();
        statusBar()->showMessage(tr("Watching %1").arg(watcher->dir()), 5000);
        return watcher;
    } catch (const core::Error& e) {
        showError(tr("Cannot watch the folder"), QString::fromStdString(e.what()));
        return nullptr;
    }
}

void MainWindow::stopWatching(const QString& dir) {
    for (RunWatcher* w : m_watchers)
        if (w->dir() == QFileInfo(dir).absoluteFilePath()) {
            m_registry->remove(w->run()); // runRemoved drops the watcher
            return;
        }
}

void MainWindow::saveWatchedFolders() {
    if (!m_rememberWatched) return;
    QStringList dirs;
    for (RunWatcher* w : m_watchers)
        dirs << w->dir();
    QSettings().setValue("watch/folders", dirs);
}

void MainWindow::deleteRuns(const QList<Run*>& all) {
    // Watched runs are not ours to delete: they stop being watched, their folders stay.
    QList<Run*> runs;
    for (Run* r : all) {
        if (r->isWatched())
            m_registry->remove(r);
        else
            runs << r;
    }
    if (runs.isEmpty()) return;
    QStringList names;
    for (Run* r : runs)
        names << r->name();
    if (m_dialogs && QMessageBox::question(
                         this, tr("Delete runs"),
                         tr("Delete %n run(s) and their folders from disk?\n\n%1", "", runs.size())
                             .arg(names.join('\n'))) != QMessageBox::Yes)
        return;
    for (Run* r : runs) {
        try {
            deleteRunFromDisk(*r);
            m_registry->remove(r);
        } catch (const core::Error& e) {
            showError(tr("Cannot delete"), QString::fromStdString(e.what()));
        }
    }
}

void MainWindow::addRecentFile(const QString& path) {
    QSettings settings;
    QStringList files = settings.value("recentFiles").toStringList();
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    settings.setValue("recentFiles", files);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    m_recentMenu->clear();
    const QStringList files = QSettings().value("recentFiles").toStringList();
    for (const QString& f : files)
        m_recentMenu->addAction(QFileInfo(f).fileName(), this, [this, f] { openExperiment(f); })
            ->setToolTip(f);
    m_recentMenu->setEnabled(!files.isEmpty());
}

void MainWindow::saveSettings() {
    // The layout to start from next time is the normal one, with the Training tab's docks.
    setPresentation(false);
    showTrainingDocks(true);
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
    settings.setValue("experiment/last", QString::fromStdString(m_panel->config().toJson().dump()));
    settings.setValue("experiment/path", m_experimentPath);
    m_plots->settings().save(settings);
}

void MainWindow::restoreSettings() {
    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    m_restoredLayout = restoreState(settings.value("window/state").toByteArray());
    // A layout saved on a larger screen (or another monitor) is brought inside this one.
    if (const QScreen* screen = this->screen()) keepOnScreen(screen->availableGeometry());
    const QString path = settings.value("experiment/path").toString();
    const QString last = settings.value("experiment/last").toString();
    if (!last.isEmpty()) {
        try {
            m_panel->setConfig(
                core::ExperimentConfig::fromJson(nlohmann::json::parse(last.toStdString())));
        } catch (const std::exception&) {
            // An older or damaged setting: keep the default preset.
        }
    }
    // The file is what it holds now, which the restored experiment may differ from (edits
    // not saved last time, or the file changed since): the title says so, and Save writes
    // only the file it names.
    m_experimentPath.clear();
    m_savedExperiment.clear();
    if (!path.isEmpty()) {
        try {
            m_savedExperiment =
                core::ExperimentConfig::fromJson(core::readJsonFile(path.toStdString()))
                    .toJson()
                    .dump();
            m_experimentPath = path;
        } catch (const std::exception&) {
            // Gone or unreadable: the restored experiment is untitled.
        }
    }
    if (m_experimentPath.isEmpty()) m_savedExperiment = m_panel->config().toJson().dump();
    updateTitle();
    PlotSettings plotSettings = m_plots->settings();
    plotSettings.load(settings);
    m_plots->setSettings(plotSettings);
    // Folders watched last time; one that is gone is dropped from the list.
    const QStringList watched = settings.value("watch/folders").toStringList();
    const bool dialogs = m_dialogs;
    m_dialogs = false;
    for (const QString& dir : watched)
        if (QFileInfo::exists(dir + "/run.json")) watchRunFolder(dir);
    m_dialogs = dialogs;
    saveWatchedFolders();
}

void MainWindow::applyDockSizes() {
    // In proportion to the window (a 1280x720 laptop gets narrower docks than a 1600x1000
    // screen); larger text needs a wider anatomy, and the experiment form gives up some room.
    const bool on = isPresentation();
    const int w = width(), h = height();
    const int panel = std::clamp(w * (on ? 20 : 25) / 100, 240, on ? 320 : 380);
    const int anatomy = std::clamp(w * (on ? 30 : 22) / 100, 240, on ? 480 : 340);
    resizeDocks({m_panelDock, m_anatomyDock}, {panel, anatomy}, Qt::Horizontal);
    resizeDocks({m_runsDock}, {std::clamp(h * 18 / 100, 110, 180)}, Qt::Vertical);
}

void MainWindow::showEvent(QShowEvent* event) {
    QMainWindow::showEvent(event);
    if (m_shownOnce) return;
    m_shownOnce = true;
    // Before the first show the window has no final size nor a frame, and the docks' widths
    // come out proportional instead of as asked: fit again once it has them (a restored
    // layout wins).
    if (!m_restoredLayout)
        QTimer::singleShot(0, this, [this] {
            if (m_fitArea.isValid())
                fitToScreen(m_fitArea);
            else
                applyDockSizes();
        });
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (!confirmClose()) {
        event->ignore();
        return;
    }
    // Runs stop cleanly: each finishes its step, records it and closes its files.
    for (RunController* c : m_controllers)
        c->stopAndWait();
    saveSettings();
    event->accept();
}

} // namespace alig::ui
