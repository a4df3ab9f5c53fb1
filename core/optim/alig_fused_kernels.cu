// The fused CUDA ALI-G step; see alig_fused_kernels.h. Follows docs/alig.md step for
// step, in the same float32 arithmetic as the LibTorch path in alig.cpp (the norms are
// accumulated in double).

#include "core/optim/alig_fused_kernels.h"

#include <cooperative_groups.h>
#include <cuda_runtime.h>

namespace cg = cooperative_groups;

namespace alig::core::fused {

namespace {

constexpr int kThreads = 256;

// Sum of `value` over the block, valid in thread 0.
__device__ double blockSum(double value) {
    __shared__ double partial[kThreads / 32];
    for (int offset = 16; offset > 0; offset /= 2)
        value += __shfl_down_sync(0xffffffffu, value, offset);
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    if (lane == 0) partial[warp] = value;
    __syncthreads();
    value = threadIdx.x < kThreads / 32 ? partial[threadIdx.x] : 0.0;
    if (warp == 0)
        for (int offset = 16; offset > 0; offset /= 2)
            value += __shfl_down_sync(0xffffffffu, value, offset);
    return value;
}

__global__ void __launch_bounds__(kThreads) gradSquaredNormKernel(TensorTable table, double* out) {
    const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
    double sum = 0.0;
    for (int t = 0; t < table.count; ++t) {
        const float* g = table.grads[t];
        const int64_t n = table.sizes[t];
        for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
             i += stride) {
            const float v = g[i];
            sum += static_cast<double>(v) * v;
        }
    }
    sum = blockSum(sum);
    if (threadIdx.x == 0) atomicAdd(out, sum);
}

__global__ void __launch_bounds__(kThreads)
    aligUpdateKernel(TensorTable table, StepOptions options, const void* loss, bool lossIsDouble,
                     Workspace workspace, double* stats) {
    cg::grid_group grid = cg::this_grid();
    // Steps 2 and 3 of docs/alig.md, computed by every thread from device scalars.
    const double gsq = *workspace.gradSquaredNorm;
    const double l = lossIsDouble ? *static_cast<const double*>(loss)
                                  : static_cast<double>(*static_cast<const float*>(loss));
    // As the LibTorch path: the step is a float32 value.
    const float unclipped =
        static_cast<float>(l) / (static_cast<float>(gsq) + static_cast<float>(options.eps));
    float step = unclipped;
    bool clipped = false;
    if (options.maxLr > 0.0 && unclipped > static_cast<float>(options.maxLr)) {
        step = static_cast<float>(options.maxLr);
        clipped = true;
    }
    if (options.clipAtZero && step < 0.0f) step = 0.0f;
    if (grid.thread_rank() == 0) {
        stats[0] = gsq;
        stats[1] = unclipped;
        stats[2] = step;
        stats[3] = clipped ? 1.0 : 0.0;
    }

    // Step 4: the SGD step, then Nesterov momentum in the chosen form.
    const float negStep = -step;
    const float mu = static_cast<float>(options.momentum);
    const float stepMu = step * mu;
    const bool project = options.radius > 0.0;
    const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
    const int64_t first = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    double normSq = 0.0;
    for (int t = 0; t < table.count; ++t) {
        float* p = table.params[t];
        const float* g = table.grads[t];
        float* v = options.momentum > 0.0 ? table.buffers[t] : nullptr;
        const int64_t n = table.sizes[t];
        for (int64_t i = first; i < n; i += stride) {
            const float gi = g[i];
            float pi = p[i] + gi * negStep;
            if (v) {
                float vi = v[i];
                if (!options.adjustedMomentum) {
                    vi = vi * mu + gi * negStep;
                    pi = pi + mu * vi;
                } else {
                    vi = vi * mu - gi;
                    pi = pi + vi * stepMu;
                }
                v[i] = vi;
            }
            p[i] = pi;
            normSq += static_cast<double>(pi) * pi;
        }
    }
    if (project) {
        normSq = blockSum(normSq);
        if (threadIdx.x == 0) atomicAdd(workspace.paramSquaredNorm, normSq);
    }
    // Every block has read ||g||^2 and added its part of ||w||^2.
    grid.sync();
    if (project) {
        // Step 5: scale onto the ball when outside it; a factor of exactly 1 changes nothing.
        const float norm = sqrtf(static_cast<float>(*workspace.paramSquaredNorm));
        const float factor = fminf(static_cast<float>(options.radius) / norm, 1.0f);
        if (factor < 1.0f)
            for (int t = 0; t < table.count; ++t) {
                float* p = table.params[t];
                const int64_t n = table.sizes[t];
                for (int64_t i = first; i < n; i += stride)
                    p[i] *= factor;
            }
        grid.sync();
    }
    // Leave the workspace zeroed for the next step.
    if (grid.thread_rank() == 0) {
        *workspace.gradSquaredNorm = 0.0;
        *workspace.paramSquaredNorm = 0.0;
    }
}

// As many blocks as fit on the device at once (the cooperative launch needs no more), from
// host-side queries that never wait for the GPU; remembered per thread, kernel and device.
int blocksFor(const void* kernel, int device) {
    struct Entry {
        const void* kernel;
        int device, blocks;
    };
    thread_local Entry cache[4] = {};
    for (const auto& e : cache)
        if (e.kernel == kernel && e.device == device) return e.blocks;
    int sms = 0, perSm = 0;
    if (cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device) != cudaSuccess ||
        cudaOccupancyMaxActiveBlocksPerMultiprocessor(&perSm, kernel, kThreads, 0) != cudaSuccess)
        return 0;
    thread_local int next = 0;
    cache[next] = {kernel, device, perSm * sms};
    next = (next + 1) % 4;
    return perSm * sms;
}

} // namespace

int launchGradSquaredNorm(const TensorTable& table, const Workspace& workspace, int device,
                          void* stream) {
    const int blocks = blocksFor(reinterpret_cast<const void*>(&gradSquaredNormKernel), device);
    // clang-format reads the launch brackets as comparisons and breaks them apart.
    // clang-format off
    gradSquaredNormKernel<<<blocks > 0 ? blocks : 1024, kThreads, 0,
                            static_cast<cudaStream_t>(stream)>>>(table, workspace.gradSquaredNorm);
    // clang-format on
    return static_cast<int>(cudaGetLastError());
}

int launchAligUpdate(const TensorTable& table, const StepOptions& options, const void* loss,
                     bool lossIsDouble, const Workspace& workspace, double* stats, int device,
                     void* stream) {
    // A cooperative launch: every block must be resident at once for grid.sync().
    const int blocks = blocksFor(reinterpret_cast<const void*>(&aligUpdateKernel), device);
    if (blocks <= 0) return static_cast<int>(cudaErrorInvalidConfiguration);
    TensorTable t = table;
    StepOptions o = options;
    const void* l = loss;
    bool isDouble = lossIsDouble;
    Workspace w = workspace;
    double* s = stats;
    void* args[] = {&t, &o, &l, &isDouble, &w, &s};
    return static_cast<int>(
        cudaLaunchCooperativeKernel(reinterpret_cast<const void*>(&aligUpdateKernel), dim3(blocks),
                                    dim3(kThreads), args, 0, static_cast<cudaStream_t>(stream)));
}

const char* errorText(int error) {
    return cudaGetErrorString(static_cast<cudaError_t>(error));
}

} // namespace alig::core::fused
