#pragma once
// Device and thread choices, made once per run before any tensor work.

#include <torch/types.h>

#include <string>

namespace alig::core {

// "auto" (CUDA when LibTorch sees a GPU), "cpu", "cuda", "cuda:N". Asking for CUDA where
// there is none is an alig::core::Error that says so.
torch::Device resolveDevice(const std::string& spec);

// Sets LibTorch's intra-op threads and OpenBLAS's own pool (it keeps one apart from
// LibTorch's) to `threads`, or to every core when 0. Returns the number used.
int configureThreads(int threads);

// The OpenBLAS kernel in use ("Haswell", ...), or empty when OpenBLAS is not loaded.
std::string blasCoreName();

} // namespace alig::core
