#pragma once
// Builds the optimizer an experiment names. ALI-G is ours; the baselines are LibTorch's
// own. Used by the trainer's experiment factory and by the benchmarks.

#include <torch/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace torch::optim {
class Optimizer;
}

namespace alig::core {

// Parsed and validated by ExperimentConfig; field names follow the "optimizer" JSON section.
struct OptimizerConfig {
    std::string name = "alig"; // alig | sgd | adam | adamw
    // ALI-G
    std::optional<double> maxLr = 0.1;      // none: the unclipped Polyak step
    std::string momentumForm = "standard";  // standard | adjusted
    std::optional<double> projectionRadius; // none: no projection
    bool clipAtZero = false;
    // Shared
    double momentum = 0.9;     // ALI-G and SGD
    std::optional<double> eps; // none: the method's default (ALI-G 1e-5, Adam 1e-8)
    // Baselines
    double lr = 0.1;
    double weightDecay = 0.0;
    bool nesterov = false;
    double beta1 = 0.9;
    double beta2 = 0.999;

    // The eps the method actually uses.
    double resolvedEps() const;
};

const std::vector<std::string>& optimizerNames();

// Throws alig::core::Error naming the option (as "optimizer.<field>") when a value is out
// of range for the chosen method.
void validateOptimizerConfig(const OptimizerConfig& config);

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const OptimizerConfig& config,
                                                       std::vector<torch::Tensor> params);

} // namespace alig::core
