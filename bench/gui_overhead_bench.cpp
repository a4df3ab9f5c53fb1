// What the window costs: training throughput of the same preset headless and with the
// window open and every plot live, and the event loop's longest stall meanwhile.
// Run offscreen (QT_QPA_PLATFORM=offscreen) or under Xvfb; prints a table.

#include "core/experiment/experiment_config.h"
#include "core/experiment/run_session.h"
#include "core/train/blas_kernel.h"
#include "core/train/runtime_env.h"
#include "ui/config/experiment_panel.h"
#include "ui/run/run.h"
#include "ui/window/main_window.h"

#include <nlohmann/json.hpp>

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
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

    // Alternate headless and window runs, three of each, and compare medians: a 2-core
    // machine's throughput drifts by several percent from one run to the next.
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    std::vector<double> headlessRates, windowRates;
    qint64 worstGap = 0;
    size_t stepCount = 0;
    for (int round = 0; round < 3; ++round) {
        // Headless, recording to disk like the window does.
        core::ExperimentConfig headlessConfig = config;
        headlessConfig.output.dir =
            (tmp.path() + QStringLiteral("/headless-%1").arg(round)).toStdString();
        auto session = core::RunSession::create(headlessConfig);
        const core::RunResult headless = session->run();
        headlessRates.push_back(headless.steps / headless.elapsed);
        session.reset();

        // The window, all plots live; a 10 ms timer measures how late the event loop runs.
        ui::MainWindow window(tmp.path() + QStringLiteral("/runs-%1").arg(round), false);
        window.setDialogsEnabled(false);
        window.resize(1600, 1000);
        window.show();
        window.experimentPanel()->setConfig(config);
        QElapsedTimer clock;
        qint64 last = 0;
        QTimer ticker;
        ticker.setInterval(10);
        QObject::connect(&ticker, &QTimer::timeout, [&] {
            const qint64 now = clock.elapsed();
            worstGap = std::max(worstGap, now - last);
            last = now;
        });
        QEventLoop loop;
        ui::Run* finished = nullptr;
        QObject::connect(&window, &ui::MainWindow::runFinished, [&](ui::Run* run) {
            finished = run;
            loop.quit();
        });
        clock.start();
        ticker.start();
        if (!window.startRun()) {
            std::fprintf(stderr, "bench: %s\n", qPrintable(window.lastError()));
            return 2;
        }
        loop.exec();
        ticker.stop();
        const auto& steps = finished->steps();
        stepCount = steps.size();
        windowRates.push_back(steps.size() / steps.back().elapsed);
    }
    const double headlessRate = median(headlessRates);
    const double windowRate = median(windowRates);

    std::printf("window overhead, preset %s, %lld epochs (%zu steps), median of 3 runs each\n"
                "BLAS kernel %s\n\n",
                preset.c_str(), static_cast<long long>(epochs), stepCount,
                core::blasKernelReport().c_str());
    std::printf("%-28s %12s %10s\n", "mode", "steps/s", "relative");
    std::printf("%-28s %12.1f %9.1f%%\n", "headless (RunSession)", headlessRate, 100.0);
    std::printf("%-28s %12.1f %9.1f%%\n", "window, all plots live", windowRate,
                100.0 * windowRate / headlessRate);
    std::printf("\nlongest event-loop stall while training: %lld ms (10 ms timer)\n",
                static_cast<long long>(worstGap));
    return 0;
}
