// Time of one optimizer step alone (gradients filled with fixed values) for ALI-G and the
// baselines on the parameter sets of real models; prints a table with the ratio to SGD
// with momentum. ALI-G should cost about what SGD with momentum costs.

#include "core/models/model.h"
#include "core/optim/optimizer_factory.h"
#include "core/train/device.h"
#include "core/train/runtime_env.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace alig::core;

namespace {

double medianStepMicros(torch::optim::Optimizer& opt, int repeats) {
    auto closure = [] { return torch::tensor(0.7); };
    for (int i = 0; i < 5; ++i)
        opt.step(closure);
    std::vector<double> times;
    for (int i = 0; i < repeats; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        opt.step(closure);
        times.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                .count());
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    alig::core::prepareRuntimeEnvironment(argv);
    const int threads = argc > 1 ? std::atoi(argv[1]) : 0;
    const int used = configureThreads(threads);
    struct Case {
        const char* name;
        ModelConfig model;
        std::vector<int64_t> input;
        int repeats;
    };
    ModelConfig mlp, cnn, wrn;
    cnn.type = "cnn";
    wrn.type = "wrn";
    wrn.depth = 16;
    wrn.widen = 4;
    const std::vector<Case> cases{{"MLP 784-256-256-10", mlp, {1, 28, 28}, 400},
                                  {"CNN (28x28)", cnn, {1, 28, 28}, 200},
                                  {"WRN-16-4", wrn, {3, 32, 32}, 30}};
    struct Method {
        const char* name;
        OptimizerConfig config;
    };
    OptimizerConfig alig, sgdm, sgd, adam;
    alig.momentum = 0.9;
    sgdm.name = "sgd";
    sgdm.momentum = 0.9;
    sgd.name = "sgd";
    sgd.momentum = 0.0;
    adam.name = "adam";
    adam.lr = 1e-3;
    const std::vector<Method> methods{
        {"ALI-G (momentum 0.9)", alig}, {"SGD + momentum 0.9", sgdm}, {"SGD", sgd}, {"Adam", adam}};

    std::printf("optimizer step alone, median of N steps, %d threads, BLAS %s\n\n", used,
                blasCoreName().empty() ? "reference" : blasCoreName().c_str());
    std::printf("%-20s %10s  %-22s %12s %10s\n", "model", "params", "optimizer", "us/step",
                "vs SGD+m");
    for (const auto& c : cases) {
        torch::manual_seed(0);
        auto model = makeModel(c.model, c.input, 10);
        auto params = model->parameters();
        for (auto& p : params)
            p.mutable_grad() = torch::full_like(p, 1e-3);
        std::vector<double> micros;
        for (const auto& m : methods) {
            auto opt = makeOptimizer(m.config, params);
            micros.push_back(medianStepMicros(*opt, c.repeats));
        }
        for (size_t i = 0; i < methods.size(); ++i)
            std::printf("%-20s %10lld  %-22s %12.1f %9.2fx\n", i == 0 ? c.name : "",
                        static_cast<long long>(model->parameterCount()), methods[i].name, micros[i],
                        micros[i] / micros[1]);
    }
    return 0;
}
