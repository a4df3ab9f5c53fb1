#include "core/optim/schedule_free.h"

#include "core/optim/optim_support.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace alig::core {

using namespace optim_detail;

ScheduleFreeOptions::ScheduleFreeOptions(double lr, ScheduleFreeBase base)
    : lr_(lr)
    , base_(base) {}

void ScheduleFreeOptions::validate() const {
    if (!(lr_ > 0.0) || std::isinf(lr_)) throw Error("lr: must be > 0, got " + formatNumber(lr_));
    if (!(beta1_ >= 0.0 && beta1_ < 1.0))
        throw Error("beta1: must be in [0, 1), got " + formatNumber(beta1_));
    if (!(beta2_ >= 0.0 && beta2_ < 1.0))
        throw Error("beta2: must be in [0, 1), got " + formatNumber(beta2_));
    if (!(eps_ >= 0.0) || std::isinf(eps_))
        throw Error("eps: must be >= 0, got " + formatNumber(eps_));
    if (!(weight_decay_ >= 0.0) || std::isinf(weight_decay_))
        throw Error("weight_decay: must be >= 0, got " + formatNumber(weight_decay_));
    if (warmup_steps_ < 0)
        throw Error("warmup_steps: must be >= 0, got " + std::to_string(warmup_steps_));
    if (!std::isfinite(r_) || r_ < 0.0) throw Error("r: must be >= 0, got " + formatNumber(r_));
    if (!std::isfinite(weight_lr_power_) || weight_lr_power_ < 0.0)
        throw Error("weight_lr_power: must be >= 0, got " + formatNumber(weight_lr_power_));
}

void ScheduleFreeOptions::serialize(torch::serialize::OutputArchive& archive) const {
    archive.write("lr", c10::IValue(lr_));
    archive.write("beta1", c10::IValue(beta1_));
    archive.write("beta2", c10::IValue(beta2_));
    archive.write("eps", c10::IValue(eps_));
    archive.write("weight_decay", c10::IValue(weight_decay_));
    archive.write("warmup_steps", c10::IValue(warmup_steps_));
    archive.write("r", c10::IValue(r_));
    archive.write("weight_lr_power", c10::IValue(weight_lr_power_));
    archive.write("adamw", c10::IValue(base_ == ScheduleFreeBase::AdamW));
}

void ScheduleFreeOptions::serialize(torch::serialize::InputArchive& archive) {
    lr_ = readDouble(archive, "lr");
    beta1_ = readDouble(archive, "beta1");
    beta2_ = readDouble(archive, "beta2");
    eps_ = readDouble(archive, "eps");
    weight_decay_ = readDouble(archive, "weight_decay");
    warmup_steps_ = readInt(archive, "warmup_steps");
    r_ = readDouble(archive, "r");
    weight_lr_power_ = readDouble(archive, "weight_lr_power");
    base_ = readBool(archive, "adamw") ? ScheduleFreeBase::AdamW : ScheduleFreeBase::Sgd;
}

ScheduleFree::ScheduleFree(std::vector<torch::optim::OptimizerParamGroup> paramGroups,
                           ScheduleFreeOptions defaults)
    : Optimizer(std::move(paramGroups), std::make_unique<ScheduleFreeOptions>(defaults)) {
    defaults.validate();
    validateGroups<ScheduleFreeOptions>(param_groups_);
    m_lrMax.assign(param_groups_.size(), -1.0);
    m_weightSum.assign(param_groups_.size(), 0.0);
}

ScheduleFree::ScheduleFree(std::vector<torch::Tensor> params, ScheduleFreeOptions defaults)
    : ScheduleFree({torch::optim::OptimizerParamGroup(std::move(params))}, std::move(defaults)) {}

torch::Tensor ScheduleFree::step(LossClosure closure) {
    if (m_evalMode)
        throw Error("Schedule-Free: step() while the parameters hold the evaluation weights x "
                    "(swap back to the training weights first)");
    torch::NoGradGuard noGrad;
    torch::Tensor loss;
    if (closure) {
        torch::AutoGradMode enableGrad(true);
        loss = closure();
    }
    const auto& global = static_cast<const ScheduleFreeOptions&>(defaults());
    const bool adamw = global.base() == ScheduleFreeBase::AdamW;
    const double k = static_cast<double>(m_k);
    double lrSum = 0.0;
    for (size_t g = 0; g < param_groups_.size(); ++g) {
        auto& group = param_groups_[g];
        const auto& o = static_cast<const ScheduleFreeOptions&>(group.options());
        const double sched = m_k < global.warmup_steps()
                                 ? (k + 1.0) / static_cast<double>(global.warmup_steps())
                                 : 1.0;
        double lr = o.lr() * sched;
        if (adamw) lr *= std::sqrt(1.0 - std::pow(global.beta2(), k + 1.0));
        m_lrMax[g] = std::max(m_lrMax[g], lr);
        const double weight =
            std::pow(k + 1.0, global.r()) * std::pow(m_lrMax[g], global.weight_lr_power());
        m_weightSum[g] += weight;
        const double c = m_weightSum[g] > 0.0 ? weight / m_weightSum[g] : 0.0;
        if (g == 0) m_lastWeight = c;
        lrSum += lr;
        const double b1 = global.beta1(), wd = global.weight_decay();
        for (auto& p : group.params()) {
            if (!p.grad().defined()) continue;
            NamedParamState& s = namedState(*this, p);
            if (!s.has("z")) {
                s["z"] = p.detach().clone();
                s["x"] = p.detach().clone();
                s["y"] = p.detach().clone();
                if (adamw) s["exp_avg_sq"] = torch::zeros_like(p);
            }
            torch::Tensor &z = s["z"], &x = s["x"], &y = s["y"];
            const torch::Tensor& grad = p.grad();
            if (adamw) {
                if (wd != 0.0) z.sub_(y, lr * wd);
                torch::Tensor& v = s["exp_avg_sq"];
                v.mul_(global.beta2()).addcmul_(grad, grad, 1.0 - global.beta2());
                z.addcdiv_(grad, v.sqrt().add_(global.eps()), -lr);
            } else {
                z.sub_(wd != 0.0 ? grad.add(y, wd) : grad, lr);
            }
            x.mul_(1.0 - c).add_(z, c);
            y.copy_(x * b1 + z * (1.0 - b1));
            p.copy_(y);
        }
    }
    ++m_k;
    m_stepSize = scalarLike(lrSum / static_cast<double>(param_groups_.size()), firstParam(*this));
    return loss;
}

StepReport ScheduleFree::lastStepReport() const {
    StepReport r;
    r.stepSize = m_stepSize;
    r.unclipped = m_stepSize;
    if (m_stepSize.defined())
        r.extras.emplace_back("averaging_weight", scalarLike(m_lastWeight, m_stepSize));
    return r;
}

void ScheduleFree::copyInto(const char* name) {
    torch::NoGradGuard noGrad;
    for (auto& group : param_groups_)
        for (auto& p : group.params()) {
            NamedParamState& s = namedState(*this, p);
            if (s.has(name)) p.copy_(s[name]);
        }
}

void ScheduleFree::swapToEvalWeights() {
    if (m_evalMode) return;
    copyInto("x");
    m_evalMode = true;
}

void ScheduleFree::swapToTrainWeights() {
    if (!m_evalMode) return;
    copyInto("y");
    m_evalMode = false;
}

void ScheduleFree::save(torch::serialize::OutputArchive& archive) const {
    saveGroups<ScheduleFreeOptions>(*this, "schedule_free", archive);
    archive.write("k", c10::IValue(m_k));
    archive.write("eval_mode", c10::IValue(m_evalMode));
    archive.write("last_weight", c10::IValue(m_lastWeight));
    for (size_t g = 0; g < m_lrMax.size(); ++g) {
        archive.write("lr_max_" + std::to_string(g), c10::IValue(m_lrMax[g]));
        archive.write("weight_sum_" + std::to_string(g), c10::IValue(m_weightSum[g]));
    }
}

void ScheduleFree::load(torch::serialize::InputArchive& archive) {
    loadGroups<ScheduleFreeOptions, NamedParamState>(*this, "schedule_free", "Schedule-Free",
                                                     archive);
    m_k = readInt(archive, "k");
    m_evalMode = readBool(archive, "eval_mode");
    m_lastWeight = readDouble(archive, "last_weight");
    for (size_t g = 0; g < m_lrMax.size(); ++g) {
        m_lrMax[g] = readDouble(archive, "lr_max_" + std::to_string(g));
        m_weightSum[g] = readDouble(archive, "weight_sum_" + std::to_string(g));
    }
}

} // namespace alig::core
