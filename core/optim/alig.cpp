#include "core/optim/alig.h"

#include "core/optim/fused_cpu.h"
#include "core/optim/grad_norm.h"
#include "core/optim/optim_support.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace alig::core {

using namespace optim_detail;

AliGOptions::AliGOptions(std::optional<double> maxLr)
    : max_lr_(maxLr) {}

void AliGOptions::validate() const {
    if (max_lr_ && !(*max_lr_ > 0.0))
        throw Error("max_lr: must be > 0, got " + formatNumber(*max_lr_));
    if (!(momentum_ >= 0.0 && momentum_ < 1.0))
        throw Error("momentum: must be in [0, 1), got " + formatNumber(momentum_));
    if (!(eps_ >= 0.0) || std::isinf(eps_))
        throw Error("eps: must be >= 0 and finite, got " + formatNumber(eps_));
    if (projection_radius_ && (!(*projection_radius_ > 0.0) || std::isinf(*projection_radius_)))
        throw Error("projection_radius: must be > 0 and finite, got " +
                    formatNumber(*projection_radius_));
}

double AliGOptions::get_lr() const {
    return max_lr_.value_or(std::numeric_limits<double>::infinity());
}

void AliGOptions::set_lr(const double lr) {
    if (std::isinf(lr))
        max_lr_.reset();
    else
        max_lr_ = lr;
}

void AliGOptions::serialize(torch::serialize::OutputArchive& archive) const {
    writeOptional(archive, "max_lr", max_lr_);
    archive.write("momentum", c10::IValue(momentum_));
    archive.write("eps", c10::IValue(eps_));
    archive.write("adjusted_momentum", c10::IValue(momentum_form_ == MomentumForm::Adjusted));
    writeOptional(archive, "projection_radius", projection_radius_);
    archive.write("clip_at_zero", c10::IValue(clip_at_zero_));
}

void AliGOptions::serialize(torch::serialize::InputArchive& archive) {
    max_lr_ = readOptional(archive, "max_lr");
    momentum_ = readDouble(archive, "momentum");
    eps_ = readDouble(archive, "eps");
    c10::IValue v;
    archive.read("adjusted_momentum", v);
    momentum_form_ = v.toBool() ? MomentumForm::Adjusted : MomentumForm::Standard;
    projection_radius_ = readOptional(archive, "projection_radius");
    archive.read("clip_at_zero", v);
    clip_at_zero_ = v.toBool();
}

void AliGParamState::serialize(torch::serialize::OutputArchive& archive) const {
    if (momentum_buffer_.defined())
        archive.write("momentum_buffer", momentum_buffer_, /*is_buffer=*/true);
}

void AliGParamState::serialize(torch::serialize::InputArchive& archive) {
    torch::Tensor buffer;
    if (archive.try_read("momentum_buffer", buffer, /*is_buffer=*/true)) momentum_buffer_ = buffer;
}

void AliGParamState::matchTo(const torch::Tensor& param, const std::string& what) {
    momentum_buffer_ =
        optim_detail::matchParam(momentum_buffer_, param, what + ": momentum buffer");
}

AliG::AliG(std::vector<torch::optim::OptimizerParamGroup> paramGroups, AliGOptions defaults)
    : Optimizer(std::move(paramGroups), std::make_unique<AliGOptions>(defaults)) {
    init();
}

AliG::AliG(std::vector<torch::Tensor> params, AliGOptions defaults)
    : AliG({torch::optim::OptimizerParamGroup(std::move(params))}, std::move(defaults)) {}

void AliG::init() {
    globalOptions().validate();
    validateGroups<AliGOptions>(param_groups_);
    // The reference projects once at construction, so training starts inside the ball.
    project();
}

const AliGOptions& AliG::globalOptions() const {
    return static_cast<const AliGOptions&>(defaults());
}

AliGOptions& AliG::groupOptions(size_t group) {
    return static_cast<AliGOptions&>(param_groups_.at(group).options());
}

AliGParamState& AliG::stateFor(const torch::Tensor& param) {
    auto key = stateKey(state_, param);
    auto it = state_.find(key);
    if (it == state_.end()) {
        auto state = std::make_unique<AliGParamState>();
        state->momentum_buffer(torch::zeros_like(param, torch::MemoryFormat::Preserve));
        it = state_.emplace(key, std::move(state)).first;
    }
    return static_cast<AliGParamState&>(*it->second);
}

torch::Tensor AliG::step(LossClosure closure) {
    torch::NoGradGuard noGrad;
    const torch::Tensor loss = closureLoss(closure, "ALI-G");
    m_stats.moveSquaredNorm = torch::Tensor();
    m_stats.momentumSquaredNorm = torch::Tensor();
    // The fused CUDA step (alig_fused.cpp, when built with CUDA and enabled by the trainer):
    // it takes the step and fills m_stats, or returns false to leave it to the code below.
    if (const FusedStep fusedCuda = s_fusedStep.load();
        fusedCuda && globalOptions().fused() && fusedCuda(*this, loss, m_stats))
        return loss;
    if (loss.device().is_cpu() && fusedCpuApplies())
        fusedCpuStep(loss);
    else
        tensorStep(loss);
    return loss;
}

bool AliG::hasMomentumTerm() const {
    for (const auto& group : param_groups_)
        if (static_cast<const AliGOptions&>(group.options()).momentum() > 0.0) return true;
    return false;
}

StepReport AliG::lastStepReport() const {
    StepReport r;
    r.gradSquaredNorm = m_stats.gradSquaredNorm;
    r.stepSize = m_stats.stepSize;
    r.unclipped = m_stats.unclipped;
    r.clipped = m_stats.clipped;
    r.moveSquaredNorm = m_stats.moveSquaredNorm;
    r.momentumSquaredNorm = m_stats.momentumSquaredNorm;
    return r;
}

bool AliG::measuresMove() const {
    if (globalOptions().projection_radius()) return false;
    bool anyGrad = false;
    for (const auto& group : param_groups_)
        for (const auto& p : group.params())
            anyGrad = anyGrad || p.grad().defined();
    return anyGrad && fusedCpuApplies();
}

bool AliG::fusedCpuApplies() const {
    if (!globalOptions().fused()) return false;
    for (const auto& group : param_groups_)
        for (const auto& p : group.params()) {
            if (!p.grad().defined()) continue;
            if (!fused_cpu::supported(p) || !fused_cpu::supported(p.grad()) ||
                p.grad().scalar_type() != p.scalar_type() || p.grad().numel() != p.numel())
                return false;
        }
    return true;
}

// The momentum buffers of every parameter with a gradient (undefined where the group has no
// momentum), in group order, looked up in state_ once and then reused: the lookup formats a
// string key per parameter, which costs as much as the update of a small layer. load()
// clears the cache; a change of parameters, of gradients or of a group's momentum rebuilds it.
const std::vector<torch::Tensor>& AliG::momentumBuffers() {
    size_t i = 0;
    bool valid = true;
    for (size_t g = 0; g < param_groups_.size() && valid; ++g) {
        const bool wantBuffer = groupOptions(g).momentum() > 0.0;
        for (const auto& p : param_groups_[g].params()) {
            if (!p.grad().defined()) continue;
            valid = valid && i < m_buffers.size() && m_bufferOwners[i] == p.unsafeGetTensorImpl() &&
                    m_buffers[i].defined() == wantBuffer;
            ++i;
        }
    }
    if (valid && i == m_buffers.size()) return m_buffers;
    m_buffers.clear();
    m_bufferOwners.clear();
    for (size_t g = 0; g < param_groups_.size(); ++g) {
        const bool wantBuffer = groupOptions(g).momentum() > 0.0;
        for (const auto& p : param_groups_[g].params()) {
            if (!p.grad().defined()) continue;
            torch::Tensor buffer;
            if (wantBuffer) {
                torch::Tensor& stored = stateFor(p).momentum_buffer();
                if (!fused_cpu::supported(stored) || stored.scalar_type() != p.scalar_type())
                    stored = stored.to(p.options()).contiguous();
                buffer = stored;
            }
            m_buffers.push_back(buffer);
            m_bufferOwners.push_back(p.unsafeGetTensorImpl());
        }
    }
    return m_buffers;
}

// The same five steps as tensorStep(), on the host: on the CPU reading the loss is free, the
// step size is a double, and each parameter is updated in one fused pass.
void AliG::fusedCpuStep(const torch::Tensor& loss) {
    const AliGOptions& global = globalOptions();
    std::vector<torch::Tensor> grads;
    for (const auto& group : param_groups_)
        for (const auto& p : group.params())
            if (p.grad().defined()) grads.push_back(p.grad());
    // Step 1: one global ||g||^2; step 2: the Polyak step with optimal value 0.
    const double gsq = fused_cpu::sumOfSquares(grads);
    const double lossValue = loss.detach().reshape({}).item<double>();
    const double unclipped = lossValue / (gsq + global.eps());

    const std::vector<torch::Tensor>& buffers = momentumBuffers();
    const fused_cpu::Momentum form = global.momentum_form() == MomentumForm::Standard
                                         ? fused_cpu::Momentum::Standard
                                         : fused_cpu::Momentum::Adjusted;
    double stepSum = 0.0, moveSq = 0.0, momentumSq = 0.0;
    bool anyMomentum = false;
    bool clipped = false;
    size_t i = 0;
    for (size_t g = 0; g < param_groups_.size(); ++g) {
        const AliGOptions& options = groupOptions(g);
        // Step 3: clip at the group's max_lr.
        double step = unclipped;
        if (options.max_lr()) {
            step = std::min(unclipped, *options.max_lr());
            clipped = clipped || unclipped > *options.max_lr();
        }
        if (global.clip_at_zero()) step = std::max(step, 0.0);
        stepSum += step;
        // Step 4: the SGD step with the Polyak step size, then Nesterov momentum.
        const double mu = options.momentum();
        // The momentum term of the move: mu v (standard) or step mu v (adjusted).
        const double term = form == fused_cpu::Momentum::Standard ? mu : step * mu;
        anyMomentum = anyMomentum || mu > 0.0;
        for (auto& p : param_groups_[g].params()) {
            if (!p.grad().defined()) continue;
            torch::Tensor buffer = buffers[i++];
            const fused_cpu::Moves moves =
                fused_cpu::update(p, p.grad(), buffer, step, mu,
                                  mu > 0.0 ? form : fused_cpu::Momentum::None, m_measureMomentum);
            moveSq += moves.weights;
            momentumSq += term * term * moves.buffer;
        }
    }
    // Step 5: projection onto the L2 ball, after every group is updated.
    project();

    const auto scalar = torch::TensorOptions().dtype(torch::kFloat64);
    m_stats.loss = torch::scalar_tensor(lossValue, scalar);
    m_stats.gradSquaredNorm = torch::scalar_tensor(gsq, scalar);
    m_stats.unclipped = torch::scalar_tensor(unclipped, scalar);
    m_stats.stepSize =
        torch::scalar_tensor(stepSum / static_cast<double>(param_groups_.size()), scalar);
    m_stats.clipped = torch::scalar_tensor(clipped, scalar.dtype(torch::kBool));
    // The projection moves the weights again: then the update's own measure is not the move.
    m_stats.moveSquaredNorm = globalOptions().projection_radius()
                                  ? torch::Tensor()
                                  : torch::scalar_tensor(moveSq, scalar);
    m_stats.momentumSquaredNorm = anyMomentum && m_measureMomentum
                                      ? torch::scalar_tensor(momentumSq, scalar)
                                      : torch::Tensor();
}

// LibTorch ops throughout, the step size a device tensor: on CUDA no host synchronisation.
void AliG::tensorStep(const torch::Tensor& loss) {
    const AliGOptions& global = globalOptions();

    // Step 1 of docs/alig.md: one global ||g||^2 over every parameter with a gradient.
    const torch::Tensor gsq = groupsGradSquaredNorm(param_groups_, loss);
    const auto scalarOptions = gsq.options();
    const torch::Tensor lossValue = loss.detach().reshape({}).to(scalarOptions);

    // Step 2: the Polyak step with optimal value 0. No lower clip unless clip_at_zero.
    const torch::Tensor unclipped = lossValue / (gsq + global.eps());

    torch::Tensor stepSum = torch::zeros({}, scalarOptions);
    torch::Tensor clipped = torch::zeros({}, scalarOptions.dtype(torch::kBool));
    for (size_t g = 0; g < param_groups_.size(); ++g) {
        auto& group = param_groups_[g];
        const AliGOptions& options = groupOptions(g);
        // Step 3: clip at the group's max_lr.
        torch::Tensor step = unclipped;
        if (options.max_lr()) {
            step = unclipped.clamp_max(*options.max_lr());
            clipped = clipped.logical_or(unclipped > *options.max_lr());
        }
        if (global.clip_at_zero()) step = step.clamp_min(0.0);
        stepSum = stepSum + step;

        const double mu = options.momentum();
        torch::Tensor negStep = -step;
        torch::Tensor stepMu = step * mu;
        for (auto& p : group.params()) {
            if (!p.grad().defined()) continue;
            const torch::Tensor& grad = p.grad();
            if (negStep.scalar_type() != p.scalar_type() || negStep.device() != p.device()) {
                negStep = negStep.to(p.options());
                stepMu = stepMu.to(p.options());
            }
            // Step 4: the SGD step with the Polyak step size, then Nesterov momentum.
            p.addcmul_(grad, negStep);
            if (mu > 0.0) {
                torch::Tensor& buffer = stateFor(p).momentum_buffer();
                if (global.momentum_form() == MomentumForm::Standard) {
                    buffer.mul_(mu).addcmul_(grad, negStep);
                    p.add_(buffer, mu);
                } else {
                    buffer.mul_(mu).sub_(grad);
                    p.addcmul_(buffer, stepMu);
                }
            }
        }
    }
    // Step 5: projection onto the L2 ball, after every group is updated.
    project();

    m_stats.loss = lossValue;
    m_stats.gradSquaredNorm = gsq;
    m_stats.unclipped = unclipped;
    m_stats.stepSize = stepSum / static_cast<double>(param_groups_.size());
    m_stats.clipped = clipped;
    m_stats.moveSquaredNorm = torch::Tensor();
}

void AliG::project() {
    const auto& radius = globalOptions().projection_radius();
    if (!radius) return;
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> params;
    bool onHost = true;
    for (auto& group : param_groups_)
        for (auto& p : group.params()) {
            params.push_back(p);
            onHost = onHost && globalOptions().fused() && fused_cpu::supported(p);
        }
    if (params.empty()) return;
    if (onHost) {
        // On the CPU: the norm in one pass, and no pass at all when inside the ball.
        const double norm = std::sqrt(fused_cpu::sumOfSquares(params));
        if (norm > *radius)
            for (auto& p : params)
                p.mul_(*radius / norm);
        return;
    }
    torch::Tensor sq = squaredNorm(params);
    if (!sq.defined()) return;
    // min(r / ||w||, 1) scales only when ||w|| > r, without a host round trip; a factor of
    // exactly 1 leaves the weights bit for bit as they were.
    const torch::Tensor factor = (*radius / sq.sqrt()).clamp_max(1.0);
    for (auto& p : params)
        p.mul_(factor.to(p.options()));
}

double AliG::lastStepSize() const {
    return m_stats.stepSize.defined() ? m_stats.stepSize.item<double>() : 0.0;
}
double AliG::lastUnclippedStepSize() const {
    return m_stats.unclipped.defined() ? m_stats.unclipped.item<double>() : 0.0;
}
bool AliG::lastClipped() const {
    return m_stats.clipped.defined() && m_stats.clipped.item<bool>();
}
double AliG::lastGradSquaredNorm() const {
    return m_stats.gradSquaredNorm.defined() ? m_stats.gradSquaredNorm.item<double>() : 0.0;
}

void AliG::save(torch::serialize::OutputArchive& archive) const {
    saveGroups<AliGOptions>(*this, "alig", archive);
}

void AliG::load(torch::serialize::InputArchive& archive) {
    m_buffers.clear();
    m_bufferOwners.clear();
    loadGroups<AliGOptions, AliGParamState>(*this, "alig", "ALI-G", archive);
}

} // namespace alig::core
