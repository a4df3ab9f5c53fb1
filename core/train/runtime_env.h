#pragma once
// Process-wide settings that must be in the environment before LibTorch's OpenMP runtime
// starts, so they are applied by re-executing the program once, first thing in main().

namespace alig::core {

// Re-executes the program once with the same arguments (a variable marks the second start)
// when one of these is missing from the environment; a value the user set is never
// overridden:
// - OMP_WAIT_POLICY=PASSIVE. LibTorch's OpenMP threads otherwise spin between parallel
//   regions and fight OpenBLAS's own threads for the cores: on 2 cores an epoch of the
//   default preset took 2.6 s instead of 0.7 s.
// - OPENBLAS_CORETYPE, when OpenBLAS detected a kernel below the best this CPU supports
//   (blas_kernel.h): Debian 12's OpenBLAS falls back to a generic kernel on CPUs it does not
//   know, about 3 times slower. ALIG_BLAS_DETECTED keeps what it had detected, for the log.
// Returns only when no re-execution happened (or it failed).
void prepareRuntimeEnvironment(char** argv);

// The OpenMP wait policy in force ("PASSIVE", "ACTIVE", or "" when unset).
const char* ompWaitPolicy();

} // namespace alig::core
