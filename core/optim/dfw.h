#pragma once
// Deep Frank-Wolfe (Berrada, Zisserman, Kumar, "Deep Frank-Wolfe For Neural Network
// Optimization", ICLR 2019): a proximal step with the optimal step size of a linearised,
// piecewise-linear loss (the multi-class hinge loss, training.loss "multiclass_hinge"). With
// weight decay 0 it is ALI-G clipped to [0, eta]. Follows the authors' reference
// (oval-group/dfw, dfw/dfw.py), including its momentum; built for optimizer.name "dfw".

#include "core/optim/step_size_reporter.h"

#include <torch/arg.h>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <string>
#include <vector>

namespace alig::core {

// Per group: eta (the largest step; our config's max_lr), momentum, weight_decay. Global,
// read from the defaults: eps. Defaults are the reference's (momentum 0; the paper trains with
// 0.9).
struct DfwOptions : public torch::optim::OptimizerCloneableOptions<DfwOptions> {
    DfwOptions(double eta = 0.1); // NOLINT: implicit like SGDOptions (the reference requires it)
    TORCH_ARG(double, eta) = 0.1;
    TORCH_ARG(double, momentum) = 0.0;
    TORCH_ARG(double, weight_decay) = 0.0;
    TORCH_ARG(double, eps) = 1e-5;

public:
    void serialize(torch::serialize::InputArchive& archive) override;
    void serialize(torch::serialize::OutputArchive& archive) const override;
    // A scheduler scales eta.
    double get_lr() const override { return eta_; }
    void set_lr(const double lr) override { eta_ = lr; }
    void validate() const;
};

struct DfwParamState : public torch::optim::OptimizerCloneableParamState<DfwParamState> {
    TORCH_ARG(torch::Tensor, momentum_buffer);

public:
    void serialize(torch::serialize::InputArchive& archive) override;
    void serialize(torch::serialize::OutputArchive& archive) const override;
    void matchTo(const torch::Tensor& param, const std::string& what);
};

// One step with loss l (without the regulariser), g the gradients and r = wd * w:
//   gamma = clamp((l - sum eta <g, r>) / (sum eta ||g||^2 + eps), 0, 1)   (the line search)
//   w -= eta (r + gamma g);  with momentum mu: z = mu z - eta gamma (g + r);  w += mu z
// The step reported is eta * gamma (the mean over groups).
class Dfw : public torch::optim::Optimizer, public StepSizeReporter {
public:
    Dfw(std::vector<torch::optim::OptimizerParamGroup> paramGroups, DfwOptions defaults = {});
    explicit Dfw(std::vector<torch::Tensor> params, DfwOptions defaults = {});

    // The closure returns the mini-batch loss (gradients are already computed).
    torch::Tensor step(LossClosure closure) override;
    torch::Tensor lastStepSizeTensor() const override { return m_stepSize; }
    // The line search's gamma in [0, 1] of the last step (device scalar).
    const torch::Tensor& lastGamma() const { return m_gamma; }

    void save(torch::serialize::OutputArchive& archive) const override;
    void load(torch::serialize::InputArchive& archive) override;

private:
    torch::Tensor m_stepSize;
    torch::Tensor m_gamma;
};

} // namespace alig::core
