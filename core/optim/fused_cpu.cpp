#include "core/optim/fused_cpu.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <functional>

namespace alig::core::fused_cpu {

namespace {

// Elements per task: big enough that a thread's start-up is paid back, small enough that the
// MLP's 200k-weight layer still spreads over the cores.
constexpr int64_t kGrain = 32768;

// ||x||^2 of a range: 16 independent lanes (which the compiler vectorises), folded into a
// double every 1024 elements so that float32 sums keep their precision.
template <class T> double rangeSumOfSquares(const T* __restrict x, int64_t n) {
    constexpr int kLanes = 16;
    constexpr int64_t kBlock = 1024;
    double total = 0.0;
    int64_t i = 0;
    while (i + kLanes <= n) {
        T acc[kLanes] = {};
        const int64_t end = std::min(n, i + kBlock) - kLanes;
        for (; i <= end; i += kLanes)
            for (int j = 0; j < kLanes; ++j)
                acc[j] += x[i + j] * x[i + j];
        for (int j = 0; j < kLanes; ++j)
            total += static_cast<double>(acc[j]);
    }
    for (; i < n; ++i)
        total += static_cast<double>(x[i]) * static_cast<double>(x[i]);
    return total;
}

template <class T> double tensorSumOfSquares(const torch::Tensor& t) {
    const T* data = t.data_ptr<T>();
    return at::parallel_reduce(
        int64_t{0}, t.numel(), kGrain, 0.0,
        [data](int64_t begin, int64_t end, double identity) {
            return identity + rangeSumOfSquares(data + begin, end - begin);
        },
        std::plus<double>());
}

template <class T>
void rangeUpdate(T* __restrict p, const T* __restrict g, T* __restrict v, int64_t n, T step,
                 T mu, Momentum momentum) {
    const T negStep = -step;
    switch (momentum) {
    case Momentum::None:
        for (int64_t i = 0; i < n; ++i)
            p[i] += negStep * g[i];
        break;
    case Momentum::Standard:
        for (int64_t i = 0; i < n; ++i) {
            const T d = negStep * g[i];
            const T vi = mu * v[i] + d;
            v[i] = vi;
            p[i] = (p[i] + d) + mu * vi;
        }
        break;
    case Momentum::Adjusted: {
        const T stepMu = step * mu;
        for (int64_t i = 0; i < n; ++i) {
            const T vi = mu * v[i] - g[i];
            v[i] = vi;
            p[i] = (p[i] + negStep * g[i]) + stepMu * vi;
        }
        break;
    }
    }
}

template <class T>
void tensorUpdate(torch::Tensor& param, const torch::Tensor& grad, torch::Tensor& buffer,
                  double step, double mu, Momentum momentum) {
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* v = momentum == Momentum::None ? nullptr : buffer.data_ptr<T>();
    at::parallel_for(int64_t{0}, param.numel(), kGrain, [&](int64_t begin, int64_t end) {
        rangeUpdate<T>(p + begin, g + begin, v ? v + begin : nullptr, end - begin,
                       static_cast<T>(step), static_cast<T>(mu), momentum);
    });
}

} // namespace

bool supported(const torch::Tensor& t) {
    return t.defined() && t.device().is_cpu() && t.layout() == torch::kStrided &&
           (t.scalar_type() == torch::kFloat || t.scalar_type() == torch::kDouble) &&
           t.is_contiguous() && !t.is_conj() && !t.is_neg();
}

double sumOfSquares(const std::vector<torch::Tensor>& tensors) {
    double total = 0.0;
    for (const auto& t : tensors)
        total += t.scalar_type() == torch::kDouble ? tensorSumOfSquares<double>(t)
                                                   : tensorSumOfSquares<float>(t);
    return total;
}

void update(torch::Tensor& param, const torch::Tensor& grad, torch::Tensor& buffer, double step,
            double mu, Momentum momentum) {
    if (param.scalar_type() == torch::kDouble)
        tensorUpdate<double>(param, grad, buffer, step, mu, momentum);
    else
        tensorUpdate<float>(param, grad, buffer, step, mu, momentum);
}

} // namespace alig::core::fused_cpu
