#pragma once
// The optimizer section of an experiment and the factory that builds it. ALI-G and the
// adaptive-step baselines (SPS_max, the Polyak step, L4, DFW) and Yogi are ours; SGD, the Adam
// family, Adagrad and RMSprop are LibTorch's own. What depends on the method (its fields,
// defaults, checks and constructor) is its entry in the catalogue (optimizer_catalogue.h),
// which implements these functions.

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
// the loss (they implement StepSizeReporter); the catalogue's reports.chosenStep.
bool isAdaptiveStepMethod(const std::string& name);

// Throws alig::core::Error naming the option (as "optimizer.<field>") when a value is out
// of range for the chosen method.
void validateOptimizerConfig(const OptimizerConfig& config);

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const OptimizerConfig& config,
                                                       std::vector<torch::Tensor> params);

} // namespace alig::core
