#pragma once
// Checkpoints of a model's named parameters and buffers in one flat torch::serialize archive,
// shared by ModuleModel and ScriptModel so that both save and load the same way.

#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

namespace torch::serialize {
class InputArchive;
class OutputArchive;
} // namespace torch::serialize

namespace alig::core {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// Writes CPU copies, so that a checkpoint taken on CUDA also opens on a CPU-only machine.
void writeNamedTensors(torch::serialize::OutputArchive& archive, const NamedTensors& parameters,
                       const NamedTensors& buffers);

// Copies each archived tensor into the model's tensor of the same name, in place: the tensors
// stay on the model's device and remain the ones the optimizer holds. Throws Error when a name
// is missing or a shape differs (copy_ would otherwise broadcast silently).
void readNamedTensors(torch::serialize::InputArchive& archive, const NamedTensors& parameters,
                      const NamedTensors& buffers);

} // namespace alig::core
