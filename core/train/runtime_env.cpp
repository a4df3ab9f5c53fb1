#include "core/train/runtime_env.h"

#include "core/train/blas_kernel.h"
#include "core/train/device.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace alig::core {

namespace {
constexpr const char* kMarker = "ALIG_RUNTIME_PREPARED";
constexpr const char* kDetected = "ALIG_BLAS_DETECTED";
} // namespace

void prepareRuntimeEnvironment(char** argv) {
    if (std::getenv(kMarker)) return;
    bool changed = false;
    if (!std::getenv("OMP_WAIT_POLICY")) {
        setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
        changed = true;
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
            changed = true;
        }
    }
    if (!changed) return;
    setenv(kMarker, "1", 1);
    execv("/proc/self/exe", argv);
    // Still here: exec failed (no /proc?). Run on as we are, and say so truthfully: the
    // kernel OpenBLAS already chose stays.
    unsetenv(kMarker);
    if (std::getenv(kDetected)) {
        unsetenv("OPENBLAS_CORETYPE");
        unsetenv(kDetected);
    }
}

const char* ompWaitPolicy() {
    const char* policy = std::getenv("OMP_WAIT_POLICY");
    return policy ? policy : "";
}

} // namespace alig::core
