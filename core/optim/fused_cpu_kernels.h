#pragma once
// The loops of fused_cpu.cpp, with no LibTorch in sight: each fused_cpu_kernels_*.cpp includes
// this file inside its own anonymous namespace and is compiled for one instruction set
// (baseline x86-64, AVX2 + FMA, AVX-512); fused_cpu.cpp picks the best the CPU runs.

#include <algorithm>
#include <cstdint>

namespace alig::core::fused_cpu {

enum class Momentum { None, Standard, Adjusted };

// What an update measured on its way: sum (p_new - p_old)^2 and sum v_new^2 (0 without
// momentum).
struct Moves {
    double weights = 0.0;
    double buffer = 0.0;
    Moves& operator+=(const Moves& o) {
        weights += o.weights;
        buffer += o.buffer;
        return *this;
    }
};

// The entry points of one instruction set.
struct KernelSet {
    const char* name;
    double (*sumOfSquaresF)(const float* x, int64_t n);
    double (*sumOfSquaresD)(const double* x, int64_t n);
    Moves (*updateF)(float* p, const float* g, float* v, int64_t n, float step, float mu,
                     Momentum momentum, bool measureBuffer);
    Moves (*updateD)(double* p, const double* g, double* v, int64_t n, double step, double mu,
                     Momentum momentum, bool measureBuffer);
};

KernelSet baselineKernels();
KernelSet avx2Kernels();   // only on x86-64 builds
KernelSet avx512Kernels(); // only on x86-64 builds

} // namespace alig::core::fused_cpu

// Defines the templates and a KernelSet named ALIG_KERNEL_SET_FUNCTION in the including file.
#ifdef ALIG_KERNEL_SET_FUNCTION
namespace alig::core::fused_cpu {
namespace {

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

// Applies rule(p, g, v, v_new) -> p_new to every element of a range, writing p (and, with
// kMomentum, v), and returns the sums of (p_new - p_old)^2 and (with kMeasureBuffer) of v_new^2.
// Block by block: a plain loop that the compiler vectorises writes the moves into a small
// buffer (it stays in L1), and rangeSumOfSquares adds them up; one loop doing both does not
// vectorise.
template <class T, bool kMomentum, bool kMeasureBuffer, class Rule>
Moves rangeApply(T* __restrict p, const T* __restrict g, T* __restrict v, int64_t n, Rule rule) {
    constexpr int64_t kBlock = 1024;
    T moved[kBlock];
    Moves total;
    for (int64_t start = 0; start < n; start += kBlock) {
        const int64_t count = std::min(kBlock, n - start);
        T* __restrict pb = p + start;
        const T* __restrict gb = g + start;
        T* __restrict vb = kMomentum ? v + start : nullptr;
        for (int64_t i = 0; i < count; ++i) {
            const T old = pb[i];
            T vNew = T(0);
            const T next = rule(old, gb[i], kMomentum ? vb[i] : T(0), vNew);
            if constexpr (kMomentum) vb[i] = vNew;
            pb[i] = next;
            moved[i] = next - old;
        }
        total.weights += rangeSumOfSquares(moved, count);
        if constexpr (kMomentum && kMeasureBuffer) total.buffer += rangeSumOfSquares(vb, count);
    }
    return total;
}

// One range of the update, with what it measured.
template <class T>
Moves rangeUpdate(T* p, const T* g, T* v, int64_t n, T step, T mu, Momentum momentum,
                  bool measureBuffer) {
    const T negStep = -step;
    switch (momentum) {
    case Momentum::None:
        return rangeApply<T, false, false>(p, g, v, n,
                                           [=](T w, T gi, T, T&) { return w + negStep * gi; });
    case Momentum::Standard: {
        const auto rule = [=](T w, T gi, T vi, T& vNew) {
            const T d = negStep * gi;
            vNew = mu * vi + d;
            return (w + d) + mu * vNew;
        };
        return measureBuffer ? rangeApply<T, true, true>(p, g, v, n, rule)
                             : rangeApply<T, true, false>(p, g, v, n, rule);
    }
    case Momentum::Adjusted: {
        const T stepMu = step * mu;
        const auto rule = [=](T w, T gi, T vi, T& vNew) {
            vNew = mu * vi - gi;
            return (w + negStep * gi) + stepMu * vNew;
        };
        return measureBuffer ? rangeApply<T, true, true>(p, g, v, n, rule)
                             : rangeApply<T, true, false>(p, g, v, n, rule);
    }
    }
    return {};
}

} // namespace

KernelSet ALIG_KERNEL_SET_FUNCTION() {
    return {ALIG_KERNEL_SET_NAME, &rangeSumOfSquares<float>, &rangeSumOfSquares<double>,
            &rangeUpdate<float>, &rangeUpdate<double>};
}

} // namespace alig::core::fused_cpu
#endif
