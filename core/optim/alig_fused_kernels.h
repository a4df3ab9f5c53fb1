#pragma once
// The fused CUDA implementation of one ALI-G step (docs/alig.md), on raw device pointers
// so that it compiles with nvcc alone: one launch for ||g||^2 over every gradient, one for
// the update of every parameter (the step size read on the device, both momentum forms, the
// projection). alig_fused.cpp calls it from AliG::step when training on CUDA.

#include <cstddef>
#include <cstdint>

namespace alig::core::fused {

// Device-resident description of the tensors of one step: arrays of `count` device
// pointers (float32, contiguous) and element counts. `buffers` may be null when momentum
// is 0.
struct TensorTable {
    float* const* params = nullptr;
    const float* const* grads = nullptr;
    float* const* buffers = nullptr;
    const int64_t* sizes = nullptr;
    int count = 0;
};

struct StepOptions {
    double eps = 1e-5;
    double maxLr = 0.0; // <= 0: no cap
    double momentum = 0.0;
    bool adjustedMomentum = false;
    bool clipAtZero = false;
    double radius = 0.0; // <= 0: no projection
};

// Device scratch the two launches share, zeroed once (e.g. torch::zeros) before the first
// step; the update launch leaves it zeroed for the next one.
struct Workspace {
    double* gradSquaredNorm = nullptr;  // 1 double
    double* paramSquaredNorm = nullptr; // 1 double
};

// Launch 1: workspace.gradSquaredNorm += sum over the table of ||g||^2.
// Returns 0, or a cudaError_t value.
int launchGradSquaredNorm(const TensorTable& table, const Workspace& workspace, int device,
                          void* stream);

// Launch 2 (cooperative, so the projection can follow the update in the same kernel):
// step = min(loss / (||g||^2 + eps), maxLr), the update of every parameter, momentum, and
// the projection onto the ball of `radius`. `loss` is a device scalar (float32, or float64
// when lossIsDouble). Writes {||g||^2, unclipped, step, clipped} to the device array
// `stats` (4 doubles). Returns 0, or a cudaError_t value.
int launchAligUpdate(const TensorTable& table, const StepOptions& options, const void* loss,
                     bool lossIsDouble, const Workspace& workspace, double* stats, int device,
                     void* stream);

// The error text of a value the launches returned.
const char* errorText(int error);

} // namespace alig::core::fused
