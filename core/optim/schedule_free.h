#pragma once
// Schedule-Free SGD and AdamW (Defazio, Yang, Mehta, Mishchenko, Khaled, Cutkosky, "The Road
// Less Scheduled", NeurIPS 2024): the gradient is taken at y, the base step moves z, and x is
// a weighted average of the z's; y interpolates between x and z. Evaluation and checkpoints
// use x (EvalWeights), and BatchNorm statistics must be recomputed at x before evaluating.
// Written from the paper's Algorithm 1 with the authors' defaults
// (facebookresearch/schedule_free): SGD lr 1, momentum 0.9; AdamW lr 0.0025, betas
// 0.9/0.999, eps 1e-8; no warm-up, r 0, weight_lr_power 2. Built by the optimizer catalogue for
// optimizer.name "sf_sgd" and "sf_adamw".

#include "core/optim/eval_weights.h"
#include "core/optim/step_size_reporter.h"

#include <torch/arg.h>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <string>
#include <vector>

namespace alig::core {

enum class ScheduleFreeBase {
    Sgd,   // z -= lr (g + wd y)
    AdamW, // z -= lr wd y;  z -= lr g / (sqrt(v) + eps), v Adam's second moment
};

// Per group: lr. The rest is global, read from the defaults.
struct ScheduleFreeOptions : public torch::optim::OptimizerCloneableOptions<ScheduleFreeOptions> {
    ScheduleFreeOptions(double lr = 1.0, // NOLINT: implicit like AdamOptions
                        ScheduleFreeBase base = ScheduleFreeBase::Sgd);
    TORCH_ARG(double, lr) = 1.0;
    TORCH_ARG(double, beta1) = 0.9; // the interpolation y = beta1 x + (1 - beta1) z (momentum)
    TORCH_ARG(double, beta2) = 0.999;
    TORCH_ARG(double, eps) = 1e-8;
    TORCH_ARG(double, weight_decay) = 0.0;
    TORCH_ARG(int64_t, warmup_steps) = 0;
    TORCH_ARG(double, r) = 0.0;
    TORCH_ARG(double, weight_lr_power) = 2.0;
    TORCH_ARG(ScheduleFreeBase, base) = ScheduleFreeBase::Sgd;

public:
    void serialize(torch::serialize::InputArchive& archive) override;
    void serialize(torch::serialize::OutputArchive& archive) const override;
    double get_lr() const override { return lr_; }
    void set_lr(const double lr) override { lr_ = lr; }
    void validate() const;
};

// One step k = 0, 1, ..., per group:
//   lr_k = lr min(1, (k+1) / warmup_steps)   (times sqrt(1 - b2^(k+1)) for AdamW)
//   lr_max = max(lr_max, lr_k);  w = (k+1)^r lr_max^weight_lr_power;  W += w;  c = w / W
//   z: the base step at y (above);  x = (1 - c) x + c z;  y = b1 x + (1 - b1) z;  p = y
// It reports lr_k and the averaging weight c.
class ScheduleFree : public torch::optim::Optimizer, public StepSizeReporter, public EvalWeights {
public:
    ScheduleFree(std::vector<torch::optim::OptimizerParamGroup> paramGroups,
                 ScheduleFreeOptions defaults = {});
    explicit ScheduleFree(std::vector<torch::Tensor> params, ScheduleFreeOptions defaults = {});

    // Throws alig::core::Error when the parameters hold x (call swapToTrainWeights first).
    torch::Tensor step(LossClosure closure = nullptr) override;
    torch::Tensor lastStepSizeTensor() const override { return m_stepSize; }
    StepReport lastStepReport() const override;
    bool lrIsStepCap() const override { return false; }

    void swapToEvalWeights() override;
    void swapToTrainWeights() override;
    bool holdsEvalWeights() const override { return m_evalMode; }
    bool recomputesBatchNorm() const override { return true; }

    void save(torch::serialize::OutputArchive& archive) const override;
    void load(torch::serialize::InputArchive& archive) override;

private:
    void copyInto(const char* name);

    int64_t m_k = 0;
    std::vector<double> m_lrMax, m_weightSum; // per group
    double m_lastWeight = 0.0;
    bool m_evalMode = false;
    torch::Tensor m_stepSize;
};

} // namespace alig::core
