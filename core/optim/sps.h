#pragma once
// SPS_max (Loizou, Vaswani, Laradji, Lacoste-Julien, "Stochastic Polyak Step-size for SGD",
// AISTATS 2021): plain SGD whose step is min((l - f*) / (c ||g||^2), max_lr). With c = 1 and
// f* = 0 it is ALI-G without momentum or projection. Follows the authors' reference
// (IssamLaradji/sps, sps/sps.py, adapt_flag "constant"); built for optimizer.name "sps".

#include "core/optim/step_size_reporter.h"

#include <torch/arg.h>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <optional>
#include <string>
#include <vector>

namespace alig::core {

// Per group: max_lr (the paper's gamma_b). Global, read from the defaults: c, f_star, eps.
struct SpsOptions : public torch::optim::OptimizerCloneableOptions<SpsOptions> {
    SpsOptions(std::optional<double> maxLr = std::nullopt); // NOLINT: implicit like AliGOptions
    TORCH_ARG(std::optional<double>, max_lr);
    TORCH_ARG(double, c) = 0.5;      // the paper's recommended constant
    TORCH_ARG(double, f_star) = 0.0; // the optimal mini-batch loss (0 when interpolating)
    TORCH_ARG(double, eps) = 1e-8;

public:
    void serialize(torch::serialize::InputArchive& archive) override;
    void serialize(torch::serialize::OutputArchive& archive) const override;
    // A scheduler scales max_lr (infinity when there is none).
    double get_lr() const override;
    void set_lr(const double lr) override;
    void validate() const;
};

struct SpsParamState : public torch::optim::OptimizerCloneableParamState<SpsParamState> {
public:
    void serialize(torch::serialize::InputArchive&) override {}
    void serialize(torch::serialize::OutputArchive&) const override {}
    void matchTo(const torch::Tensor&, const std::string&) {}
};

// One step, with gsq the squared norm of every gradient of every group:
//   step = 0 when l < f* or ||g|| < 1e-8 (the reference), else
//   step = min((l - f*) / (c gsq + eps), max_lr);   p -= step * g
class SpsMax : public torch::optim::Optimizer, public StepSizeReporter {
public:
    SpsMax(std::vector<torch::optim::OptimizerParamGroup> paramGroups, SpsOptions defaults = {});
    explicit SpsMax(std::vector<torch::Tensor> params, SpsOptions defaults = {});

    // The closure returns the mini-batch loss (gradients are already computed).
    torch::Tensor step(LossClosure closure) override;
    torch::Tensor lastStepSizeTensor() const override { return m_stepSize; }

    void save(torch::serialize::OutputArchive& archive) const override;
    void load(torch::serialize::InputArchive& archive) override;

private:
    torch::Tensor m_stepSize;
};

} // namespace alig::core
