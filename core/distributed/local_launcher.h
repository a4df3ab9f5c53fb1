#pragma once
// `alig-train --nproc N`: starts N copies of this program on this machine as the ranks of
// one data-parallel job (the variables torchrun would set, a free port on 127.0.0.1), waits
// for them, and ends the others when one fails. POSIX only; no LibTorch.

#include <string>
#include <vector>

namespace alig::core {

// Runs `argv` (argv[0]: the program) `nproc` times with RANK, LOCAL_RANK, WORLD_SIZE,
// LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT set. Returns the first non-zero exit
// status (a rank killed by a signal counts as 128 + the signal), or 0 when all succeed.
// SIGINT and SIGTERM are passed on to the ranks. Throws alig::core::Error when a process
// cannot be started.
int launchLocalRanks(const std::vector<std::string>& argv, int nproc);

} // namespace alig::core
