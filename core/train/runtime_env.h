#pragma once
// Process-wide settings that must be in the environment before LibTorch's OpenMP runtime and
// OpenBLAS start (both read them only when they load). The programs' launcher (app/launcher)
// sets them and then starts the real program, so LibTorch loads once; a real program started
// without the launcher re-executes itself once instead. Nothing here needs LibTorch.

#include <string>

namespace alig::core {

// What setRuntimeEnvironment() put into the environment.
struct RuntimeEnvironmentChange {
    bool waitPolicy = false; // OMP_WAIT_POLICY was unset and is now PASSIVE
    bool blasKernel = false; // OPENBLAS_CORETYPE was set to a better kernel than OpenBLAS's
    bool any() const { return waitPolicy || blasKernel; }
};

// Sets what is missing from the environment; a value the user set is never overridden:
// - OMP_WAIT_POLICY=PASSIVE. LibTorch's OpenMP threads otherwise spin between parallel
//   regions and fight OpenBLAS's own threads for the cores: on 2 cores an epoch of the
//   default preset took 2.6 s instead of 0.7 s.
// - OPENBLAS_CORETYPE, when the OpenBLAS loaded in this process detected a kernel below the
//   best this CPU supports (blas_kernel.h): Debian 12's OpenBLAS falls back to a generic
//   kernel on CPUs it does not know, about 3 times slower. ALIG_BLAS_DETECTED keeps what it
//   had detected, for the log. Nothing is chosen when no OpenBLAS is loaded.
RuntimeEnvironmentChange setRuntimeEnvironment();

// Marks the environment as prepared (ALIG_RUNTIME_PREPARED), so that the program started
// next does not prepare it again; runtimeEnvironmentPrepared() reads the mark.
void markRuntimeEnvironmentPrepared();
bool runtimeEnvironmentPrepared();

// For a program started without the launcher: unless the environment is marked prepared,
// sets it (setRuntimeEnvironment) and, when that changed anything, re-executes the program
// once with the same arguments. Returns only when no re-execution happened (or it failed).
void prepareRuntimeEnvironment(char** argv);

// The OpenMP wait policy in force ("PASSIVE", "ACTIVE", or "" when unset).
const char* ompWaitPolicy();

// `alig-train --version`'s text: the version, LibTorch's version, the BLAS and its kernel.
std::string trainVersionText();

} // namespace alig::core
