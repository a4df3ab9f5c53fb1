#include "core/optim/fused_cpu.h"

#include "core/optim/fused_cpu_kernels.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <functional>

namespace alig::core::fused_cpu {

namespace {

// Elements per task. Waking LibTorch's second thread (its OpenMP workers sleep between
// regions, OMP_WAIT_POLICY=PASSIVE) costs more than it saves below a few hundred thousand
// elements: with 32,768 a 2-thread epoch of the default preset took 1.3x as long (its
// largest tensor has 200k weights). From 2^18 on, tensors are split: WRN-16-4's step
// takes half the time on 2 threads.
constexpr int64_t kGrain = int64_t{1} << 18;

// The best instruction set this CPU runs, chosen once.
const KernelSet& kernels() {
    static const KernelSet chosen = [] {
#if defined(ALIG_FUSED_CPU_X86)
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
            __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
            return avx512Kernels();
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return avx2Kernels();
#endif
        return baselineKernels();
    }();
    return chosen;
}

double rangeSumOfSquares(const float* x, int64_t n) {
    return kernels().sumOfSquaresF(x, n);
}
double rangeSumOfSquares(const double* x, int64_t n) {
    return kernels().sumOfSquaresD(x, n);
}
Moves rangeUpdate(float* p, const float* g, float* v, int64_t n, float step, float mu,
                  Momentum momentum, bool measureBuffer) {
    return kernels().updateF(p, g, v, n, step, mu, momentum, measureBuffer);
}
Moves rangeUpdate(double* p, const double* g, double* v, int64_t n, double step, double mu,
                  Momentum momentum, bool measureBuffer) {
    return kernels().updateD(p, g, v, n, step, mu, momentum, measureBuffer);
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
Moves tensorUpdate(torch::Tensor& param, const torch::Tensor& grad, torch::Tensor& buffer,
                   double step, double mu, Momentum momentum, bool measureBuffer) {
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* v = momentum == Momentum::None ? nullptr : buffer.data_ptr<T>();
    return at::parallel_reduce(
        int64_t{0}, param.numel(), kGrain, Moves{},
        [&](int64_t begin, int64_t end, Moves identity) {
            return identity +=
                   rangeUpdate(p + begin, g + begin, v ? v + begin : nullptr, end - begin,
                               static_cast<T>(step), static_cast<T>(mu), momentum, measureBuffer);
        },
        [](Moves a, const Moves& b) { return a += b; });
}

} // namespace

const char* instructionSet() {
    return kernels().name;
}

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

Moves update(torch::Tensor& param, const torch::Tensor& grad, torch::Tensor& buffer, double step,
             double mu, Momentum momentum, bool measureBuffer) {
    return param.scalar_type() == torch::kDouble
               ? tensorUpdate<double>(param, grad, buffer, step, mu, momentum, measureBuffer)
               : tensorUpdate<float>(param, grad, buffer, step, mu, momentum, measureBuffer);
}

} // namespace alig::core::fused_cpu
