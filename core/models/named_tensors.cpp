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

void readNamedTensors(torch::serialize::InputArchive& archive, const NamedTensors& tensors) {
    torch::NoGradGuard noGrad;
    for (const auto& [name, target] : tensors) {
        torch::Tensor stored;
        if (!archive.try_read(name, stored))
            throw Error("model checkpoint: no tensor '" + name +
                        "' (was it saved from a different model?)");
        if (!stored.sizes().equals(target.sizes()))
            throw Error("model checkpoint: '" + name + "' has shape " + sizesText(stored) +
                        ", the model expects " + sizesText(target));
        // Copy, not assign: the model's tensor keeps its device, dtype and identity.
        torch::Tensor destination = target;
        destination.copy_(stored);
    }
}

} // namespace alig::core
