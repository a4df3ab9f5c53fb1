#pragma once
// DoG, "Distance over Gradients" (Ivgi, Hinder, Carmon, "DoG is SGD's Best Friend: A
// Parameter-Free Dynamic Step Size Schedule", ICML 2023): SGD with the step
//   eta_t = lr rbar_t / sqrt(G_t),  rbar_t = max(r_eps, max_{i<=t} ||x_i - x_0||),
//   G_t = eps + sum_{i<=t} ||g_i||^2,   r_eps = reps_rel (1 + ||x_0||),
// and the polynomial-decay iterate average the authors evaluate on (gamma 8):
//   xbar_t = (1 - (1 + gamma) / (t + gamma)) xbar_{t-1} + (1 + gamma) / (t + gamma) x_t.
// Written from the paper with the authors' defaults (formll/dog): lr 1, reps_rel 1e-6,
// eps 1e-8, weight decay (L2, in the gradient) 0; one step over all parameters of a group.
// Evaluation and checkpoints use the average (EvalWeights). Built by the optimizer catalogue
// for optimizer.name "dog".

#include "core/optim/eval_weights.h"
#include "core/optim/step_size_reporter.h"

#include <torch/arg.h>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <optional>
#include <string>
#include <vector>

namespace alig::core {

// Per group: lr (the paper's c). The rest is global, read from the defaults.
struct DogOptions : public torch::optim::OptimizerCloneableOptions<DogOptions> {
    DogOptions(double lr = 1.0); // NOLINT: implicit like AdamOptions
    TORCH_ARG(double, lr) = 1.0;
    TORCH_ARG(double, reps_rel) = 1e-6;
    TORCH_ARG(double, eps) = 1e-8;
    TORCH_ARG(double, weight_decay) = 0.0;
    TORCH_ARG(std::optional<double>, init_eta); // the first step, overriding reps_rel
    TORCH_ARG(bool, average) = true;            // keep the polynomial-decay average
    TORCH_ARG(double, average_gamma) = 8.0;

public:
    void serialize(torch::serialize::InputArchive& archive) override;
    void serialize(torch::serialize::OutputArchive& archive) const override;
    double get_lr() const override { return lr_; }
    void set_lr(const double lr) override { lr_ = lr; }
    void validate() const;
};

// It reports eta (the mean over groups), and the first group's rbar and G.
class Dog : public torch::optim::Optimizer, public StepSizeReporter, public EvalWeights {
public:
    Dog(std::vector<torch::optim::OptimizerParamGroup> paramGroups, DogOptions defaults = {});
    explicit Dog(std::vector<torch::Tensor> params, DogOptions defaults = {});

    // Throws alig::core::Error when the parameters hold the average (swap back first).
    torch::Tensor step(LossClosure closure = nullptr) override;
    torch::Tensor lastStepSizeTensor() const override { return m_stepSize; }
    StepReport lastStepReport() const override;
    bool lrIsStepCap() const override { return false; }

    // The average (when average is on; the weights themselves otherwise).
    void swapToEvalWeights() override;
    void swapToTrainWeights() override;
    bool holdsEvalWeights() const override { return m_evalMode; }
    bool hasOwnEvalWeights() const override {
        return static_cast<const DogOptions&>(defaults()).average();
    }

    void save(torch::serialize::OutputArchive& archive) const override;
    void load(torch::serialize::InputArchive& archive) override;

private:
    int64_t m_t = 0;                 // steps taken
    std::vector<double> m_rbar, m_G; // per group
    bool m_evalMode = false;
    torch::Tensor m_stepSize;
};

} // namespace alig::core
