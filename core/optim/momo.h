#pragma once
// MoMo and MoMo-Adam (Schaipp, Ohana, Eickenberg, Defazio, Gower, "MoMo: Momentum Models for
// Adaptive Learning Rates", ICML 2024): moving averages of the loss, the gradient and <g, w>
// make a model of the loss whose minimum, truncated at a lower bound lb, gives the step
//   tau = min(lr / rho, max(gap, 0) / ||d||^2)
// (||d||^2 in Adam's metric for MoMo-Adam), optionally with the online estimate of lb.
// Written from the paper's Algorithms 1 and 2 with the authors' defaults (fabian-sp/MoMo):
// MoMo lr 1, beta 0.9, lb 0, no bias correction; MoMo-Adam lr 1e-2, betas 0.9/0.999, eps 1e-8,
// proximal weight decay. With beta 0 and lb 0 MoMo is ALI-G without momentum (eps 0).
// Built by the optimizer catalogue for optimizer.name "momo" and "momo_adam".

#include "core/optim/step_size_reporter.h"

#include <torch/arg.h>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <string>
#include <vector>

namespace alig::core {

// Per group: lr (the cap) and weight_decay. The rest is global, read from the defaults.
struct MomoOptions : public torch::optim::OptimizerCloneableOptions<MomoOptions> {
    MomoOptions(double lr = 1.0, bool adam = false); // NOLINT: implicit like AdamOptions
    TORCH_ARG(double, lr) = 1.0;
    TORCH_ARG(double, weight_decay) = 0.0;
    TORCH_ARG(double, beta1) = 0.9;     // MoMo's beta
    TORCH_ARG(double, beta2) = 0.999;   // MoMo-Adam only
    TORCH_ARG(double, eps) = 1e-8;      // MoMo-Adam only
    TORCH_ARG(double, lb) = 0.0;        // the lower bound of the loss (the initial one online)
    TORCH_ARG(bool, online_lb) = false; // the reference's use_fstar
    TORCH_ARG(bool, bias_correction) = false; // MoMo (MoMo-Adam always corrects)
    TORCH_ARG(bool, divide) = true;           // MoMo-Adam's proximal decay (false: AdamW's factor)
    TORCH_ARG(bool, adam) = false;

public:
    void serialize(torch::serialize::InputArchive& archive) override;
    void serialize(torch::serialize::OutputArchive& archive) const override;
    double get_lr() const override { return lr_; }
    void set_lr(const double lr) override { lr_ = lr; }
    void validate() const;
};

// One step n = 1, 2, ... with loss f and gradient g (b = beta1):
//   fbar = b fbar + (1 - b) f;  d = b d + (1 - b) g;  gamma = b gamma + (1 - b) <g, w>
//   (MoMo without bias correction starts fbar, d and gamma at the first f, g and <g, w>;
//   otherwise at 0.) MoMo-Adam also keeps v = b2 v + (1 - b2) g^2, D = sqrt(v / (1 - b2^n)) + eps.
//   rho = 1 - b^n (bias correction; MoMo-Adam always) or 1;  lambda = weight decay
//   gap = (1 + lr lambda)(fbar - rho lb) + <d, w> - (1 + lr lambda) gamma
//   tau = min(lr / rho, max(gap, 0) / ||d||^2)   (||d||^2_{D^-1} = sum d^2 / D for MoMo-Adam)
//   w -= tau d (d / D);  w /= 1 + lr lambda (or w *= 1 - lr lambda first, MoMo-Adam's divide off)
// With online_lb, lb is first lowered when the model's value is below it and then set to
// max(lb0, (fbar + <d, w> - gamma - tau ||d||^2 / 2) / rho), as in the paper's Algorithm 3.
// It reports tau, the model step max(gap, 0)/||d||^2, whether lr/rho capped it, whether the
// lower bound truncated it (gap <= 0) and the bound.
class Momo : public torch::optim::Optimizer, public StepSizeReporter {
public:
    Momo(std::vector<torch::optim::OptimizerParamGroup> paramGroups, MomoOptions defaults = {});
    explicit Momo(std::vector<torch::Tensor> params, MomoOptions defaults = {});

    // The closure returns the mini-batch loss (gradients are already computed).
    torch::Tensor step(LossClosure closure) override;
    torch::Tensor lastStepSizeTensor() const override { return m_stepSize; }
    StepReport lastStepReport() const override;
    bool hasMomentumTerm() const override { return false; }

    double lowerBound() const { return m_lb; }

    void save(torch::serialize::OutputArchive& archive) const override;
    void load(torch::serialize::InputArchive& archive) override;

private:
    int64_t m_n = 0;
    double m_lossAvg = 0.0, m_gamma = 0.0, m_lb = 0.0;
    double m_lastModelStep = 0.0, m_lastCap = 0.0, m_lastBound = 0.0;
    bool m_lastTruncated = false;
    torch::Tensor m_stepSize;
};

} // namespace alig::core
