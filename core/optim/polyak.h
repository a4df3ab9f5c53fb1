#pragma once
// The Polyak-type steps that take plain SGD steps of length (l - f*) / (c ||g||^2), capped at
// max_lr. Two methods share this one implementation and differ in one line (which steps are
// skipped):
// - SPS_max (Loizou, Vaswani, Laradji, Lacoste-Julien, "Stochastic Polyak Step-size for SGD",
//   AISTATS 2021), following the authors' reference (IssamLaradji/sps, sps/sps.py, adapt_flag
//   "constant"): c = 0.5, and no step when l < f* or ||g|| < 1e-8. With c = 1 and f* = 0 it is
//   ALI-G without momentum or projection.
// - The Polyak step with a known minimum f* (Polyak, 1987), the classic ancestor of ALI-G and
//   SPS: c = 1, and a negative gap gives no step.
// - DecSPS (Orvieto, Lacoste-Julien, Loizou, "Dynamics of SGD with Stochastic Polyak Stepsizes:
//   Truly Adaptive Variants and Convergence to Exact Solution", NeurIPS 2022): the decreasing
//   variant, with c_k = c sqrt(k + 1) and the step never larger than the last one scaled by
//   c_{k-1} / c_k:  step_k = min((l - f*) / (c_k ||g||^2 + eps), c_{k-1} step_{k-1} / c_k),
//   c_{-1} step_{-1} = c max_lr (the paper's gamma_b; none: no bound on the first step).
// Built by the optimizer catalogue for optimizer.name "sps", "polyak" and "decsps".

#include "core/optim/step_size_reporter.h"

#include <torch/arg.h>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <optional>
#include <string>
#include <vector>

namespace alig::core {

enum class PolyakRule { Polyak, Sps, DecSps };

// Per group: max_lr (none: no cap). Global, read from the defaults: c, f_star, eps, rule.
struct PolyakStepOptions : public torch::optim::OptimizerCloneableOptions<PolyakStepOptions> {
    // NOLINTNEXTLINE: implicit like AliGOptions
    PolyakStepOptions(std::optional<double> maxLr = std::nullopt,
                      PolyakRule rule = PolyakRule::Polyak);
    TORCH_ARG(std::optional<double>, max_lr);
    TORCH_ARG(double, c) = 1.0;      // SPS's constant (1 for the Polyak step)
    TORCH_ARG(double, f_star) = 0.0; // the optimal mini-batch loss (0 when interpolating)
    TORCH_ARG(double, eps) = 1e-8;
    TORCH_ARG(PolyakRule, rule) = PolyakRule::Polyak;

public:
    void serialize(torch::serialize::InputArchive& archive) override;
    void serialize(torch::serialize::OutputArchive& archive) const override;
    // A scheduler scales max_lr (infinity when there is none).
    double get_lr() const override;
    void set_lr(const double lr) override;
    void validate() const;
};

// SPS's options: the paper's recommended c = 0.5.
struct SpsOptions : public PolyakStepOptions {
    SpsOptions(std::optional<double> maxLr = std::nullopt) // NOLINT: implicit like AliGOptions
        : PolyakStepOptions(maxLr, PolyakRule::Sps) {
        c(0.5);
    }
};
using PolyakOptions = PolyakStepOptions;

struct PolyakParamState : public torch::optim::OptimizerCloneableParamState<PolyakParamState> {
public:
    void serialize(torch::serialize::InputArchive&) override {}
    void serialize(torch::serialize::OutputArchive&) const override {}
    void matchTo(const torch::Tensor&, const std::string&) {}
};

// One step, with gsq the squared norm of every gradient of every group:
//   step = min((l - f*) / (c gsq + eps), max_lr);   p -= step * g
// and step = 0 when l < f* (both) or ||g|| < 1e-8 (SPS's reference).
class PolyakStepSize : public torch::optim::Optimizer, public StepSizeReporter {
public:
    PolyakStepSize(std::vector<torch::optim::OptimizerParamGroup> paramGroups,
                   PolyakStepOptions defaults);

    // The closure returns the mini-batch loss (gradients are already computed).
    torch::Tensor step(LossClosure closure) override;
    torch::Tensor lastStepSizeTensor() const override { return m_stepSize; }
    // DecSPS also reports its ratio, whether its bound cut it, and c_k.
    StepReport lastStepReport() const override;

    void save(torch::serialize::OutputArchive& archive) const override;
    void load(torch::serialize::InputArchive& archive) override;

private:
    PolyakRule rule() const;
    torch::Tensor m_stepSize;
    // DecSPS: steps taken, c_{k-1} step_{k-1} (undefined before the first step), the last
    // ratio and bound.
    int64_t m_k = 0;
    torch::Tensor m_memory, m_ratio, m_bound;
};

// The two methods under their own names (the rule is theirs whatever the options say).
class SpsMax : public PolyakStepSize {
public:
    SpsMax(std::vector<torch::optim::OptimizerParamGroup> paramGroups,
           PolyakStepOptions o = SpsOptions())
        : PolyakStepSize(std::move(paramGroups), o.rule(PolyakRule::Sps)) {}
    explicit SpsMax(std::vector<torch::Tensor> params, PolyakStepOptions o = SpsOptions())
        : SpsMax({torch::optim::OptimizerParamGroup(std::move(params))}, std::move(o)) {}
};

class PolyakStep : public PolyakStepSize {
public:
    PolyakStep(std::vector<torch::optim::OptimizerParamGroup> paramGroups, PolyakStepOptions o = {})
        : PolyakStepSize(std::move(paramGroups), o.rule(PolyakRule::Polyak).c(1.0)) {}
    explicit PolyakStep(std::vector<torch::Tensor> params, PolyakStepOptions o = {})
        : PolyakStep({torch::optim::OptimizerParamGroup(std::move(params))}, std::move(o)) {}
};

// DecSPS: its own rule, and SPS's options (c is c_0, max_lr the first step's bound).
class DecSps : public PolyakStepSize {
public:
    DecSps(std::vector<torch::optim::OptimizerParamGroup> paramGroups,
           PolyakStepOptions o = SpsOptions())
        : PolyakStepSize(std::move(paramGroups), o.rule(PolyakRule::DecSps)) {}
    explicit DecSps(std::vector<torch::Tensor> params, PolyakStepOptions o = SpsOptions())
        : DecSps({torch::optim::OptimizerParamGroup(std::move(params))}, std::move(o)) {}
};

} // namespace alig::core
