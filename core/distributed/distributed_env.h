#pragma once
// Where this process sits in a data-parallel job, read from the variables that torchrun,
// torch.distributed's other launchers and `alig-train --nproc` set (RANK, WORLD_SIZE,
// LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT). No LibTorch here: the CLI reads
// it before it builds anything.

#include <chrono>
#include <optional>
#include <string>

namespace alig::core {

struct DistributedEnv {
    int rank = 0;
    int worldSize = 1;
    int localRank = 0;
    int localWorldSize = 1;
    std::string masterAddr = "127.0.0.1";
    int masterPort = 29500;
    // torchrun (elastic) may host the TCPStore in its agent; then every rank is a client.
    bool agentStore = false;
    // Keys of this attempt in the store, so that a restarted job does not read stale ones.
    std::string storePrefix = "alig/0/";
    // How long a collective (and the rendezvous) may wait for the other ranks.
    std::chrono::seconds timeout{600};

    bool isDistributed() const { return worldSize > 1; }
    bool isLeader() const { return rank == 0; }
    // "rank 1/4"
    std::string label() const;
};

// The job this process belongs to, or nothing when WORLD_SIZE is unset or 1 (and no
// Slurm job step with MASTER_ADDR set says otherwise). Throws alig::core::Error naming
// the variable when a value is missing or out of range.
std::optional<DistributedEnv> distributedEnvFromEnvironment();

// A TCP port on 127.0.0.1 that nothing listened on a moment ago (for --nproc).
int freeLocalPort();

} // namespace alig::core
