#pragma once
// The Polyak step with a known minimum f* (Polyak, 1987): plain SGD whose step is
// (l - f*) / ||g||^2, optionally capped at max_lr. The classic ancestor of ALI-G and SPS, for
// side-by-side comparison; built by makeOptimizer for optimizer.name "polyak".

#include "core/optim/step_size_reporter.h"

#include <torch/arg.h>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <optional>
#include <string>
#include <vector>

namespace alig::core {

// Per group: max_lr (none: the pure Polyak step). Global, read from the defaults: f_star, eps.
struct PolyakOptions : public torch::optim::OptimizerCloneableOptions<PolyakOptions> {
    PolyakOptions(std::optional<double> maxLr = std::nullopt); // NOLINT: implicit like AliGOptions
    TORCH_ARG(std::optional<double>, max_lr);
    TORCH_ARG(double, f_star) = 0.0; // the minimum of the loss
    TORCH_ARG(double, eps) = 1e-8;

public:
    void serialize(torch::serialize::InputArchive& archive) override;
    void serialize(torch::serialize::OutputArchive& archive) const override;
    // A scheduler scales max_lr (infinity when there is none).
    double get_lr() const override;
    void set_lr(const double lr) override;
    void validate() const;
};

struct PolyakParamState : public torch::optim::OptimizerCloneableParamState<PolyakParamState> {
public:
    void serialize(torch::serialize::InputArchive&) override {}
    void serialize(torch::serialize::OutputArchive&) const override {}
    void matchTo(const torch::Tensor&, const std::string&) {}
};

// One step, with gsq the squared norm of every gradient of every group:
//   step = min(max((l - f*) / (gsq + eps), 0), max_lr);   p -= step * g
// A mini-batch loss below f* would give a step uphill: it gives no step instead.
class PolyakStep : public torch::optim::Optimizer, public StepSizeReporter {
public:
    PolyakStep(std::vector<torch::optim::OptimizerParamGroup> paramGroups,
               PolyakOptions defaults = {});
    explicit PolyakStep(std::vector<torch::Tensor> params, PolyakOptions defaults = {});

    // The closure returns the mini-batch loss (gradients are already computed).
    torch::Tensor step(LossClosure closure) override;
    torch::Tensor lastStepSizeTensor() const override { return m_stepSize; }

    void save(torch::serialize::OutputArchive& archive) const override;
    void load(torch::serialize::InputArchive& archive) override;

private:
    torch::Tensor m_stepSize;
};

} // namespace alig::core
