#pragma once
// Fused CPU loops for ALI-G's step: one pass over each gradient for ||g||^2 and one pass over
// each (parameter, gradient, momentum buffer) triple for the update, where LibTorch's own ops
// take four passes and a dispatch per op. They apply to dense, contiguous float32/float64 CPU
// tensors; ALI-G falls back to LibTorch ops for anything else (CUDA, half precision, strides).
//
// Each element gets the same arithmetic as the reference's sequence of in-place ops
// (p -= s g; v = mu v - s g; p += mu v), in the tensor's own precision.

#include "core/optim/fused_cpu_kernels.h"

#include <torch/types.h>

#include <vector>

namespace alig::core::fused_cpu {

// The instruction set of the loops in use: "AVX-512", "AVX2" or "baseline".
const char* instructionSet();

// Whether `t` is a dense, contiguous CPU tensor of float32 or float64.
bool supported(const torch::Tensor& t);

// sum_i ||t_i||^2, accumulated in double. Every tensor must be supported().
double sumOfSquares(const std::vector<torch::Tensor>& tensors);

// The update of one parameter in one pass (all three tensors supported(), same dtype, same
// number of elements; `buffer` is unused with Momentum::None):
//   None:      p -= step g
//   Standard:  p -= step g;  v = mu v - step g;  p += mu v
//   Adjusted:  p -= step g;  v = mu v - g;       p += step mu v
// Returns ||p_new - p_old||^2 (the differences in the tensor's precision, summed in double)
// and, with measureBuffer, ||v_new||^2, measured in the same pass: the training loop's
// effective step without a copy of the weights, and the momentum term's length for the step
// anatomy (0 without measureBuffer, which spares a sum over the buffer).
Moves update(torch::Tensor& param, const torch::Tensor& grad, torch::Tensor& buffer, double step,
             double mu, Momentum momentum, bool measureBuffer = true);

} // namespace alig::core::fused_cpu
