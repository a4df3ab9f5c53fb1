// Time of one optimizer step alone (gradients filled with fixed values) for ALI-G and the
// baselines on the parameter sets of real models, with Google Benchmark; after its own
// output, prints a table with the ratio to SGD with momentum. The target: an ALI-G step with
// momentum costs at most 1.0 times an SGD-with-momentum step, as a run measures it when no one
// looks at the step anatomy; the "step anatomy shown" row adds ||v||^2's measurement.
//
// Usage: bench_optimizer_step [--threads N] [Google Benchmark flags, e.g.
//        --benchmark_filter=WRN --benchmark_repetitions=9]

#include "core/models/model.h"
#include "core/optim/alig.h"
#include "core/optim/optimizer_factory.h"
#include "core/train/blas_kernel.h"
#include "core/train/device.h"
#include "core/train/runtime_env.h"

#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

using namespace alig::core;

namespace {

struct ModelCase {
    std::string name;
    ModelConfig model;
    std::vector<int64_t> input;
};

struct MethodCase {
    std::string name;
    OptimizerConfig config;
    bool fused = true;         // ALI-G only: false forces the LibTorch-ops path
    bool momentumTerm = false; // ALI-G only: measure ||v_new||^2 for the step anatomy
};

std::vector<ModelCase> modelCases() {
    ModelConfig mlp, cnn, wrn;
    cnn.type = "cnn";
    wrn.type = "wrn";
    wrn.depth = 16;
    wrn.widen = 4;
    return {{"MLP 784-256-256-10", mlp, {1, 28, 28}},
            {"CNN (28x28)", cnn, {1, 28, 28}},
            {"WRN-16-4", wrn, {3, 32, 32}}};
}

std::vector<MethodCase> methodCases() {
    OptimizerConfig alig, sgdm, sgd, adam;
    alig.momentum = 0.9;
    sgdm.name = "sgd";
    sgdm.momentum = 0.9;
    sgd.name = "sgd";
    sgd.momentum = 0.0;
    adam.name = "adam";
    adam.lr = 1e-3;
    return {{"ALI-G, momentum 0.9", alig},
            {"ALI-G, step anatomy shown", alig, true, true},
            {"ALI-G, LibTorch ops", alig, false},
            {"SGD, momentum 0.9", sgdm},
            {"SGD", sgd},
            {"Adam", adam}};
}

// The parameters of one model with every gradient set to 1e-3, built once per model.
std::vector<torch::Tensor>& parametersOf(const ModelCase& c) {
    static std::map<std::string, std::vector<torch::Tensor>> cache;
    auto it = cache.find(c.name);
    if (it == cache.end()) {
        torch::manual_seed(0);
        auto model = makeModel(c.model, c.input, 10);
        std::vector<torch::Tensor> params;
        for (auto& p : model->parameters()) {
            torch::Tensor q = p.detach().clone().requires_grad_(true);
            q.mutable_grad() = torch::full_like(q, 1e-3);
            params.push_back(q);
        }
        it = cache.emplace(c.name, std::move(params)).first;
    }
    return it->second;
}

void stepBenchmark(benchmark::State& state, ModelCase model, MethodCase method) {
    auto& params = parametersOf(model);
    auto optimizer = makeOptimizer(method.config, params);
    if (auto* alig = dynamic_cast<AliG*>(optimizer.get())) {
        static_cast<AliGOptions&>(alig->defaults()).fused(method.fused);
        alig->setMomentumTermWanted(method.momentumTerm);
    }
    const torch::Tensor loss = torch::tensor(0.7f);
    auto closure = [&] { return loss; };
    for (int i = 0; i < 3; ++i)
        optimizer->step(closure);
    for (auto _ : state)
        optimizer->step(closure);
    int64_t count = 0;
    for (const auto& p : params)
        count += p.numel();
    state.counters["params"] = static_cast<double>(count);
    state.SetItemsProcessed(state.iterations() * count);
}

// Collects the median of each benchmark's repetitions while the console reporter prints.
class RatioReporter : public benchmark::ConsoleReporter {
public:
    using ConsoleReporter::ConsoleReporter;
    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const auto& run : runs) {
            if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "median") continue;
            const double micros = run.GetAdjustedRealTime() *
                                  benchmark::GetTimeUnitMultiplier(benchmark::kMicrosecond) /
                                  benchmark::GetTimeUnitMultiplier(run.time_unit);
            const std::string name = run.run_name.function_name;
            // Without repetitions there is no aggregate: the single run is the figure.
            if (run.run_type == Run::RT_Aggregate || !medians.count(name)) medians[name] = micros;
        }
    }
    std::map<std::string, double> medians;
};

int threadsArgument(int& argc, char** argv) {
    int threads = 0;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            threads = std::atoi(argv[i + 1]);
            for (int j = i; j + 2 <= argc; ++j)
                argv[j] = argv[j + 2];
            argc -= 2;
            break;
        }
    }
    return threads;
}

} // namespace

int main(int argc, char** argv) {
    prepareRuntimeEnvironment(argv);
    const int used = configureThreads(threadsArgument(argc, argv));
    const auto models = modelCases();
    const auto methods = methodCases();
    for (const auto& m : models)
        for (const auto& o : methods)
            benchmark::RegisterBenchmark((m.name + " / " + o.name).c_str(), stepBenchmark, m, o)
                ->Unit(benchmark::kMicrosecond)
                ->UseRealTime()
                ->Repetitions(5)
                ->ReportAggregatesOnly(true)
                ->MinTime(0.2);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

    std::printf("optimizer step alone: %d threads, BLAS kernel %s\n", used,
                blasKernelReport().c_str());
    // Colours only on a terminal, so that a saved table stays plain text.
    RatioReporter reporter(isatty(fileno(stdout)) ? benchmark::ConsoleReporter::OO_ColorTabular
                                                  : benchmark::ConsoleReporter::OO_Tabular);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();

    std::printf("\nmedian time per step, %d threads\n", used);
    std::printf("%-20s %10s  %-22s %12s %10s\n", "model", "params", "optimizer", "us/step",
                "vs SGD+m");
    for (const auto& m : models) {
        const auto base = reporter.medians.find(m.name + " / SGD, momentum 0.9");
        bool first = true;
        for (const auto& o : methods) {
            const auto it = reporter.medians.find(m.name + " / " + o.name);
            if (it == reporter.medians.end()) continue;
            int64_t count = 0;
            for (const auto& p : parametersOf(m))
                count += p.numel();
            char ratio[32] = "-";
            if (base != reporter.medians.end())
                std::snprintf(ratio, sizeof ratio, "%.2fx", it->second / base->second);
            std::printf("%-20s %10lld  %-22s %12.1f %10s\n", first ? m.name.c_str() : "",
                        static_cast<long long>(count), o.name.c_str(), it->second, ratio);
            first = false;
        }
    }
    return 0;
}
