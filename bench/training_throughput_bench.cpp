// End-to-end training throughput (steps/s, samples/s) of the presets, headless, with 1 thread
// and with every core; prints a table. A preset whose data is not on this machine is listed
// as skipped, with the reason; except CIFAR-10, which the benchmark replaces with random
// images in CIFAR-10's own file format (speed does not depend on what the pixels show).
// Small sets (spirals) train as many epochs as it takes to see SAMPLES samples. The last
// column is the parallel efficiency: steps/s with every core over steps/s with 1 thread.
// "mlp-512-512" is the default preset with MLP 784-512-512-10, max_lr 0.1 and momentum 0.9
// (the model bench/python/compare.sh times).
//
// Usage: bench_training_throughput [PRESET[:SAMPLES[:BATCH]] ...]
//        (default: the Fashion-MNIST presets, mlp-512-512 and spirals on 12,800 samples,
//        WRN-16-4 on 256)

#include "core/experiment/experiment_config.h"
#include "core/experiment/run_session.h"
#include "core/train/blas_kernel.h"
#include "core/train/device.h"
#include "core/train/runtime_env.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace alig::core;

namespace {

// CIFAR-10 binary files (label byte + 3072 pixel bytes per record) of random images, in a
// temporary folder; returns the folder.
std::string randomCifar10(int64_t trainRecords) {
    const auto dir = std::filesystem::temp_directory_path() / "alig-bench-cifar10";
    std::filesystem::create_directories(dir);
    std::mt19937 rng(1);
    auto write = [&](const std::string& name, int64_t records) {
        std::ofstream out(dir / name, std::ios::binary);
        std::vector<char> record(3073);
        for (int64_t r = 0; r < records; ++r) {
            record[0] = static_cast<char>(rng() % 10);
            for (size_t i = 1; i < record.size(); ++i)
                record[i] = static_cast<char>(rng() & 0xff);
            out.write(record.data(), static_cast<std::streamsize>(record.size()));
        }
    };
    for (int i = 1; i <= 5; ++i)
        write("data_batch_" + std::to_string(i) + ".bin", (trainRecords + 4) / 5);
    write("test_batch.bin", 500);
    return dir.string();
}

} // namespace

int main(int argc, char** argv) {
    alig::core::prepareRuntimeEnvironment(argv);
    std::vector<std::string> cases(argv + 1, argv + argc);
    if (cases.empty())
        cases = {"fashion-mnist-mlp-alig:12800", "fashion-mnist-mlp-sgd:12800", "mlp-512-512:12800",
                 "spirals-mlp-alig:12800", "cifar10-wrn-16-4-alig:256"};
    std::printf("training throughput, 1 epoch on a training subset, headless, BLAS kernel %s\n\n",
                blasKernelReport().c_str());
    std::printf("%-32s %8s %8s %10s %12s %10s %8s\n", "preset", "samples", "threads", "steps/s",
                "samples/s", "seconds", "vs 1");
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    std::vector<int> threadCounts{1};
    if (cores > 1) threadCounts.push_back(cores);
    int failures = 0;
    for (const std::string& c : cases) {
        const auto colon = c.find(':');
        const std::string preset = c.substr(0, colon);
        const auto colon2 = colon == std::string::npos ? colon : c.find(':', colon + 1);
        const int64_t subset = colon == std::string::npos ? 12800 : std::stoll(c.substr(colon + 1));
        const int64_t batch = colon2 == std::string::npos ? 0 : std::stoll(c.substr(colon2 + 1));
        std::string label = preset;
        if (batch > 0) label += ", batch " + std::to_string(batch);
        double oneThread = 0.0;
        for (int threads : threadCounts) {
            try {
                const bool wide = preset == "mlp-512-512";
                ExperimentConfig config = ExperimentConfig::fromJson(
                    loadPreset(wide ? "fashion-mnist-mlp-alig" : preset));
                if (wide) {
                    config.model.hidden = {512, 512};
                    config.optimizer.maxLr = 0.1;
                    config.optimizer.momentum = 0.9;
                }
                config.training.epochs = 1;
                if (batch > 0) config.training.batchSize = batch;
                config.training.threads = threads;
                config.training.device = "cpu";
                config.dataset.subset = subset;
                config.dataset.testSubset = 500;
                SessionOptions options;
                options.record = false;
                std::unique_ptr<RunSession> session;
                try {
                    session = RunSession::create(config, options);
                } catch (const Error&) {
                    if (config.dataset.kind != "cifar10") throw;
                    config.dataset.path = randomCifar10(subset);
                    label += " (random)";
                    session = RunSession::create(config, options);
                }
                const int64_t perEpoch = session->dataset().trainSize();
                if (perEpoch < subset) {
                    config.training.epochs = (subset + perEpoch - 1) / perEpoch;
                    session = RunSession::create(config, options);
                }
                const RunResult r = session->run();
                const double samples = static_cast<double>(perEpoch * config.training.epochs);
                const double rate = r.steps / r.elapsed;
                if (threads == 1) oneThread = rate;
                std::printf("%-32s %8lld %8d %10.2f %12.1f %10.2f %7.2fx\n", label.c_str(),
                            static_cast<long long>(samples), threads, rate, samples / r.elapsed,
                            r.elapsed, oneThread > 0.0 ? rate / oneThread : 0.0);
            } catch (const Error& e) {
                std::string reason = e.what();
                if (reason.size() > 90) reason = reason.substr(0, 87) + "...";
                std::printf("%-32s skipped: %s\n", preset.c_str(), reason.c_str());
                ++failures;
                break;
            }
            std::fflush(stdout);
        }
    }
    return failures == static_cast<int>(cases.size()) ? 2 : 0;
}
