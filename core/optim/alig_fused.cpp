#include "core/optim/alig_fused.h"

#include "core/optim/alig.h"
#include "core/util/error.h"

#include <cstdlib>
#include <cstring>

#if defined(ALIG_HAVE_FUSED_CUDA)
#include "core/optim/alig_fused_kernels.h"

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/torch.h>

#include <mutex>
#include <unordered_map>
#endif

namespace alig::core {

std::atomic<AliG::FusedStep> AliG::s_fusedStep{nullptr};

#if defined(ALIG_HAVE_FUSED_CUDA)

namespace {

// Per optimizer: the device tables of pointers and sizes (uploaded again only when a
// tensor moved, e.g. after loading a checkpoint) and the zeroed workspace.
struct FusedCache {
    std::vector<int64_t> host; // params, grads, buffers, sizes: the uploaded table
    torch::Tensor device;
    torch::Tensor workspace; // 2 doubles
};

std::mutex g_cacheMutex;
std::unordered_map<const AliG*, FusedCache> g_caches;

bool fusedStep(AliG& optimizer, const torch::Tensor& loss, AliGStepStats& stats) {
    if (optimizer.param_groups().size() != 1) return false;
    const AliGOptions& global = optimizer.globalOptions();
    const AliGOptions& group = optimizer.groupOptions(0);
    const auto& params = optimizer.param_groups()[0].params();
    if (params.empty() || !loss.defined() || loss.numel() != 1 || !loss.is_cuda()) return false;
    const torch::Device device = params.front().device();
    if (loss.device() != device || !loss.is_contiguous() ||
        (loss.scalar_type() != torch::kFloat && loss.scalar_type() != torch::kDouble))
        return false;
    for (const auto& p : params) {
        const auto& g = p.grad();
        if (p.device() != device || p.scalar_type() != torch::kFloat || !p.is_contiguous() ||
            !g.defined() || g.device() != device || g.scalar_type() != torch::kFloat ||
            !g.is_contiguous() || g.sizes() != p.sizes())
            return false;
    }
    const bool momentum = group.momentum() > 0.0;
    const size_t n = params.size();
    std::vector<int64_t> host(4 * n, 0);
    for (size_t i = 0; i < n; ++i) {
        host[i] = reinterpret_cast<int64_t>(params[i].data_ptr<float>());
        host[n + i] = reinterpret_cast<int64_t>(params[i].grad().data_ptr<float>());
        if (momentum) {
            torch::Tensor& buffer = optimizer.momentumBuffer(params[i]);
            if (!buffer.is_contiguous() || buffer.scalar_type() != torch::kFloat) return false;
            host[2 * n + i] = reinterpret_cast<int64_t>(buffer.data_ptr<float>());
        }
        host[3 * n + i] = params[i].numel();
    }

    FusedCache* cache;
    {
        std::lock_guard<std::mutex> lock(g_cacheMutex);
        cache = &g_caches[&optimizer];
    }
    if (cache->host != host || cache->device.device() != device) {
        // Only when a tensor moved: this copy waits for the device, a step never does.
        cache->host = host;
        cache->device =
            torch::from_blob(cache->host.data(), {static_cast<int64_t>(host.size())}, torch::kLong)
                .to(device);
        cache->workspace = torch::zeros({2}, torch::TensorOptions(torch::kFloat64).device(device));
    }
    const auto* table = cache->device.data_ptr<int64_t>();
    fused::TensorTable t;
    t.params = reinterpret_cast<float* const*>(table);
    t.grads = reinterpret_cast<const float* const*>(table + n);
    t.buffers = momentum ? reinterpret_cast<float* const*>(table + 2 * n) : nullptr;
    t.sizes = table + 3 * n;
    t.count = static_cast<int>(n);
    fused::StepOptions o;
    o.eps = global.eps();
    o.maxLr = group.max_lr() ? *group.max_lr() : 0.0;
    o.momentum = group.momentum();
    o.adjustedMomentum = global.momentum_form() == MomentumForm::Adjusted;
    o.clipAtZero = global.clip_at_zero();
    o.radius = global.projection_radius() ? *global.projection_radius() : 0.0;
    fused::Workspace w;
    w.gradSquaredNorm = cache->workspace.data_ptr<double>();
    w.paramSquaredNorm = w.gradSquaredNorm + 1;

    // The raw launches go to the thread's current device: make it the parameters' one (a
    // data-parallel rank trains on cuda:LOCAL_RANK while the current device may be 0).
    const c10::cuda::CUDAGuard deviceGuard(device);
    torch::Tensor out = torch::empty({4}, torch::TensorOptions(torch::kFloat64).device(device));
    void* stream = at::cuda::getCurrentCUDAStream(device.index()).stream();
    int error = fused::launchGradSquaredNorm(t, w, device.index(), stream);
    if (error == 0)
        error = fused::launchAligUpdate(t, o, loss.data_ptr(), loss.scalar_type() == torch::kDouble,
                                        w, out.data_ptr<double>(), device.index(), stream);
    if (error != 0) throw Error(std::string("fused ALI-G step: ") + fused::errorText(error));

    stats.loss = loss.detach().reshape({});
    stats.gradSquaredNorm = out[0];
    stats.unclipped = out[1];
    stats.stepSize = out[2];
    stats.clipped = out[3]; // 1.0 or 0.0 (the LibTorch path gives a bool)
    return true;
}

} // namespace

bool fusedAligStepAvailable() {
    return true;
}

bool enableFusedAligStep(bool on) {
    const char* env = std::getenv("ALIG_FUSED_STEP");
    if (on && env && std::strcmp(env, "0") == 0) on = false;
    AliG::s_fusedStep = on ? &fusedStep : nullptr;
    return on;
}

#else

bool fusedAligStepAvailable() {
    return false;
}

bool enableFusedAligStep(bool) {
    return false;
}

#endif

} // namespace alig::core
