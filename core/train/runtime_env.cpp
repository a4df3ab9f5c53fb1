#include "core/train/runtime_env.h"

#include "core/train/blas_kernel.h"

#include <torch/version.h> // macros only: TORCH_VERSION, no LibTorch code
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace alig::core {

namespace {
constexpr const char* kMarker = "ALIG_RUNTIME_PREPARED";
constexpr const char* kDetected = "ALIG_BLAS_DETECTED";
} // namespace

RuntimeEnvironmentChange setRuntimeEnvironment() {
    RuntimeEnvironmentChange change;
    if (!std::getenv("OMP_WAIT_POLICY")) {
        setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
        change.waitPolicy = true;
    }
    if (!std::getenv("OPENBLAS_CORETYPE")) {
        // ALIG_TEST_BLAS_DETECTED stands in for what OpenBLAS detected, so that a test can
        // play a CPU that OpenBLAS does not know; nothing else sets it.
        const char* simulated = std::getenv("ALIG_TEST_BLAS_DETECTED");
        const std::string detected = simulated ? simulated : blasCoreName();
        const std::string better = blasKernelToForce(detected, cpuFeatures());
        if (!better.empty()) {
            setenv("OPENBLAS_CORETYPE", better.c_str(), 1);
            setenv(kDetected, detected.c_str(), 1);
            change.blasKernel = true;
        }
    }
    return change;
}

void markRuntimeEnvironmentPrepared() {
    setenv(kMarker, "1", 1);
}

bool runtimeEnvironmentPrepared() {
    return std::getenv(kMarker) != nullptr;
}

void prepareRuntimeEnvironment(char** argv) {
    if (runtimeEnvironmentPrepared()) return;
    const RuntimeEnvironmentChange change = setRuntimeEnvironment();
    if (!change.any()) return;
    markRuntimeEnvironmentPrepared();
    execv("/proc/self/exe", argv);
    // Still here: exec failed (no /proc?). Run on as we are, and say so truthfully: the
    // kernel OpenBLAS already chose stays.
    unsetenv(kMarker);
    if (change.blasKernel) {
        unsetenv("OPENBLAS_CORETYPE");
        unsetenv(kDetected);
    }
}

const char* ompWaitPolicy() {
    const char* policy = std::getenv("OMP_WAIT_POLICY");
    return policy ? policy : "";
}

std::string trainVersionText() {
    const std::string blas = blasCoreName();
    return std::string("alig-train ") + ALIG_VERSION + " (LibTorch " + TORCH_VERSION +
           (blas.empty() ? ", reference BLAS" : ", OpenBLAS " + blas) +
           (ALIG_DATA_PARALLEL ? ", data parallel" : "") + ")\nBLAS kernel " + blasKernelReport();
}

} // namespace alig::core
