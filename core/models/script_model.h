#pragma once
// Models defined outside the program: a TorchScript archive (torch.jit.save in Python, or
// torch::jit::Module::save in C++) loaded with torch::jit::load and trained like the others.

#include "core/models/model.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace alig::core {

// Loads the archive at `path` onto the CPU. Throws Error naming the file when it is missing,
// is not a TorchScript archive or has no trainable parameters; and, when inputShape is not
// empty, when a forward of a batch of 2 zero inputs fails or does not return [2, numClasses].
std::unique_ptr<Model> loadScriptModel(const std::string& path,
                                       const std::vector<int64_t>& inputShape, int64_t numClasses);

} // namespace alig::core
