// alig-studio: the desktop window. Parses the command line and hands over to MainWindow.

#include "core/experiment/experiment_config.h"
#include "core/train/runtime_env.h"
#include "core/util/error.h"
#include "ui/config/experiment_panel.h"
#include "ui/plots/sweep_plot.h"
#include "ui/run/run.h"
#include "ui/window/main_window.h"

#include <nlohmann/json.hpp>

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QTimer>

#include <csignal>
#include <cstdio>

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
                                  "and exit.",
                                  "FILE");
    QCommandLineOption preset("preset", "Start from the preset NAME.", "NAME");
    QCommandLineOption steps("steps", "With --screenshot: train N steps first (default 400).", "N",
                             "400");
    QCommandLineOption runsDir("runs-dir", "Keep runs in DIR instead of the user data folder.",
                               "DIR");
    QCommandLineOption fresh("fresh", "Ignore the saved window layout and last experiment.");
    QCommandLineOption plotSweep("plot-sweep",
                                 "Draw the sweep plot of CSV (a sweep.csv of "
                                 "alig-train sweep) and exit.",
                                 "CSV");
    QCommandLineOption plotOut("plot-out",
                               "With --plot-sweep: write BASE.png and BASE.pdf "
                               "(default: beside the CSV).",
                               "BASE");
    parser.addOptions({screenshot, preset, steps, runsDir, fresh, plotSweep, plotOut});
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

    const bool screenshotMode = parser.isSet(screenshot);
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
    if (!screenshotMode) {
        window.show();
        return QApplication::exec();
    }

    // --screenshot: a fixed-size window, N steps of training, then a picture of it all.
    bool ok = false;
    const qint64 n = parser.value(steps).toLongLong(&ok);
    if (!ok || n < 1) {
        std::fprintf(stderr, "alig-studio: --steps needs a positive number\n");
        return 2;
    }
    window.setDialogsEnabled(false);
    window.resize(1600, 1000);
    window.show();
    const QString file = parser.value(screenshot);
    int exitCode = 0;
    QObject::connect(&window, &alig::ui::MainWindow::runFinished, &window, [&](alig::ui::Run* run) {
        if (run->status() == alig::core::RunStatus::Failed ||
            run->status() == alig::core::RunStatus::Diverged) {
            std::fprintf(stderr, "alig-studio: %s\n", qPrintable(run->message()));
            exitCode = 1;
        }
        // Let the plots' coalesced replot draw the last points first.
        QTimer::singleShot(400, &window, [&] {
            if (!window.grab().save(file)) {
                std::fprintf(stderr, "alig-studio: cannot write %s\n", qPrintable(file));
                exitCode = 1;
            }
            window.close();
        });
    });
    if (!window.startRun(false, n)) {
        std::fprintf(stderr, "alig-studio: %s\n", qPrintable(window.lastError()));
        return 2;
    }
    const int rc = QApplication::exec();
    return exitCode != 0 ? exitCode : rc;
}
