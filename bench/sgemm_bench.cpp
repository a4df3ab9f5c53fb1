// The limit training runs against: this CPU's sgemm throughput at the shapes of the MLPs'
// GEMMs (batch 128), with 1 thread and with every core, through LibTorch's own matrix
// multiply (OpenBLAS). Then, per model, the GEMM floating-point operations of one training
// step and the step rate those GEMMs alone would allow: no training step can be faster. The
// "split" rows time one core's share when the batch is split across the cores, each part's
// GEMMs single-threaded (what the trainer does with several threads): the 2-core limit.
// Prints two tables; bench_training_throughput gives the steps/s reached, to set beside them.
//
// Usage: bench_sgemm [batch (default 128)]

#include "core/train/blas_kernel.h"
#include "core/train/device.h"
#include "core/train/runtime_env.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

using namespace alig::core;

namespace {

// One GEMM of a Linear layer's step: C[m x n] = A[m x k] B[k x n], with the operands laid out
// as the layer's forward or backward pass has them (LibTorch's Linear keeps W as [out, in]).
struct Gemm {
    const char* pass;
    int64_t m, k, n;
    bool transposeA, transposeB;
};

// The three GEMMs of a Linear layer in a training step: forward x W^T, the gradient of W
// (dy^T x) and, except for the first layer (its input needs none), the input's (dy W).
std::vector<Gemm> layerGemms(int64_t batch, int64_t in, int64_t out, bool first) {
    std::vector<Gemm> g{{"forward", batch, in, out, false, true},
                        {"grad weight", out, batch, in, true, false}};
    if (!first) g.push_back({"grad input", batch, out, in, false, false});
    return g;
}

double flops(const Gemm& g) {
    return 2.0 * static_cast<double>(g.m) * static_cast<double>(g.k) * static_cast<double>(g.n);
}

// Median seconds of one GEMM over 7 timings of enough calls to take about 50 ms each.
double secondsPerGemm(const Gemm& g) {
    torch::Tensor a = g.transposeA ? torch::randn({g.k, g.m}).t() : torch::randn({g.m, g.k});
    torch::Tensor b = g.transposeB ? torch::randn({g.n, g.k}).t() : torch::randn({g.k, g.n});
    torch::Tensor c = torch::empty({g.m, g.n});
    using Clock = std::chrono::steady_clock;
    auto time = [&](int calls) {
        const auto start = Clock::now();
        for (int i = 0; i < calls; ++i)
            torch::mm_out(c, a, b);
        return std::chrono::duration<double>(Clock::now() - start).count();
    };
    time(3);
    int calls = 1;
    while (time(calls) < 0.05 && calls < (1 << 20))
        calls *= 2;
    std::vector<double> runs;
    for (int r = 0; r < 7; ++r)
        runs.push_back(time(calls) / calls);
    std::sort(runs.begin(), runs.end());
    return runs[runs.size() / 2];
}

struct ModelShape {
    std::string name;
    std::vector<int64_t> widths; // input, hidden..., classes
};

} // namespace

int main(int argc, char** argv) {
    prepareRuntimeEnvironment(argv);
    const int64_t batch = argc > 1 ? std::max(1, std::atoi(argv[1])) : 128;
    const std::vector<ModelShape> models{{"MLP 784-256-256-10", {784, 256, 256, 10}},
                                         {"MLP 784-512-512-10", {784, 512, 512, 10}}};
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    std::vector<int> threadCounts{1};
    if (cores > 1) threadCounts.push_back(cores);

    std::printf("sgemm (float32, torch::mm through OpenBLAS), batch %lld, BLAS kernel %s\n\n",
                static_cast<long long>(batch), blasKernelReport().c_str());
    std::printf("%-20s %-12s %16s %8s %10s %10s\n", "model", "pass", "m x k x n", "threads", "us",
                "GFLOP/s");
    // Per model and thread count: the GEMMs' time in one step.
    std::vector<std::vector<double>> stepSeconds(models.size(),
                                                 std::vector<double>(threadCounts.size()));
    std::vector<double> stepFlops(models.size(), 0.0), splitSeconds(models.size(), 0.0);
    for (size_t mi = 0; mi < models.size(); ++mi) {
        const auto& w = models[mi].widths;
        std::vector<Gemm> gemms;
        for (size_t l = 0; l + 1 < w.size(); ++l)
            for (const Gemm& g : layerGemms(batch, w[l], w[l + 1], l == 0))
                gemms.push_back(g);
        for (const Gemm& g : gemms)
            stepFlops[mi] += flops(g);
        for (size_t ti = 0; ti < threadCounts.size(); ++ti) {
            configureThreads(threadCounts[ti]);
            for (const Gemm& g : gemms) {
                const double s = secondsPerGemm(g);
                stepSeconds[mi][ti] += s;
                const std::string shape =
                    std::to_string(g.m) + "x" + std::to_string(g.k) + "x" + std::to_string(g.n);
                std::printf("%-20s %-12s %16s %8d %10.1f %10.1f\n", models[mi].name.c_str(), g.pass,
                            shape.c_str(), threadCounts[ti], 1e6 * s, flops(g) / s / 1e9);
            }
        }
        if (cores < 2) continue;
        // One core's part of a split batch, single-threaded (the others run theirs alongside).
        configureThreads(1);
        const int64_t part = (batch + cores - 1) / cores;
        for (size_t l = 0; l + 1 < w.size(); ++l)
            for (const Gemm& g : layerGemms(part, w[l], w[l + 1], l == 0))
                splitSeconds[mi] += secondsPerGemm(g);
    }

    std::printf("\nper training step (batch %lld): GEMM work, and the step rate the GEMMs alone "
                "allow\n\n",
                static_cast<long long>(batch));
    std::printf("%-20s %12s %8s %12s %14s\n", "model", "GEMM MFLOP", "threads", "GEMM us",
                "limit steps/s");
    for (size_t mi = 0; mi < models.size(); ++mi) {
        for (size_t ti = 0; ti < threadCounts.size(); ++ti)
            std::printf("%-20s %12.1f %8d %12.1f %14.0f\n", models[mi].name.c_str(),
                        stepFlops[mi] / 1e6, threadCounts[ti], 1e6 * stepSeconds[mi][ti],
                        1.0 / stepSeconds[mi][ti]);
        if (splitSeconds[mi] > 0.0)
            std::printf("%-20s %12.1f %8s %12.1f %14.0f\n", models[mi].name.c_str(),
                        stepFlops[mi] / 1e6, (std::to_string(cores) + " split").c_str(),
                        1e6 * splitSeconds[mi], 1.0 / splitSeconds[mi]);
    }
    return 0;
}
