#include "core/models/conv_init.h"

#include <torch/torch.h>

namespace alig::core {

void initConvsKaimingNormal(torch::nn::Module& module) {
    for (const auto& child : module.modules(/*include_self=*/false)) {
        if (auto* conv = child->as<torch::nn::Conv2d>())
            torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
    }
}

} // namespace alig::core
