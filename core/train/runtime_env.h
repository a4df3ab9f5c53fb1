#pragma once
// Process-wide settings that must be in the environment before LibTorch's OpenMP runtime
// starts, so they are applied by re-executing the program once, first thing in main().

namespace alig::core {

// When OMP_WAIT_POLICY is unset, sets it to PASSIVE and re-executes the program with the
// same arguments (once; a variable marks the second start). LibTorch's OpenMP threads
// otherwise spin between parallel regions and fight OpenBLAS's own threads for the cores:
// on 2 cores an epoch of the default preset took 2.6 s instead of 0.7 s. A value the user
// set is never overridden. Returns only when no re-execution happened (or it failed).
void prepareRuntimeEnvironment(char** argv);

// The OpenMP wait policy in force ("PASSIVE", "ACTIVE", or "" when unset).
const char* ompWaitPolicy();

} // namespace alig::core
