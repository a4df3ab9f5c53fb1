#pragma once
// ALI-G (Berrada, Zisserman, Kumar, ICML 2020): SGD whose step is the Polyak step with
// optimal value 0, clipped at max_lr, plus Nesterov momentum and an L2-ball projection.
// Follows the authors' reference (oval-group/ali-g, alig/th/alig.py) as pinned in
// docs/alig.md; used by the trainer and by anyone who wants ALI-G in their own loop.

#include "core/optim/step_size_reporter.h"

#include <torch/arg.h>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace alig::core {

enum class MomentumForm {
    Standard, // the reference's default: v = mu v - step g;  p += mu v
    Adjusted, // PyTorch-style Nesterov with lr = step: v = mu v - g;  p += step mu v
};

// Per group: max_lr and momentum. The other options are global and read from the
// optimizer's defaults (eps, the momentum form, the projection radius, clip_at_zero).
struct AliGOptions : public torch::optim::OptimizerCloneableOptions<AliGOptions> {
    AliGOptions(std::optional<double> maxLr = std::nullopt); // NOLINT: implicit like SGDOptions
    TORCH_ARG(std::optional<double>, max_lr);
    TORCH_ARG(double, momentum) = 0.0;
    TORCH_ARG(double, eps) = 1e-5;
    TORCH_ARG(MomentumForm, momentum_form) = MomentumForm::Standard;
    TORCH_ARG(std::optional<double>, projection_radius);
    TORCH_ARG(bool, clip_at_zero) = false;
    // Use the fused loops (core/optim/fused_cpu.h) where they apply; off: LibTorch ops only.
    // An implementation choice, not saved with the optimizer: both give the same step.
    TORCH_ARG(bool, fused) = true;

public:
    void serialize(torch::serialize::InputArchive& archive) override;
    void serialize(torch::serialize::OutputArchive& archive) const override;
    // The learning rate a scheduler sees is max_lr (infinity when there is none).
    double get_lr() const override;
    void set_lr(const double lr) override;

    // Throws alig::core::Error naming the option and the value when out of range.
    void validate() const;
};

struct AliGParamState : public torch::optim::OptimizerCloneableParamState<AliGParamState> {
    TORCH_ARG(torch::Tensor, momentum_buffer);

public:
    void serialize(torch::serialize::InputArchive& archive) override;
    void serialize(torch::serialize::OutputArchive& archive) const override;
    // Checks a loaded buffer against its parameter and moves it there (throws Error).
    void matchTo(const torch::Tensor& param, const std::string& what);
};

// What one step computed, as 0-dim tensors on the parameters' device, so that a training
// loop on CUDA can read them back in batches instead of synchronising every step.
struct AliGStepStats {
    torch::Tensor loss;            // the closure's value
    torch::Tensor gradSquaredNorm; // ||g||^2 over every parameter with a gradient
    torch::Tensor unclipped;       // loss / (||g||^2 + eps)
    torch::Tensor stepSize;        // the step taken, mean over groups (the reference's step_size)
    torch::Tensor clipped;         // bool: some group's step was cut to its max_lr
    // ||w_new - w_old||^2 over the parameters with a gradient, when measuresMove() was true
    // for the step (measured in the update's own pass); otherwise undefined.
    torch::Tensor moveSquaredNorm;
    // ||momentum term of the move||^2 (mu v, or step mu v in the adjusted form), measured by
    // the fused CPU loops when some group has momentum; otherwise undefined.
    torch::Tensor momentumSquaredNorm;
};

class AliG : public torch::optim::Optimizer, public StepSizeReporter {
public:
    AliG(std::vector<torch::optim::OptimizerParamGroup> paramGroups, AliGOptions defaults = {});
    explicit AliG(std::vector<torch::Tensor> params, AliGOptions defaults = {});

    // The closure returns the mini-batch loss (gradients are already computed); it must not
    // call backward(). Returns the loss.
    torch::Tensor step(LossClosure closure) override;

    // Projects all parameters onto the L2 ball of the configured radius (no-op without one).
    void project();

    const AliGStepStats& lastStats() const { return m_stats; }
    // Whether the next step() will measure ||w_new - w_old||^2 itself (lastStats()): with the
    // fused CPU loops and no projection, once the gradients are in. A training loop can then
    // skip its own copy of the weights.
    bool measuresMove() const override;
    // Some group has momentum (its term is measured for the step anatomy).
    bool hasMomentumTerm() const override;
    // Whether the training loop wants lastStats().momentumSquaredNorm (someone looks at it,
    // the step anatomy); off, the fused CPU loops skip that sum over the momentum buffers.
    void setMomentumTermWanted(bool wanted) { m_measureMomentum = wanted; }
    bool reportsGradSquaredNorm() const override { return true; }
    // lastStats() as the training loop reads every optimizer's step.
    StepReport lastStepReport() const override;
    // Host copies of lastStats() (each synchronises with the device once).
    double lastStepSize() const override;
    torch::Tensor lastStepSizeTensor() const override { return m_stats.stepSize; }
    double lastUnclippedStepSize() const;
    bool lastClipped() const;
    double lastGradSquaredNorm() const;

    const AliGOptions& globalOptions() const;
    AliGOptions& groupOptions(size_t group);

    void save(torch::serialize::OutputArchive& archive) const override;
    void load(torch::serialize::InputArchive& archive) override;

    // ---- Hook: the fused CUDA step (core/optim/alig_fused.*, issue 9) ----------------------
    // When set, step() offers each step to it first; it returns true when it took the whole
    // step and filled `stats`, false to leave the step to the LibTorch code.
    using FusedStep = bool (*)(AliG& optimizer, const torch::Tensor& loss, AliGStepStats& stats);
    static std::atomic<FusedStep> s_fusedStep; // defined in alig_fused.cpp
    torch::Tensor& momentumBuffer(const torch::Tensor& param) {
        return stateFor(param).momentum_buffer();
    }
    // ---- End of hook -----------------------------------------------------------------------

private:
    void init();
    AliGParamState& stateFor(const torch::Tensor& param);
    // Whether every parameter with a gradient suits the fused CPU loops (fused_cpu.h).
    bool fusedCpuApplies() const;
    void fusedCpuStep(const torch::Tensor& loss);
    void tensorStep(const torch::Tensor& loss);
    const std::vector<torch::Tensor>& momentumBuffers();

    AliGStepStats m_stats;

    bool m_measureMomentum = true; // the momentum term, for the step anatomy
    // momentumBuffers()'s cache: per parameter with a gradient, its buffer and its owner.
    std::vector<torch::Tensor> m_buffers;
    std::vector<const void*> m_bufferOwners;
};

} // namespace alig::core
