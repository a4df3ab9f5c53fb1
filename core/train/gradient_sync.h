#pragma once
// How one step's gradients, loss and correct count become the step's, as a strategy the
// training loop calls without knowing which it has: on one process they are the batch's own
// (LocalSync); in data parallel every rank holds its share of the batch and they are summed
// over the ranks in one all-reduce (DataParallelSync, see docs/distributed.md). The strategy
// also owns what data parallel adds around the steps: rank 0's weights to every rank before
// the first step, the group's stop decision, and the replicas' check after each epoch.

#include <torch/types.h>

#include <memory>
#include <vector>

namespace alig::core {

class Communicator;
class Model;

// This rank's part of one step: its samples' loss and logits (undefined when it has none)
// and how many samples the whole step has.
struct LocalBatch {
    torch::Tensor loss, logits, labels;
    int64_t samples = 0;     // this rank's
    int64_t stepSamples = 0; // all ranks'
};

// The step's loss and correct count after the sync, as tensors on the device.
struct SyncedBatch {
    torch::Tensor loss, correct;
};

class GradientSync {
public:
    virtual ~GradientSync() = default;
    virtual int worldSize() const = 0;
    virtual int rank() const = 0;
    // Before the first step.
    virtual void start(Model& model) = 0;
    // After backward(): makes `params`' gradients, the loss and the correct count the step's.
    // `stopAsked` is this rank's wish to stop; `decide` says whether the group's decision is
    // read back this step (a host synchronisation, done only where every rank looks).
    virtual SyncedBatch sync(const std::vector<torch::Tensor>& params, const LocalBatch& batch,
                             bool stopAsked, bool decide) = 0;
    // Whether the run must stop before its next step, given this process's own stop flag
    // (pause and single steps only apply to a run of one process).
    virtual bool mustStop(bool localStop) const = 0;
    // Whether this process honours pause and single steps.
    virtual bool followsLocalControl() const = 0;
    // After each epoch's steps.
    virtual void endEpoch(Model& model, int64_t epoch) = 0;
    // Whether this process evaluates (the replicas are identical: rank 0 alone).
    bool evaluates() const { return rank() == 0; }
};

std::unique_ptr<GradientSync> makeLocalSync();
// `communicator` is not owned and must outlive the strategy.
std::unique_ptr<GradientSync> makeDataParallelSync(Communicator& communicator,
                                                   torch::Device device);

} // namespace alig::core
