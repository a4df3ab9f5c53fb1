// End-to-end training throughput (steps/s, samples/s) of the presets' setting, headless,
// with 1 thread and with every core; prints a table.

#include "core/experiment/experiment_config.h"
#include "core/experiment/run_session.h"
#include "core/train/blas_kernel.h"
#include "core/train/device.h"
#include "core/train/runtime_env.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

using namespace alig::core;

int main(int argc, char** argv) {
    alig::core::prepareRuntimeEnvironment(argv);
    // Default: one epoch of the default preset on a 12,800-sample subset.
    const std::string preset = argc > 1 ? argv[1] : kDefaultPreset;
    const int64_t subset = argc > 2 ? std::atoll(argv[2]) : 12800;
    std::printf("training throughput, preset %s, %lld training samples, 1 epoch, BLAS kernel %s\n\n",
                preset.c_str(), static_cast<long long>(subset),
                blasKernelReport().c_str());
    std::printf("%8s %12s %12s %12s\n", "threads", "steps/s", "samples/s", "seconds");
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    std::vector<int> threadCounts{1};
    if (cores > 1) threadCounts.push_back(cores);
    for (int threads : threadCounts) {
        try {
            ExperimentConfig c = ExperimentConfig::fromJson(loadPreset(preset));
            c.training.epochs = 1;
            c.training.threads = threads;
            c.training.device = "cpu";
            c.dataset.subset = subset;
            c.dataset.testSubset = 1000;
            SessionOptions options;
            options.record = false;
            auto session = RunSession::create(c, options);
            const RunResult r = session->run();
            const double samples = static_cast<double>(session->dataset().trainSize());
            std::printf("%8d %12.1f %12.0f %12.2f\n", threads, r.steps / r.elapsed,
                        samples / r.elapsed, r.elapsed);
        } catch (const Error& e) {
            std::fprintf(stderr, "bench: %s\n", e.what());
            return 2;
        }
    }
    return 0;
}
