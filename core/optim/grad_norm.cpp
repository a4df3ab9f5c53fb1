#include "core/optim/grad_norm.h"

#include <torch/torch.h>

namespace alig::core {

torch::Tensor squaredNorm(const std::vector<torch::Tensor>& tensors) {
    std::vector<torch::Tensor> defined;
    defined.reserve(tensors.size());
    for (const auto& t : tensors)
        if (t.defined()) defined.push_back(t);
    if (defined.empty()) return {};

    bool uniform = true;
    for (const auto& t : defined)
        uniform = uniform && t.scalar_type() == defined.front().scalar_type() &&
                  t.device() == defined.front().device() && !t.is_sparse();
    if (uniform) {
        // One multi-tensor kernel for all the norms, then one reduction: no per-tensor
        // launches and no host synchronisation. Squaring the norms matches the reference's
        // `p.grad.norm() ** 2` summed over parameters.
        auto norms = torch::_foreach_norm(defined);
        return torch::stack(norms).pow(2).sum();
    }
    torch::Tensor total = defined.front().norm().pow(2).to(torch::kFloat64);
    for (size_t i = 1; i < defined.size(); ++i)
        total = total + defined[i].norm().pow(2).to(torch::kFloat64).to(total.device());
    return total;
}

std::vector<torch::Tensor> definedGrads(const std::vector<torch::Tensor>& params) {
    std::vector<torch::Tensor> grads;
    grads.reserve(params.size());
    for (const auto& p : params)
        if (p.grad().defined()) grads.push_back(p.grad());
    return grads;
}

} // namespace alig::core
