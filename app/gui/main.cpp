// alig-studio: the desktop window. Parses the command line and hands over to MainWindow.

#include "core/experiment/experiment_config.h"
#include "core/train/runtime_env.h"
#include "core/util/error.h"
#include "ui/classroom/animation_export.h"
#include "ui/classroom/decision_boundary.h"
#include "ui/classroom/playground_view.h"
#include "ui/classroom/step_anatomy_panel.h"
#include "ui/classroom/surface_view.h"
#include "ui/config/experiment_panel.h"
#include "ui/plots/plots_view.h"
#include "ui/plots/step_size_plot.h"
#include "ui/plots/sweep_plot.h"
#include "ui/run/run.h"
#include "ui/run/run_controller.h"
#include "ui/window/main_window.h"

#include <nlohmann/json.hpp>

#include <QApplication>
#include <QCommandLineParser>
#include <QDeadlineTimer>
#include <QFileInfo>
#include <QScreen>
#include <QTimer>

#include <algorithm>
#include <csignal>
#include <cstdio>

namespace {

// Prints "first-paint" when the window it watches is first painted, then quits.
class FirstPaint : public QObject {
public:
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() == QEvent::Paint && !m_seen) {
            m_seen = true;
            // After this paint has finished: the frame is complete.
            QTimer::singleShot(0, qApp, [] {
                std::printf("first-paint\n");
                std::fflush(stdout);
                QApplication::quit();
            });
        }
        return QObject::eventFilter(watched, event);
    }

private:
    bool m_seen = false;
};

} // namespace

namespace {

// --record: the tab as an animated GIF (and PNG frames) while it takes `stepsText` steps.
int recordAnimation(alig::ui::MainWindow& window, const QString& gif, const QString& framesDir,
                    const QString& fpsText, const QString& tab, const QString& stepsText) {
    bool ok = false;
    const int n = stepsText.toInt(&ok);
    if (!ok || n < 1) {
        std::fprintf(stderr, "alig-studio: --steps needs a positive number\n");
        return 2;
    }
    const int fps = fpsText.toInt(&ok);
    if (!ok) {
        std::fprintf(stderr, "alig-studio: --record-fps needs a number\n");
        return 2;
    }
    window.setDialogsEnabled(false);
    window.resize(1600, 1000);
    window.show();
    alig::ui::AnimationSettings s;
    s.gifPath = gif;
    s.framesDir = framesDir;
    s.framesPerSecond = fps;
    QWidget* target = nullptr;
    std::function<bool()> before;
    // Waits for a condition while the window keeps working (the Playground's grid comes
    // from its training thread); false after five minutes.
    auto waitFor = [](const std::function<bool()>& done) {
        QDeadlineTimer deadline(300000);
        while (!done() && !deadline.hasExpired())
            QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        return done();
    };
    alig::ui::Run* run = nullptr;
    int frame = 0;
    if (tab == "surface") {
        alig::ui::SurfaceView* view = window.surfaceView();
        view->setStepCount(n);
        view->resetPaths();
        target = view;
        s.frames = n + 1; // the start, then one frame a step
        before = [view, &frame] {
            if (frame++ > 0) view->stepAll();
            return true;
        };
    } else if (tab == "playground") {
        alig::ui::PlaygroundView* view = window.playground();
        const int perFrame = std::max(1, (n + 99) / 100);
        target = view;
        s.frames = (n + perFrame - 1) / perFrame;
        before = [view, perFrame, n, &frame, waitFor] {
            const int64_t want = std::min<int64_t>(n, static_cast<int64_t>(++frame) * perFrame);
            for (int64_t k = view->stepCount(); k < want; ++k)
                view->stepOnce();
            return waitFor([&] { return view->boundaryPlot()->snapshotStep() >= want; });
        };
    } else if (tab == "training") {
        run = window.startRun(false, n);
        if (!run) {
            std::fprintf(stderr, "alig-studio: %s\n", qPrintable(window.lastError()));
            return 2;
        }
        target = window.plotsView();
        s.frames = 5000;
        bool last = false;
        before = [run, last]() mutable {
            if (last) return false; // one frame after the run ended, then done
            last = !run->isLive();
            return true;
        };
    } else {
        std::fprintf(stderr,
                     "alig-studio: --record: unknown tab \"%s\" (training, playground, "
                     "surface)\n",
                     qPrintable(tab));
        return 2;
    }
    alig::ui::AnimationRecorder recorder(target, s);
    recorder.beforeFrame = before;
    int exitCode = 0;
    QObject::connect(&recorder, &alig::ui::AnimationRecorder::finished, &window,
                     [&](bool done, const QString& message) {
                         std::fprintf(done ? stdout : stderr, "alig-studio: %s\n",
                                      qPrintable(message));
                         if (!done) exitCode = 1;
                         window.close();
                     });
    // Start once the window is laid out.
    QTimer::singleShot(300, &window, [&] {
        if (!recorder.start()) {
            std::fprintf(stderr, "alig-studio: %s\n", qPrintable(recorder.error()));
            exitCode = 2;
            window.close();
        }
    });
    const int rc = QApplication::exec();
    return exitCode != 0 ? exitCode : rc;
}

} // namespace

int main(int argc, char** argv) {
    alig::core::prepareRuntimeEnvironment(argv);
    // A run folder that reaches a size limit (ulimit -f) fails that run with a message
    // instead of killing the window and every other run.
    std::signal(SIGXFSZ, SIG_IGN);
    QApplication app(argc, argv);
    QApplication::setOrganizationName("alig-studio");
    QApplication::setApplicationName("alig-studio");
    QApplication::setApplicationDisplayName("ALI-G Studio");
    QApplication::setApplicationVersion(ALIG_VERSION);
    QGuiApplication::setDesktopFileName("io.github.alig_studio.AligStudio");

    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Watch neural networks train with ALI-G: configure an experiment, press Start, and see "
        "the loss, the accuracy and ALI-G's adaptive step sizes live.");
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption screenshot("screenshot",
                                  "Train, save a screenshot of the window to FILE, "
                                  "and exit. The window is 1600x1000, or the screen's size "
                                  "where that is smaller.",
                                  "FILE");
    QCommandLineOption preset("preset", "Start from the preset NAME.", "NAME");
    QCommandLineOption steps("steps", "With --screenshot: train N steps first (default 400).", "N",
                             "400");
    QCommandLineOption runsDir("runs-dir", "Keep runs in DIR instead of the user data folder.",
                               "DIR");
    QCommandLineOption fresh("fresh", "Ignore the saved window layout and last experiment.");
    QCommandLineOption openBatch("open-batch",
                                 "Open the compare or sweep folder DIR, its runs on show. With "
                                 "--screenshot: trains nothing, saves the picture of it.",
                                 "DIR");
    QCommandLineOption seedBands("seed-bands",
                                 "Draw runs that differ only by seed as a mean line with a "
                                 "± std band (the plots' Seeds control).");
    QCommandLineOption plotSweep("plot-sweep",
                                 "Draw the sweep plot of CSV (a sweep.csv of "
                                 "alig-train sweep) and exit.",
                                 "CSV");
    QCommandLineOption plotOut("plot-out",
                               "With --plot-sweep: write BASE.png and BASE.pdf "
                               "(default: beside the CSV).",
                               "BASE");
    QCommandLineOption startupProbe("startup-probe",
                                    "Show the window, print \"first-paint\" once it is drawn, "
                                    "and exit (for bench_startup).");
    QCommandLineOption tab("tab",
                           "Open the tab NAME: training, playground or surface. With "
                           "--screenshot: playground trains its set N steps, surface runs "
                           "every path N steps.",
                           "NAME", "training");
    QCommandLineOption surface("surface",
                               "With --tab surface: the problem NAME (quadratic, "
                               "rosenbrock, beale, himmelblau, rastrigin, "
                               "interpolating, non-interpolating).",
                               "NAME");
    QCommandLineOption presentation("presentation", "Start in presentation mode.");
    QCommandLineOption experiment("experiment",
                                  "Open the experiment FILE (JSON, as alig-train "
                                  "reads).",
                                  "FILE");
    QCommandLineOption quantities("plot-quantities",
                                  "Draw these method quantities on the effective learning "
                                  "rate plot: a comma-separated list (d,d_hat,lower_bound,...).",
                                  "LIST");
    QCommandLineOption watch("watch",
                             "Watch the run folder DIR that another program writes (repeatable). "
                             "With --screenshot: a picture of the watched runs, no training.",
                             "DIR");
    QCommandLineOption record("record",
                              "Record the tab (--tab) as an animated GIF FILE while it takes "
                              "--steps N steps, and exit: surface, one frame a step; playground, "
                              "up to 100 frames; training, frames until the run ends.",
                              "FILE");
    QCommandLineOption recordFrames(
        "record-frames", "With --record: also write numbered PNG frames into DIR.", "DIR");
    QCommandLineOption recordFps("record-fps", "With --record: frames per second (default 10).",
                                 "N", "10");
    parser.addOptions({screenshot, preset, steps, runsDir, fresh, openBatch, plotSweep, plotOut,
                       tab, surface, presentation, startupProbe, experiment, quantities, watch,
                       seedBands, record, recordFrames, recordFps});
    parser.process(app);

    if (parser.isSet(plotSweep)) {
        const QString csv = parser.value(plotSweep);
        QString base = parser.value(plotOut);
        if (base.isEmpty())
            base = QFileInfo(csv).absolutePath() + "/" + QFileInfo(csv).completeBaseName();
        QString error;
        if (!alig::ui::renderSweepPlot(csv, base, &error)) {
            std::fprintf(stderr, "alig-studio: %s\n", qPrintable(error));
            return 1;
        }
        return 0;
    }

    const bool screenshotMode = parser.isSet(screenshot) || parser.isSet(record);
    alig::ui::MainWindow window(parser.value(runsDir), !parser.isSet(fresh) && !screenshotMode);
    if (parser.isSet(preset)) {
        try {
            window.experimentPanel()->setConfig(alig::core::ExperimentConfig::fromJson(
                alig::core::loadPreset(parser.value(preset).toStdString())));
        } catch (const alig::core::Error& e) {
            std::fprintf(stderr, "alig-studio: %s\n", e.what());
            return 2;
        }
    }
    if (parser.isSet(experiment) && !window.openExperiment(parser.value(experiment))) {
        std::fprintf(stderr, "alig-studio: %s\n", qPrintable(window.lastError()));
        return 2;
    }
    if (parser.isSet(quantities)) {
        alig::ui::PlotSettings s = window.plotsView()->settings();
        s.shownQuantities = parser.value(quantities).split(',', Qt::SkipEmptyParts);
        const QStringList known = window.plotsView()->stepSizePlot()->quantities();
        for (const QString& q : std::as_const(s.shownQuantities))
            if (!known.contains(q)) {
                std::fprintf(stderr, "alig-studio: unknown quantity \"%s\" (known: %s)\n",
                             qPrintable(q), qPrintable(known.join(", ")));
                return 2;
            }
        window.plotsView()->setSettings(s);
    }
    if (!window.showTab(parser.value(tab))) {
        std::fprintf(stderr, "alig-studio: unknown tab \"%s\" (training, playground, surface)\n",
                     qPrintable(parser.value(tab)));
        return 2;
    }
    if (parser.isSet(surface)) {
        try {
            window.surfaceView()->setSurface(parser.value(surface));
        } catch (const alig::core::Error& e) {
            std::fprintf(stderr, "alig-studio: %s\n", e.what());
            return 2;
        }
    }
    if (parser.isSet(presentation)) window.setPresentation(true);
    if (parser.isSet(seedBands)) {
        alig::ui::PlotSettings s = window.plotsView()->settings();
        s.seedGroups = alig::ui::PlotSettings::SeedGroups::StdDev;
        window.plotsView()->setSettings(s);
    }
    window.setDialogsEnabled(false); // a batch or folder that cannot be opened is said here
    if (parser.isSet(openBatch)) {
        if (!window.openBatch(parser.value(openBatch))) {
            std::fprintf(stderr, "alig-studio: %s\n", qPrintable(window.lastError()));
            return 2;
        }
    }
    for (const QString& dir : parser.values(watch))
        if (!window.watchRunFolder(dir)) {
            std::fprintf(stderr, "alig-studio: %s\n", qPrintable(window.lastError()));
            return 2;
        }
    window.setDialogsEnabled(true);
    if (parser.isSet(startupProbe)) {
        // The first paint of the top-level window ends the start-up that a user waits for.
        FirstPaint probe;
        window.installEventFilter(&probe);
        window.show();
        return QApplication::exec();
    }
    if (!screenshotMode) {
        window.show();
        return QApplication::exec();
    }

    if (parser.isSet(record))
        return recordAnimation(window, parser.value(record), parser.value(recordFrames),
                               parser.value(recordFps), parser.value(tab), parser.value(steps));

    // --screenshot: a fixed-size window, N steps of training, then a picture of it all.
    bool ok = false;
    const qint64 n = parser.value(steps).toLongLong(&ok);
    if (!ok || n < 1) {
        std::fprintf(stderr, "alig-studio: --steps needs a positive number\n");
        return 2;
    }
    window.setDialogsEnabled(false);
    // 1600x1000, or the screen where it is smaller (a 1280x720 laptop).
    const QSize screen =
        window.screen() ? window.screen()->availableGeometry().size() : QSize(1600, 1000);
    window.resize(std::min(1600, screen.width()), std::min(1000, screen.height()));
    window.show();
    const QString file = parser.value(screenshot);
    int exitCode = 0;
    auto grabAndClose = [&] {
        // The paced refreshes may still be waiting: the picture shows the last step.
        window.plotsView()->flush();
        window.stepAnatomy()->flush();
        if (!window.grab().save(file)) {
            std::fprintf(stderr, "alig-studio: cannot write %s\n", qPrintable(file));
            exitCode = 1;
        }
        window.close();
    };
    if (parser.isSet(openBatch) || parser.isSet(watch)) {
        // The batch's curves or the watched runs, nothing trained: the watchers read the
        // folders at once; give the plots' replot a moment.
        QTimer::singleShot(1500, &window, grabAndClose);
        const int rc = QApplication::exec();
        return exitCode != 0 ? exitCode : rc;
    }
    if (parser.value(tab) == "surface") {
        window.surfaceView()->setStepCount(static_cast<int>(n));
        window.surfaceView()->runToEnd();
        QTimer::singleShot(800, &window, grabAndClose);
        const int rc = QApplication::exec();
        return exitCode != 0 ? exitCode : rc;
    }
    if (parser.value(tab) == "playground") {
        alig::ui::PlaygroundView* playground = window.playground();
        playground->start();
        if (playground->controller()) playground->controller()->stopAfterStep(n);
        auto* poll = new QTimer(&window);
        QObject::connect(poll, &QTimer::timeout, &window, [&, poll] {
            alig::ui::Run* run = playground->run();
            if (!run || run->isLive()) return;
            poll->stop();
            QTimer::singleShot(600, &window, grabAndClose); // the last grid and replot first
        });
        poll->start(100);
        const int rc = QApplication::exec();
        return exitCode != 0 ? exitCode : rc;
    }
    QObject::connect(&window, &alig::ui::MainWindow::runFinished, &window, [&](alig::ui::Run* run) {
        if (run->status() == alig::core::RunStatus::Failed ||
            run->status() == alig::core::RunStatus::Diverged) {
            std::fprintf(stderr, "alig-studio: %s\n", qPrintable(run->message()));
            exitCode = 1;
        }
        // The last drain's points reach the plots from the event loop: a moment, then flush.
        QTimer::singleShot(400, &window, grabAndClose);
    });
    if (!window.startRun(false, n)) {
        std::fprintf(stderr, "alig-studio: %s\n", qPrintable(window.lastError()));
        return 2;
    }
    const int rc = QApplication::exec();
    return exitCode != 0 ? exitCode : rc;
}
