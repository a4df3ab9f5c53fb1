#pragma once
// The squared L2 norm of a set of tensors, as one device scalar: ALI-G's ||g||^2, the
// trainer's gradient-norm metric for every optimizer, and the projection's norm.

#include <torch/types.h>

#include <vector>

namespace alig::core {

// sum_i ||t_i||^2 over the defined tensors, a 0-dim tensor on their device (in their
// dtype), without synchronising with the host. Undefined tensors are skipped; an empty
// list gives an undefined tensor.
torch::Tensor squaredNorm(const std::vector<torch::Tensor>& tensors);

// The gradients of `params` that are defined, in order.
std::vector<torch::Tensor> definedGrads(const std::vector<torch::Tensor>& params);

} // namespace alig::core
