#include "core/optim/prodigy.h"

#include "core/optim/optim_support.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace alig::core {

using namespace optim_detail;

ProdigyOptions::ProdigyOptions(double lr)
    : lr_(lr) {}

void ProdigyOptions::validate() const {
    auto positive = [](const char* name, double v) {
        if (!(v > 0.0) || std::isinf(v))
            throw Error(std::string(name) + ": must be > 0, got " + formatNumber(v));
    };
    auto unit = [](const char* name, double v) {
        if (!(v >= 0.0 && v < 1.0))
            throw Error(std::string(name) + ": must be in [0, 1), got " + formatNumber(v));
    };
    positive("lr", lr_);
    unit("beta1", beta1_);
    unit("beta2", beta2_);
    if (beta3_) unit("beta3", *beta3_);
    if (!(eps_ >= 0.0) || std::isinf(eps_))
        throw Error("eps: must be >= 0, got " + formatNumber(eps_));
    if (!(weight_decay_ >= 0.0) || std::isinf(weight_decay_))
        throw Error("weight_decay: must be >= 0, got " + formatNumber(weight_decay_));
    positive("d0", d0_);
    positive("d_coef", d_coef_);
    if (!(growth_rate_ >= 1.0))
        throw Error("growth_rate: must be >= 1, got " + formatNumber(growth_rate_));
}

void ProdigyOptions::serialize(torch::serialize::OutputArchive& archive) const {
    archive.write("lr", c10::IValue(lr_));
    archive.write("beta1", c10::IValue(beta1_));
    archive.write("beta2", c10::IValue(beta2_));
    writeOptional(archive, "beta3", beta3_);
    archive.write("eps", c10::IValue(eps_));
    archive.write("weight_decay", c10::IValue(weight_decay_));
    archive.write("decouple", c10::IValue(decouple_));
    archive.write("bias_correction", c10::IValue(bias_correction_));
    archive.write("safeguard_warmup", c10::IValue(safeguard_warmup_));
    archive.write("d0", c10::IValue(d0_));
    archive.write("d_coef", c10::IValue(d_coef_));
    archive.write("growth_rate", c10::IValue(growth_rate_));
}

void ProdigyOptions::serialize(torch::serialize::InputArchive& archive) {
    lr_ = readDouble(archive, "lr");
    beta1_ = readDouble(archive, "beta1");
    beta2_ = readDouble(archive, "beta2");
    beta3_ = readOptional(archive, "beta3");
    eps_ = readDouble(archive, "eps");
    weight_decay_ = readDouble(archive, "weight_decay");
    decouple_ = readBool(archive, "decouple");
    bias_correction_ = readBool(archive, "bias_correction");
    safeguard_warmup_ = readBool(archive, "safeguard_warmup");
    d0_ = readDouble(archive, "d0");
    d_coef_ = readDouble(archive, "d_coef");
    growth_rate_ = readDouble(archive, "growth_rate");
}

Prodigy::Prodigy(std::vector<torch::optim::OptimizerParamGroup> paramGroups,
                 ProdigyOptions defaults)
    : Optimizer(std::move(paramGroups), std::make_unique<ProdigyOptions>(defaults)) {
    defaults.validate();
    validateGroups<ProdigyOptions>(param_groups_);
    m_d = m_dMax = m_dHat = defaults.d0();
}

Prodigy::Prodigy(std::vector<torch::Tensor> params, ProdigyOptions defaults)
    : Prodigy({torch::optim::OptimizerParamGroup(std::move(params))}, std::move(defaults)) {}

torch::Tensor Prodigy::step(LossClosure closure) {
    torch::NoGradGuard noGrad;
    torch::Tensor loss;
    if (closure) {
        torch::AutoGradMode enableGrad(true);
        loss = closure();
    }
    const auto& o = static_cast<const ProdigyOptions&>(defaults());
    const double b1 = o.beta1(), b2 = o.beta2();
    const double b3 = o.beta3() ? *o.beta3() : std::sqrt(b2);
    double lr = 0.0;
    for (const auto& group : param_groups_)
        lr = std::max(lr, group.options().get_lr());
    const double k = static_cast<double>(m_k);
    const double bias = o.bias_correction()
                            ? std::sqrt(1.0 - std::pow(b2, k + 1)) / (1.0 - std::pow(b1, k + 1))
                            : 1.0;
    const double d = m_d, d0 = o.d0();
    const double dlr = d * lr * bias;

    const torch::Tensor& first = firstParam(*this);
    torch::Tensor numDelta = torch::zeros({}, first.options().dtype(torch::kFloat64));
    torch::Tensor denom = torch::zeros_like(numDelta);
    bool any = false;
    for (auto& group : param_groups_) {
        for (auto& p : group.params()) {
            if (!p.grad().defined()) continue;
            any = true;
            torch::Tensor grad = p.grad();
            if (o.weight_decay() != 0.0 && !o.decouple()) grad = grad.add(p, o.weight_decay());
            NamedParamState& s = namedState(*this, p);
            if (!s.has("s")) {
                s["s"] = torch::zeros_like(p);
                s["p0"] = p.detach().clone();
                s["exp_avg"] = torch::zeros_like(p);
                s["exp_avg_sq"] = torch::zeros_like(p);
            }
            numDelta += (d / d0) * dlr * (grad * (s["p0"] - p)).sum().to(torch::kFloat64);
            s["exp_avg"].mul_(b1).add_(grad, d * (1.0 - b1));
            s["exp_avg_sq"].mul_(b2).addcmul_(grad, grad, d * d * (1.0 - b2));
            s["s"].mul_(b3).add_(grad, (d / d0) * (o.safeguard_warmup() ? d : dlr));
            denom += s["s"].abs().sum().to(torch::kFloat64);
        }
    }
    const double den = any ? denom.item<double>() : 0.0;
    if (den == 0.0) {
        // No gradient has moved s yet: no step, and the estimate's sums stay (the reference).
        m_stepSize = scalarLike(0.0, first);
        return loss;
    }
    m_numerator = b3 * m_numerator + numDelta.item<double>();
    m_dHat = o.d_coef() * m_numerator / den;
    double dNew = d;
    if (d == d0) dNew = std::max(d, m_dHat);
    m_dMax = std::max(m_dMax, m_dHat);
    dNew = std::min(m_dMax, dNew * o.growth_rate());
    m_d = dNew;

    for (auto& group : param_groups_) {
        for (auto& p : group.params()) {
            if (!p.grad().defined()) continue;
            NamedParamState& s = namedState(*this, p);
            const torch::Tensor den2 = s["exp_avg_sq"].sqrt().add_(dNew * o.eps());
            if (o.weight_decay() != 0.0 && o.decouple()) p.mul_(1.0 - o.weight_decay() * dlr);
            p.addcdiv_(s["exp_avg"], den2, -dlr);
        }
    }
    ++m_k;
    m_stepSize = scalarLike(dlr, first);
    return loss;
}

StepReport Prodigy::lastStepReport() const {
    StepReport r;
    r.stepSize = m_stepSize;
    r.unclipped = m_stepSize;
    if (m_stepSize.defined()) {
        r.extras.emplace_back("d", scalarLike(m_d, m_stepSize));
        r.extras.emplace_back("d_hat", scalarLike(m_dHat, m_stepSize));
    }
    return r;
}

void Prodigy::save(torch::serialize::OutputArchive& archive) const {
    saveGroups<ProdigyOptions>(*this, "prodigy", archive);
    archive.write("k", c10::IValue(m_k));
    archive.write("d", c10::IValue(m_d));
    archive.write("d_max", c10::IValue(m_dMax));
    archive.write("d_hat", c10::IValue(m_dHat));
    archive.write("d_numerator", c10::IValue(m_numerator));
}

void Prodigy::load(torch::serialize::InputArchive& archive) {
    loadGroups<ProdigyOptions, NamedParamState>(*this, "prodigy", "Prodigy", archive);
    m_k = readInt(archive, "k");
    m_d = readDouble(archive, "d");
    m_dMax = readDouble(archive, "d_max");
    m_dHat = readDouble(archive, "d_hat");
    m_numerator = readDouble(archive, "d_numerator");
}

} // namespace alig::core
