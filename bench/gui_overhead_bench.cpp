// What the window costs: training throughput of the same preset headless and with the
// window open and every plot live, with the training run alone on the plots and with nine
// finished runs of the same preset shown beside it; the event loop's longest stall, the GUI
// thread's CPU share and the refresh pacer's factor meanwhile (ui/run/refresh_pacer.h).
// Run offscreen (QT_QPA_PLATFORM=offscreen) or under Xvfb; prints a table.
//
// Usage: bench_gui_overhead [PRESET] [EPOCHS]

#include "core/experiment/experiment_config.h"
#include "core/experiment/run_session.h"
#include "core/train/blas_kernel.h"
#include "core/train/runtime_env.h"
#include "ui/config/experiment_panel.h"
#include "ui/run/refresh_pacer.h"
#include "ui/run/run.h"
#include "ui/window/main_window.h"

#include <nlohmann/json.hpp>

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace alig;

int main(int argc, char** argv) {
    core::prepareRuntimeEnvironment(argv);
    QApplication app(argc, argv);
    QApplication::setOrganizationName("alig-studio-bench");
    const std::string preset = argc > 1 ? argv[1] : core::kDefaultPreset;
    const int64_t epochs = argc > 2 ? std::atoll(argv[2]) : 3;
    core::ExperimentConfig config = core::ExperimentConfig::fromJson(core::loadPreset(preset));
    config.training.epochs = epochs;
    QTemporaryDir tmp;

    // Nine finished runs of the same length for the window to show beside the training one.
    const QString shownDir = tmp.path() + QStringLiteral("/shown");
    for (int i = 0; i < 9; ++i) {
        core::ExperimentConfig c = config;
        c.training.seed = 100 + i;
        c.output.dir = (shownDir + QStringLiteral("/finished-%1").arg(i)).toStdString();
        core::RunSession::create(c)->run();
    }

    struct Mode {
        const char* name;
        bool window;
        bool withFinished;
        std::vector<double> rates;
        qint64 worstGap = 0;
        double busy = 0.0, scale = 1.0;
    };
    std::vector<Mode> modes{{"headless (RunSession)", false, false, {}},
                            {"window, 1 run shown", true, false, {}},
                            {"window, 10 runs shown", true, true, {}}};
    // Alternate the modes, three rounds, and compare medians: a 2-core machine's throughput
    // drifts by several percent from one run to the next.
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    size_t stepCount = 0;
    for (int round = 0; round < 3; ++round) {
        for (Mode& mode : modes) {
            const QString tag = QStringLiteral("%1-%2").arg(&mode - modes.data()).arg(round);
            if (!mode.window) {
                // Headless, recording to disk like the window does.
                core::ExperimentConfig headlessConfig = config;
                headlessConfig.output.dir = (tmp.path() + "/headless-" + tag).toStdString();
                auto session = core::RunSession::create(headlessConfig);
                const core::RunResult headless = session->run();
                mode.rates.push_back(headless.steps / headless.elapsed);
                continue;
            }
            // The window, all plots live; a 10 ms timer measures how late the event loop runs.
            QString runsDir = tmp.path() + "/runs-" + tag;
            if (mode.withFinished) {
                QDir().mkpath(runsDir);
                for (const QString& name :
                     QDir(shownDir).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
                    QFile::link(shownDir + "/" + name, runsDir + "/" + name);
            }
            ui::MainWindow window(runsDir, false);
            window.setDialogsEnabled(false);
            window.resize(1600, 1000);
            window.show();
            window.experimentPanel()->setConfig(config);
            ui::RefreshPacer& pacer = ui::RefreshPacer::instance();
            pacer.setScale(1.0);
            pacer.measure();
            QElapsedTimer clock;
            qint64 last = 0;
            QTimer ticker;
            ticker.setInterval(10);
            double busySum = 0.0, scaleSum = 0.0;
            int measures = 0;
            // Stalls count from the first steps on show: the window's first paint, before
            // training, is start-up (bench_startup).
            bool training = false;
            QObject::connect(&ticker, &QTimer::timeout, [&] {
                const qint64 now = clock.elapsed();
                if (training) mode.worstGap = std::max(mode.worstGap, now - last);
                last = now;
            });
            QTimer sampler;
            sampler.setInterval(1000);
            QObject::connect(&sampler, &QTimer::timeout, [&] {
                busySum += pacer.busyShare();
                scaleSum += pacer.scale();
                ++measures;
            });
            QEventLoop loop;
            ui::Run* finished = nullptr;
            QObject::connect(&window, &ui::MainWindow::runFinished, [&](ui::Run* run) {
                finished = run;
                loop.quit();
            });
            clock.start();
            ticker.start();
            sampler.start();
            ui::Run* started = window.startRun();
            if (!started) {
                std::fprintf(stderr, "bench: %s\n", qPrintable(window.lastError()));
                return 2;
            }
            QObject::connect(started, &ui::Run::stepsAppended, &ticker, [&] { training = true; });
            loop.exec();
            ticker.stop();
            sampler.stop();
            const auto& steps = finished->steps();
            stepCount = steps.size();
            mode.rates.push_back(steps.size() / steps.back().elapsed);
            if (measures > 0) {
                mode.busy = std::max(mode.busy, busySum / measures);
                mode.scale = std::max(mode.scale, scaleSum / measures);
            }
        }
    }
    const double headlessRate = median(modes[0].rates);

    std::printf("window overhead, preset %s, %lld epochs (%zu steps), median of 3 runs each\n"
                "BLAS kernel %s; GUI CPU: the refreshes' share of one core (the worst round's\n"
                "mean), the refresh pacer's mean factor, the longest event-loop stall once\n"
                "steps are on show\n\n",
                preset.c_str(), static_cast<long long>(epochs), stepCount,
                core::blasKernelReport().c_str());
    std::printf("%-24s %10s %10s %10s %8s %10s\n", "mode", "steps/s", "relative", "GUI CPU",
                "pacer", "stall");
    for (const Mode& mode : modes) {
        const double rate = median(mode.rates);
        if (!mode.window) {
            std::printf("%-24s %10.1f %9.1f%%\n", mode.name, rate, 100.0);
            continue;
        }
        std::printf("%-24s %10.1f %9.1f%% %9.1f%% %7.2fx %8lld ms\n", mode.name, rate,
                    100.0 * rate / headlessRate, 100.0 * mode.busy, mode.scale,
                    static_cast<long long>(mode.worstGap));
    }
    return 0;
}
