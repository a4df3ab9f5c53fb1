#pragma once
// L4 (Rolinek and Martius, "L4: Practical loss-based stepsize adaptation for deep learning",
// NeurIPS 2018): a step along the direction v of Adam or of momentum whose length comes from
// a linearised loss reaching gamma * l_min. Follows the authors' reference
// (martius-lab/l4-optimizer, L4/L4.py, classes L4Adam and L4Mom); built by makeOptimizer for
// optimizer.name "l4adam" and "l4mom".

#include "core/optim/step_size_reporter.h"

#include <torch/arg.h>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <string>
#include <vector>

namespace alig::core {

enum class L4Direction {
    Adam,     // L4Adam: v = Adam's update m^ / (sqrt(s^) + adam_eps)
    Momentum, // L4Mom: v = m^, the bias-corrected moving average of the gradient
};

// Per group: alpha (the reference's `fraction`). The rest is global, read from the defaults.
// Defaults are the reference's: alpha 0.15, gamma 0.9, gamma0 0.75, tau 1000, eps 1e-12,
// moving averages with time scales 10 and 1000 (beta1 0.9, beta2 0.999), Adam's eps 1e-4.
struct L4Options : public torch::optim::OptimizerCloneableOptions<L4Options> {
    L4Options(double alpha = 0.15);          // NOLINT: implicit like AdamOptions
    TORCH_ARG(double, alpha) = 0.15;         // fraction of the "optimal" step
    TORCH_ARG(double, gamma) = 0.9;          // fraction of l_min considered reachable
    TORCH_ARG(double, init_factor) = 0.75;   // l_min starts at init_factor * the first loss
    TORCH_ARG(double, forget_time) = 1000.0; // l_min grows by 1 + 1/forget_time each step
    TORCH_ARG(double, eps) = 1e-12;
    TORCH_ARG(L4Direction, direction) = L4Direction::Adam;
    TORCH_ARG(double, beta1) = 0.9;
    TORCH_ARG(double, beta2) = 0.999;
    TORCH_ARG(double, adam_eps) = 1e-4;

public:
    void serialize(torch::serialize::InputArchive& archive) override;
    void serialize(torch::serialize::OutputArchive& archive) const override;
    // A scheduler scales alpha.
    double get_lr() const override { return alpha_; }
    void set_lr(const double lr) override { alpha_ = lr; }
    void validate() const;
};

struct L4ParamState : public torch::optim::OptimizerCloneableParamState<L4ParamState> {
    TORCH_ARG(torch::Tensor, exp_avg);    // moving average of the gradient
    TORCH_ARG(torch::Tensor, exp_avg_sq); // of its square (Adam direction only)

public:
    void serialize(torch::serialize::InputArchive& archive) override;
    void serialize(torch::serialize::OutputArchive& archive) const override;
    void matchTo(const torch::Tensor& param, const std::string& what);
};

// One step t = 0, 1, ... with loss l (the reference's apply_gradients):
//   l_min = t == 0 ? init_factor * l : min(l_min, l)
//   m = b1 m + (1 - b1) g;  s = b2 s + (1 - b2) g^2;   m^ = m / (1 - b1^(t+1)), s^ likewise
//   d = m^ (the gradient estimate);  v = Adam's m^ / (sqrt(s^) + adam_eps) or m^
//   step = alpha * (l - gamma * l_min) / (<v, d> + eps);  p -= step * v
//   l_min *= 1 + 1 / forget_time
// The reference keeps two moving averages of the gradient, both with time scale 10 by
// default; we keep one with beta1, which is the same when beta1 = 0.9.
class L4 : public torch::optim::Optimizer, public StepSizeReporter {
public:
    L4(std::vector<torch::optim::OptimizerParamGroup> paramGroups, L4Options defaults = {});
    explicit L4(std::vector<torch::Tensor> params, L4Options defaults = {});

    // The closure returns the mini-batch loss (gradients are already computed).
    torch::Tensor step(LossClosure closure) override;
    torch::Tensor lastStepSizeTensor() const override { return m_stepSize; }
    // Its lr is the fraction alpha of the reachable loss decrease, not a cap on the step.
    bool lrIsStepCap() const override { return false; }
    // l_min after the last step's update (device scalar; undefined before the first step).
    const torch::Tensor& minLoss() const { return m_minLoss; }
    int64_t steps() const { return m_step; }

    void save(torch::serialize::OutputArchive& archive) const override;
    void load(torch::serialize::InputArchive& archive) override;

private:
    int64_t m_step = 0;
    torch::Tensor m_minLoss;
    torch::Tensor m_stepSize;
};

} // namespace alig::core
