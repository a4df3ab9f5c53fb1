#include "core/models/named_tensors.h"

#include "core/util/error.h"

#include <torch/torch.h>

#include <sstream>

namespace alig::core {

namespace {

std::string sizesText(const torch::Tensor& tensor) {
    std::ostringstream out;
    out << tensor.sizes();
    return out.str();
}

} // namespace

void writeNamedTensors(torch::serialize::OutputArchive& archive, const NamedTensors& parameters,
                       const NamedTensors& buffers) {
    torch::NoGradGuard noGrad;
    for (const auto& [name, tensor] : parameters)
        archive.write(name, tensor.detach().to(torch::kCPU), /*is_buffer=*/false);
    for (const auto& [name, tensor] : buffers)
        archive.write(name, tensor.detach().to(torch::kCPU), /*is_buffer=*/true);
}

void readNamedTensors(torch::serialize::InputArchive& archive, const NamedTensors& parameters,
                      const NamedTensors& buffers) {
    // Read and check everything before copying anything, so that a failed load leaves the
    // model as it was.
    std::vector<std::pair<torch::Tensor, torch::Tensor>> copies; // (model's, stored)
    for (const NamedTensors* group : {&parameters, &buffers}) {
        // LibTorch 1.13 and 2.x ignore the flag when reading; older ones need it to match.
        const bool isBuffer = group == &buffers;
        for (const auto& [name, target] : *group) {
            torch::Tensor stored;
            if (!archive.try_read(name, stored, isBuffer))
                throw Error("model checkpoint: no tensor '" + name +
                            "' (was it saved from a different model?)");
            if (!stored.sizes().equals(target.sizes()))
                throw Error("model checkpoint: '" + name + "' has shape " + sizesText(stored) +
                            ", the model expects " + sizesText(target));
            copies.emplace_back(target, stored);
        }
    }
    torch::NoGradGuard noGrad;
    // Copy, not assign: the model's tensor keeps its device, dtype and identity.
    for (auto& [target, stored] : copies)
        target.copy_(stored);
}

} // namespace alig::core
