#pragma once
// Prodigy (Mishchenko and Defazio, "Prodigy: An Expeditiously Adaptive Parameter-Free
// Learner", ICML 2024): Adam whose step is scaled by d, an estimate of the distance from the
// starting weights to a solution that only grows. Written from the paper's Algorithm 3 and the
// authors' defaults (konstmish/prodigy): lr 1, betas 0.9/0.999, beta3 = sqrt(beta2), eps 1e-8,
// d0 1e-6, d_coef 1, no growth limit, decoupled weight decay, no bias correction.
// Built by the optimizer catalogue for optimizer.name "prodigy".

#include "core/optim/step_size_reporter.h"

#include <torch/arg.h>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace alig::core {

// Per group: lr (a factor on d; schedules scale it). The rest is global, read from the
// defaults.
struct ProdigyOptions : public torch::optim::OptimizerCloneableOptions<ProdigyOptions> {
    ProdigyOptions(double lr = 1.0); // NOLINT: implicit like AdamOptions
    TORCH_ARG(double, lr) = 1.0;
    TORCH_ARG(double, beta1) = 0.9;
    TORCH_ARG(double, beta2) = 0.999;
    TORCH_ARG(std::optional<double>, beta3); // none: sqrt(beta2)
    TORCH_ARG(double, eps) = 1e-8;
    TORCH_ARG(double, weight_decay) = 0.0;
    TORCH_ARG(bool, decouple) = true; // AdamW-style decay (false: added to the gradient)
    TORCH_ARG(bool, bias_correction) = false;
    TORCH_ARG(bool, safeguard_warmup) = false; // leave lr out of the denominator's sum
    TORCH_ARG(double, d0) = 1e-6;
    TORCH_ARG(double, d_coef) = 1.0;
    TORCH_ARG(double, growth_rate) = std::numeric_limits<double>::infinity();

public:
    void serialize(torch::serialize::InputArchive& archive) override;
    void serialize(torch::serialize::OutputArchive& archive) const override;
    double get_lr() const override { return lr_; }
    void set_lr(const double lr) override { lr_ = lr; }
    // Throws alig::core::Error naming the option ("d_coef: must be > 0, got -1").
    void validate() const;
};

// One step k = 0, 1, ... with d the estimate so far and lr the largest group lr:
//   dlr = d lr (times sqrt(1 - b2^(k+1)) / (1 - b1^(k+1)) with bias correction)
//   per parameter: m = b1 m + d (1 - b1) g;  v = b2 v + d^2 (1 - b2) g^2
//                  s = b3 s + (d / d0) dlr g   (d instead of dlr with safeguard_warmup)
//   num = b3 num + (d / d0) dlr <g, x0 - x>;  den = sum |s|
//   d_hat = d_coef num / den;  d = max(d, d_hat) while d is still d0
//   d_max = max(d_max, d_hat);  d = min(d_max, d growth_rate)
//   x -= wd dlr x (decoupled);  x -= dlr m / (sqrt(v) + d eps)   (with the new d)
// No step when den is 0 (no gradient yet). It reports dlr, d and d_hat.
class Prodigy : public torch::optim::Optimizer, public StepSizeReporter {
public:
    Prodigy(std::vector<torch::optim::OptimizerParamGroup> paramGroups,
            ProdigyOptions defaults = {});
    explicit Prodigy(std::vector<torch::Tensor> params, ProdigyOptions defaults = {});

    // The closure is optional (its loss is returned when given).
    torch::Tensor step(LossClosure closure = nullptr) override;
    torch::Tensor lastStepSizeTensor() const override { return m_stepSize; }
    StepReport lastStepReport() const override;
    // Its lr multiplies d; it caps nothing.
    bool lrIsStepCap() const override { return false; }

    double d() const { return m_d; }
    double dHat() const { return m_dHat; }

    void save(torch::serialize::OutputArchive& archive) const override;
    void load(torch::serialize::InputArchive& archive) override;

private:
    int64_t m_k = 0;
    double m_d = 0.0, m_dMax = 0.0, m_dHat = 0.0, m_numerator = 0.0;
    torch::Tensor m_stepSize;
};

} // namespace alig::core
