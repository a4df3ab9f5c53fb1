#pragma once
// One process's handle on a data-parallel group: the few collectives the trainer needs,
// implemented with PyTorch's own distributed engine (c10d: a TCPStore rendezvous and a
// Gloo process group on CPU, NCCL on CUDA). The header keeps c10d out of the engine's
// other files; see docs/distributed.md for how a job is launched.

#include "core/distributed/distributed_env.h"

#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

namespace alig::core {

class Communicator {
public:
    virtual ~Communicator() = default;

    virtual int rank() const = 0;
    virtual int worldSize() const = 0;
    virtual std::string backend() const = 0; // "gloo" or "nccl"

    // In place: every rank's tensors become rank `root`'s.
    virtual void broadcast(std::vector<torch::Tensor>& tensors, int root = 0) = 0;
    // In place: each tensor becomes the sum over ranks. Tensors of one dtype and device are
    // packed into flat buckets of about bucketBytes(), one all-reduce per bucket, all in
    // flight at once; every rank must pass the same list (shapes, dtypes, order).
    virtual void allReduceSum(std::vector<torch::Tensor>& tensors) = 0;
    virtual void barrier() = 0;

    size_t bucketBytes() const { return m_bucketBytes; }
    void setBucketBytes(size_t bytes) { m_bucketBytes = bytes; }

private:
    size_t m_bucketBytes = 25u << 20; // DistributedDataParallel's default bucket size
};

// True when this build has c10d's process groups (Gloo headers were found at build time).
bool distributedSupported();

// Joins the job `env` describes: rendezvous through a TCPStore on MASTER_ADDR:MASTER_PORT
// (rank 0 hosts it unless torchrun's agent does), then a Gloo process group for CPU tensors
// or NCCL for CUDA ones. Throws alig::core::Error when the build lacks the backend or the
// other ranks do not arrive within env.timeout.
std::unique_ptr<Communicator> connectProcessGroup(const DistributedEnv& env,
                                                  const torch::Device& device);

} // namespace alig::core
