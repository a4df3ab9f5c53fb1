#pragma once
// Builds the optimizer an experiment names. ALI-G and the adaptive-step baselines (SPS_max,
// the Polyak step, L4, DFW) and Yogi are ours; SGD, the Adam family, Adagrad and RMSprop are
// LibTorch's own. Used by the trainer's experiment factory and by the benchmarks.

#include "core/optim/optimizer_config.h"

#include <torch/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace torch::optim {
class Optimizer;
}

namespace alig::core {

const std::vector<std::string>& optimizerNames();

// Which kind of step a method takes: true for the methods that choose their own step size from
// the loss (alig, sps, polyak, l4adam, l4mom, dfw; they implement StepSizeReporter).
bool isAdaptiveStepMethod(const std::string& name);

// Throws alig::core::Error naming the option (as "optimizer.<field>") when a value is out
// of range for the chosen method.
void validateOptimizerConfig(const OptimizerConfig& config);

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const OptimizerConfig& config,
                                                       std::vector<torch::Tensor> params);

} // namespace alig::core
