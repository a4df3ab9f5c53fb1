#pragma once
// Yogi (Zaheer, Reddi, Sachan, Kale, Kumar, "Adaptive Methods for Nonconvex Optimization",
// NeurIPS 2018, Algorithm 2): Adam whose second moment moves additively, by
// -(1 - beta2) sign(v - g^2) g^2, so it cannot forget a large gradient too fast. One of the
// ALI-G paper's baselines; built by makeOptimizer for optimizer.name "yogi".

#include <torch/arg.h>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <string>
#include <vector>

namespace alig::core {

// Per group. Defaults are the paper's: lr 1e-2, betas 0.9/0.999, eps 1e-3, v0 = 1e-6.
struct YogiOptions : public torch::optim::OptimizerCloneableOptions<YogiOptions> {
    YogiOptions(double lr = 1e-2); // NOLINT: implicit like AdamOptions
    TORCH_ARG(double, lr) = 1e-2;
    TORCH_ARG(double, beta1) = 0.9;
    TORCH_ARG(double, beta2) = 0.999;
    TORCH_ARG(double, eps) = 1e-3;
    TORCH_ARG(double, initial_accumulator) = 1e-6; // the second moment's starting value
    TORCH_ARG(double, weight_decay) = 0.0;         // L2, added to the gradient as in Adam

public:
    void serialize(torch::serialize::InputArchive& archive) override;
    void serialize(torch::serialize::OutputArchive& archive) const override;
    double get_lr() const override { return lr_; }
    void set_lr(const double lr) override { lr_ = lr; }
    // Throws alig::core::Error naming the option and the value when out of range.
    void validate() const;
};

struct YogiParamState : public torch::optim::OptimizerCloneableParamState<YogiParamState> {
    TORCH_ARG(int64_t, step) = 0;
    TORCH_ARG(torch::Tensor, exp_avg);    // m
    TORCH_ARG(torch::Tensor, exp_avg_sq); // v

public:
    void serialize(torch::serialize::InputArchive& archive) override;
    void serialize(torch::serialize::OutputArchive& archive) const override;
    void matchTo(const torch::Tensor& param, const std::string& what);
};

// Per parameter with a gradient, t counting its steps from 1:
//   g += wd * p;  m = b1 m + (1 - b1) g;  v = v - (1 - b2) sign(v - g^2) g^2
//   p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
// m starts at 0 and v at initial_accumulator. The bias correction is Adam's, as in the
// TensorFlow Addons and torch-optimizer implementations; Algorithm 2 of the paper omits it.
class Yogi : public torch::optim::Optimizer {
public:
    Yogi(std::vector<torch::optim::OptimizerParamGroup> paramGroups, YogiOptions defaults = {});
    explicit Yogi(std::vector<torch::Tensor> params, YogiOptions defaults = {});

    // The closure is optional (its loss is returned when given).
    torch::Tensor step(LossClosure closure = nullptr) override;

    void save(torch::serialize::OutputArchive& archive) const override;
    void load(torch::serialize::InputArchive& archive) override;
};

} // namespace alig::core
