#pragma once
// One trainable-module interface over LibTorch's C++ modules and TorchScript files, so the
// trainer, the optimizers and the checkpoints never care which kind of model they hold.

#include "core/models/model_config.h"

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace torch::serialize {
class InputArchive;
class OutputArchive;
} // namespace torch::serialize

namespace alig::core {

class Model {
public:
    virtual ~Model() = default;

    // Logits [B, numClasses] for a batch [B, inputShape...].
    virtual torch::Tensor forward(const torch::Tensor& input) = 0;
    // The trainable parameters, in a stable order (optimizers and projection use them).
    virtual std::vector<torch::Tensor> parameters() = 0;
    // The buffers (BatchNorm statistics), in a stable order; data parallel copies rank 0's.
    virtual std::vector<torch::Tensor> buffers() { return {}; }
    virtual void train(bool on = true) = 0;
    virtual void to(const torch::Device& device) = 0;
    // Weights and buffers (BatchNorm statistics too) to and from an archive.
    virtual void save(torch::serialize::OutputArchive& archive) = 0;
    virtual void load(torch::serialize::InputArchive& archive) = 0;
    // One line, e.g. "MLP 784-256-256-10 (relu)".
    virtual std::string describe() const = 0;

    int64_t parameterCount();
};

// Builds the model a config describes for inputs of `inputShape` (per sample, e.g.
// {1, 28, 28} or {2}) and `numClasses` outputs; the weights come from LibTorch's default
// generator (seed it first for reproducible runs). Throws alig::core::Error when the
// config does not fit the input (e.g. a CNN on tabular data, a wrong ResNet depth) or a
// TorchScript file cannot be loaded or has no parameters.
std::unique_ptr<Model> makeModel(const ModelConfig& config, const std::vector<int64_t>& inputShape,
                                 int64_t numClasses);

} // namespace alig::core
