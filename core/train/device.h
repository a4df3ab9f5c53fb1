#pragma once
// Device and thread choices, made once per run before any tensor work.

#include <torch/types.h>

#include <mutex>
#include <string>

namespace alig::core {

// "auto" (CUDA when LibTorch sees a GPU), "cpu", "cuda", "cuda:N". Asking for CUDA where
// there is none is an alig::core::Error that says so.
torch::Device resolveDevice(const std::string& spec);

// Sets LibTorch's intra-op threads and OpenBLAS's own pool (it keeps one apart from
// LibTorch's) to `threads`, or to every core when 0. Returns the number used.
int configureThreads(int threads);

// Sets OpenBLAS's own pool to `threads` for the scope's life, then back (nothing without
// OpenBLAS): single-threaded BLAS calls on threads of LibTorch's own.
class BlasThreadsScope {
public:
    explicit BlasThreadsScope(int threads);
    ~BlasThreadsScope();
    BlasThreadsScope(const BlasThreadsScope&) = delete;
    BlasThreadsScope& operator=(const BlasThreadsScope&) = delete;

private:
    int m_previous;
};

// Held while LibTorch's default generator is seeded and then drawn from, by every run of the
// process (building a model, seeding an epoch): runs that start side by side (compare, the
// window) would otherwise reseed each other between a seed and its draws.
std::mutex& defaultGeneratorMutex();

} // namespace alig::core
