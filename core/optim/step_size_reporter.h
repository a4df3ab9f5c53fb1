#pragma once
// The step size an adaptive-step optimizer chose in its last step(), for the trainer's metrics
// and plots. ALI-G, SPS_max, the Polyak step, L4 and DFW implement it; optimizers with a fixed
// learning rate (SGD, the Adam family, Yogi) do not: their step is the group's lr.
// Usage: if (auto* r = dynamic_cast<const StepSizeReporter*>(&optimizer)) r->lastStepSize();

#include <torch/types.h>

namespace alig::core {

class StepSizeReporter {
public:
    virtual ~StepSizeReporter() = default;

    // The step of the last step() (the mean over parameter groups when they differ), as a
    // 0-dim tensor on the parameters' device so that a loop on CUDA can read it back in
    // batches; undefined before the first step.
    virtual torch::Tensor lastStepSizeTensor() const = 0;

    // Host copy of lastStepSizeTensor() (synchronises with the device); 0 before any step.
    virtual double lastStepSize() const {
        const torch::Tensor t = lastStepSizeTensor();
        return t.defined() ? t.item<double>() : 0.0;
    }
};

} // namespace alig::core
