#pragma once
// Weight initialisation shared by the residual networks.

namespace torch::nn {
class Module;
} // namespace torch::nn

namespace alig::core {

// Kaiming-normal (He et al. 2015) convolution weights with std sqrt(2 / (k*k*out_channels)),
// the fan-out variant used by fb.resnet.torch and the WRN reference code; BatchNorm keeps
// weight 1 and bias 0, Linear layers keep LibTorch's default.
void initConvsKaimingNormal(torch::nn::Module& module);

} // namespace alig::core
