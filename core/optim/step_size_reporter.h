#pragma once
// What an adaptive-step optimizer reports of its last step(), for the training loop's metrics,
// the plots and the step anatomy. ALI-G, SPS_max, the Polyak step, L4 and DFW implement it;
// optimizers with a fixed learning rate (SGD, the Adam family, Yogi) do not: their step is the
// group's lr. The training loop reads every optimizer through StepReadout
// (core/optim/optimizer_catalogue.h), never by casting to a particular one.

#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

namespace alig::core {

// One step's numbers as 0-dim tensors on the parameters' device (so that a loop on CUDA can
// read them back in batches); undefined: the method does not report it.
struct StepReport {
    torch::Tensor gradSquaredNorm;     // ||g||^2 over every parameter with a gradient
    torch::Tensor stepSize;            // the step taken (mean over parameter groups)
    torch::Tensor unclipped;           // the step before its cap (ALI-G: loss / (||g||^2 + eps))
    torch::Tensor clipped;             // bool: the cap cut the step
    torch::Tensor moveSquaredNorm;     // ||w_new - w_old||^2, when measuresMove() was true
    torch::Tensor momentumSquaredNorm; // ||momentum term||^2, when the method measured it
    // The method's own quantities beyond the step, by name, each a 0-dim tensor (Prodigy's d
    // and d_hat, MoMo's lower bound, DoG's rbar, Schedule-Free's averaging weight...): what a
    // front end may offer as extra series. Names are snake_case and stable per method.
    std::vector<std::pair<std::string, torch::Tensor>> extras;
};

class StepSizeReporter {
public:
    virtual ~StepSizeReporter() = default;

    // The step of the last step() (the mean over parameter groups when they differ), as a
    // 0-dim tensor on the parameters' device; undefined before the first step.
    virtual torch::Tensor lastStepSizeTensor() const = 0;

    // Host copy of lastStepSizeTensor() (synchronises with the device); 0 before any step.
    virtual double lastStepSize() const {
        const torch::Tensor t = lastStepSizeTensor();
        return t.defined() ? t.item<double>() : 0.0;
    }

    // Everything the last step reports; by default the step, which is also its unclipped one.
    virtual StepReport lastStepReport() const {
        StepReport r;
        r.stepSize = lastStepSizeTensor();
        r.unclipped = r.stepSize;
        return r;
    }
    // Whether lastStepReport() has ||g||^2 (otherwise the training loop computes it).
    virtual bool reportsGradSquaredNorm() const { return false; }
    // Whether the next step() measures ||w_new - w_old||^2 itself (StepReport::moveSquaredNorm),
    // so that a training loop can skip its own copy of the weights.
    virtual bool measuresMove() const { return false; }
    // Whether a momentum term moves the weights besides step * g (the step anatomy shows it).
    virtual bool hasMomentumTerm() const { return false; }
    // Whether the groups' lr is a cap on the chosen step (max_lr, DFW's eta), which the metrics
    // record as max_lr; L4's lr is its fraction alpha, not a cap.
    virtual bool lrIsStepCap() const { return true; }
};

} // namespace alig::core
