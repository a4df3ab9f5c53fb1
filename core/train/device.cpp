#include "core/train/device.h"

#include "core/util/error.h"

#include <torch/torch.h>

#include <dlfcn.h>

#include <thread>

namespace alig::core {

torch::Device resolveDevice(const std::string& spec) {
    const bool cudaAvailable = torch::cuda::is_available();
    if (spec == "auto")
        return cudaAvailable ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    if (spec == "cpu") return torch::Device(torch::kCPU);
    if (spec.rfind("cuda", 0) == 0) {
        if (!cudaAvailable)
            throw Error("training.device: \"" + spec +
                        "\" was asked for, but LibTorch sees no CUDA device here (no GPU or "
                        "driver, or a LibTorch built without CUDA); use \"cpu\" or \"auto\"");
        int index = 0;
        if (spec.size() > 5) index = std::stoi(spec.substr(5));
        const int count = static_cast<int>(torch::cuda::device_count());
        if (index >= count)
            throw Error("training.device: \"" + spec + "\" does not exist; this machine has " +
                        std::to_string(count) + " CUDA device(s)");
        return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
    }
    throw Error("training.device: must be auto, cpu, cuda or cuda:N, got \"" + spec + "\"");
}

namespace {

// OpenBLAS's own thread count, looked up at run time (once: a split batch sets it every
// step): with the reference BLAS (no OpenBLAS) the symbols are absent, and these do nothing
// (getting gives 0).
void setBlasThreads(int threads) {
    using SetThreads = void (*)(int);
    static const auto set =
        reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    if (set) set(threads);
}

int blasThreads() {
    using GetThreads = int (*)();
    static const auto get =
        reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    return get ? get() : 0;
}

} // namespace

int configureThreads(int threads) {
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    torch::set_num_threads(threads);
    setBlasThreads(threads);
    return threads;
}

BlasThreadsScope::BlasThreadsScope(int threads)
    : m_previous(blasThreads()) {
    if (m_previous > 0 && m_previous != threads) setBlasThreads(threads);
}

BlasThreadsScope::~BlasThreadsScope() {
    if (m_previous > 0) setBlasThreads(m_previous);
}

std::mutex& defaultGeneratorMutex() {
    static std::mutex mutex;
    return mutex;
}

} // namespace alig::core
