#include "core/optim/momo.h"

#include "core/optim/optim_support.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace alig::core {

using namespace optim_detail;

MomoOptions::MomoOptions(double lr, bool adam)
    : lr_(lr)
    , adam_(adam) {}

void MomoOptions::validate() const {
    if (!(lr_ > 0.0) || std::isinf(lr_)) throw Error("lr: must be > 0, got " + formatNumber(lr_));
    if (!(weight_decay_ >= 0.0) || std::isinf(weight_decay_))
        throw Error("weight_decay: must be >= 0, got " + formatNumber(weight_decay_));
    if (!(beta1_ >= 0.0 && beta1_ < 1.0))
        throw Error("beta1: must be in [0, 1), got " + formatNumber(beta1_));
    if (!(beta2_ >= 0.0 && beta2_ < 1.0))
        throw Error("beta2: must be in [0, 1), got " + formatNumber(beta2_));
    if (!(eps_ >= 0.0) || std::isinf(eps_))
        throw Error("eps: must be >= 0, got " + formatNumber(eps_));
    if (!std::isfinite(lb_)) throw Error("momo_lb: must be finite, got " + formatNumber(lb_));
}

void MomoOptions::serialize(torch::serialize::OutputArchive& archive) const {
    archive.write("lr", c10::IValue(lr_));
    archive.write("weight_decay", c10::IValue(weight_decay_));
    archive.write("beta1", c10::IValue(beta1_));
    archive.write("beta2", c10::IValue(beta2_));
    archive.write("eps", c10::IValue(eps_));
    archive.write("lb", c10::IValue(lb_));
    archive.write("online_lb", c10::IValue(online_lb_));
    archive.write("bias_correction", c10::IValue(bias_correction_));
    archive.write("divide", c10::IValue(divide_));
    archive.write("adam", c10::IValue(adam_));
}

void MomoOptions::serialize(torch::serialize::InputArchive& archive) {
    lr_ = readDouble(archive, "lr");
    weight_decay_ = readDouble(archive, "weight_decay");
    beta1_ = readDouble(archive, "beta1");
    beta2_ = readDouble(archive, "beta2");
    eps_ = readDouble(archive, "eps");
    lb_ = readDouble(archive, "lb");
    online_lb_ = readBool(archive, "online_lb");
    bias_correction_ = readBool(archive, "bias_correction");
    divide_ = readBool(archive, "divide");
    adam_ = readBool(archive, "adam");
}

Momo::Momo(std::vector<torch::optim::OptimizerParamGroup> paramGroups, MomoOptions defaults)
    : Optimizer(std::move(paramGroups), std::make_unique<MomoOptions>(defaults)) {
    defaults.validate();
    validateGroups<MomoOptions>(param_groups_);
    m_lb = defaults.lb();
}

Momo::Momo(std::vector<torch::Tensor> params, MomoOptions defaults)
    : Momo({torch::optim::OptimizerParamGroup(std::move(params))}, std::move(defaults)) {}

torch::Tensor Momo::step(LossClosure closure) {
    torch::NoGradGuard noGrad;
    const auto& o = static_cast<const MomoOptions&>(defaults());
    const torch::Tensor loss = closureLoss(closure, o.adam() ? "MoMo-Adam" : "MoMo");
    const double f = loss.item<double>();
    const bool adam = o.adam();
    const bool corrected = adam || o.bias_correction();
    const double b = o.beta1(), b2 = o.beta2();
    ++m_n;
    const double n = static_cast<double>(m_n);
    const double rho = corrected ? 1.0 - std::pow(b, n) : 1.0;
    const double bias2 = 1.0 - std::pow(b2, n);

    const torch::Tensor& first = firstParam(*this);
    const auto sumOptions = first.options().dtype(torch::kFloat64);
    torch::Tensor gradDotW = torch::zeros({}, sumOptions);
    torch::Tensor dot = torch::zeros({}, sumOptions);
    torch::Tensor norm = torch::zeros({}, sumOptions);
    for (auto& group : param_groups_) {
        for (auto& p : group.params()) {
            if (!p.grad().defined()) continue;
            const torch::Tensor& g = p.grad();
            NamedParamState& s = namedState(*this, p);
            if (!s.has("grad_avg")) {
                // MoMo without bias correction starts its average at the first gradient.
                s["grad_avg"] = corrected ? torch::zeros_like(p) : g.detach().clone();
                if (adam) s["grad_avg_sq"] = torch::zeros_like(p);
            }
            torch::Tensor& d = s["grad_avg"];
            d.mul_(b).add_(g, 1.0 - b);
            gradDotW += (p * g).sum().to(torch::kFloat64);
            dot += (p * d).sum().to(torch::kFloat64);
            if (adam) {
                torch::Tensor& v = s["grad_avg_sq"];
                v.mul_(b2).addcmul_(g, g, 1.0 - b2);
                const torch::Tensor D = (v / bias2).sqrt_().add_(o.eps());
                norm += (d * d / D).sum().to(torch::kFloat64);
            } else {
                norm += (d * d).sum().to(torch::kFloat64);
            }
        }
    }
    const double gdw = gradDotW.item<double>();
    if (m_n == 1 && !corrected) {
        m_lossAvg = f;
        m_gamma = gdw;
    }
    m_lossAvg = b * m_lossAvg + (1.0 - b) * f;
    m_gamma = b * m_gamma + (1.0 - b) * gdw;
    const double dotW = dot.item<double>(), dNorm = norm.item<double>();

    double tauSum = 0.0;
    for (auto& group : param_groups_) {
        const auto& go = static_cast<const MomoOptions&>(group.options());
        const double lr = go.lr(), lambda = go.weight_decay();
        const double shrink = 1.0 + lr * lambda;
        if (o.online_lb()) {
            const double cap = shrink * m_lossAvg + dotW - shrink * m_gamma;
            if (cap < shrink * rho * m_lb) m_lb = std::max(cap / (2.0 * shrink * rho), o.lb());
        }
        const double bound = m_lb;
        const double gap = shrink * (m_lossAvg - rho * bound) + dotW - shrink * m_gamma;
        const double modelStep =
            dNorm > 0.0 ? std::max(gap, 0.0) / dNorm : std::numeric_limits<double>::infinity();
        const double tau = std::min(lr / rho, modelStep);
        if (o.online_lb()) {
            const double h = m_lossAvg + dotW - m_gamma;
            m_lb = std::max((h - 0.5 * tau * dNorm) / rho, o.lb());
        }
        if (&group == &param_groups_.front()) {
            m_lastModelStep = modelStep;
            m_lastCap = lr / rho;
            m_lastBound = bound;
            m_lastTruncated = gap <= 0.0;
        }
        tauSum += tau;
        for (auto& p : group.params()) {
            if (!p.grad().defined()) continue;
            NamedParamState& s = namedState(*this, p);
            const torch::Tensor& d = s["grad_avg"];
            if (adam) {
                const torch::Tensor D = (s["grad_avg_sq"] / bias2).sqrt_().add_(o.eps());
                if (lambda > 0.0 && !o.divide()) p.mul_(1.0 - lambda * lr);
                p.addcdiv_(d, D, -tau);
            } else {
                p.add_(d, -tau);
            }
            if (lambda > 0.0 && (!adam || o.divide())) p.div_(shrink);
        }
    }
    m_stepSize = scalarLike(tauSum / static_cast<double>(param_groups_.size()), first);
    return loss;
}

StepReport Momo::lastStepReport() const {
    StepReport r;
    r.stepSize = m_stepSize;
    if (!m_stepSize.defined()) return r;
    r.unclipped = scalarLike(m_lastModelStep, m_stepSize);
    r.clipped = torch::full({}, m_lastModelStep > m_lastCap,
                            torch::TensorOptions(torch::kBool).device(m_stepSize.device()));
    r.extras.emplace_back("truncated", scalarLike(m_lastTruncated ? 1.0 : 0.0, m_stepSize));
    r.extras.emplace_back("lower_bound", scalarLike(m_lastBound, m_stepSize));
    r.extras.emplace_back("cap", scalarLike(m_lastCap, m_stepSize));
    return r;
}

void Momo::save(torch::serialize::OutputArchive& archive) const {
    saveGroups<MomoOptions>(*this, "momo", archive);
    archive.write("n", c10::IValue(m_n));
    archive.write("loss_avg", c10::IValue(m_lossAvg));
    archive.write("grad_dot_w", c10::IValue(m_gamma));
    archive.write("lb_now", c10::IValue(m_lb));
}

void Momo::load(torch::serialize::InputArchive& archive) {
    loadGroups<MomoOptions, NamedParamState>(*this, "momo", "MoMo", archive);
    m_n = readInt(archive, "n");
    m_lossAvg = readDouble(archive, "loss_avg");
    m_gamma = readDouble(archive, "grad_dot_w");
    m_lb = readDouble(archive, "lb_now");
}

} // namespace alig::core
