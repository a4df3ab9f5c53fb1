#include "core/train/runtime_env.h"

#include <unistd.h>

#include <cstdlib>

namespace alig::core {

namespace {
constexpr const char* kMarker = "ALIG_RUNTIME_PREPARED";
}

void prepareRuntimeEnvironment(char** argv) {
    if (std::getenv(kMarker) || std::getenv("OMP_WAIT_POLICY")) return;
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    setenv(kMarker, "1", 1);
    execv("/proc/self/exe", argv);
    // Still here: exec failed (no /proc?). Run on with the spinning default.
}

const char* ompWaitPolicy() {
    const char* policy = std::getenv("OMP_WAIT_POLICY");
    return policy ? policy : "";
}

} // namespace alig::core
