#include "core/optim/dfw.h"

#include "core/optim/optim_support.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <torch/torch.h>

#include <cmath>

namespace alig::core {

using namespace optim_detail;

DfwOptions::DfwOptions(double eta)
    : eta_(eta) {}

void DfwOptions::validate() const {
    if (!(eta_ > 0.0) || std::isinf(eta_))
        throw Error("eta: must be > 0 and finite, got " + formatNumber(eta_));
    if (!(momentum_ >= 0.0 && momentum_ < 1.0))
        throw Error("momentum: must be in [0, 1), got " + formatNumber(momentum_));
    if (!(weight_decay_ >= 0.0) || std::isinf(weight_decay_))
        throw Error("weight_decay: must be >= 0, got " + formatNumber(weight_decay_));
    if (!(eps_ >= 0.0) || std::isinf(eps_))
        throw Error("eps: must be >= 0 and finite, got " + formatNumber(eps_));
}

void DfwOptions::serialize(torch::serialize::OutputArchive& archive) const {
    archive.write("eta", c10::IValue(eta_));
    archive.write("momentum", c10::IValue(momentum_));
    archive.write("weight_decay", c10::IValue(weight_decay_));
    archive.write("eps", c10::IValue(eps_));
}

void DfwOptions::serialize(torch::serialize::InputArchive& archive) {
    eta_ = readDouble(archive, "eta");
    momentum_ = readDouble(archive, "momentum");
    weight_decay_ = readDouble(archive, "weight_decay");
    eps_ = readDouble(archive, "eps");
}

void DfwParamState::serialize(torch::serialize::OutputArchive& archive) const {
    if (momentum_buffer_.defined())
        archive.write("momentum_buffer", momentum_buffer_, /*is_buffer=*/true);
}

void DfwParamState::serialize(torch::serialize::InputArchive& archive) {
    torch::Tensor buffer;
    if (archive.try_read("momentum_buffer", buffer, /*is_buffer=*/true)) momentum_buffer_ = buffer;
}

void DfwParamState::matchTo(const torch::Tensor& param, const std::string& what) {
    momentum_buffer_ = matchParam(momentum_buffer_, param, what + ": momentum buffer");
}

Dfw::Dfw(std::vector<torch::optim::OptimizerParamGroup> paramGroups, DfwOptions defaults)
    : Optimizer(std::move(paramGroups), std::make_unique<DfwOptions>(defaults)) {
    static_cast<const DfwOptions&>(this->defaults()).validate();
    validateGroups<DfwOptions>(param_groups_);
}

Dfw::Dfw(std::vector<torch::Tensor> params, DfwOptions defaults)
    : Dfw({torch::optim::OptimizerParamGroup(std::move(params))}, std::move(defaults)) {}

torch::Tensor Dfw::step(LossClosure closure) {
    torch::NoGradGuard noGrad;
    const torch::Tensor loss = closureLoss(closure, "DFW");
    const auto& global = static_cast<const DfwOptions&>(defaults());
    const auto scalarOptions = torch::TensorOptions().dtype(torch::kFloat64).device(loss.device());

    // The closed-form line search of the reference's _line_search, on device scalars.
    torch::Tensor num = loss.detach().reshape({}).to(scalarOptions);
    torch::Tensor denom = torch::zeros({}, scalarOptions);
    for (auto& group : param_groups_) {
        const auto& o = static_cast<const DfwOptions&>(group.options());
        for (auto& p : group.params()) {
            if (!p.grad().defined()) continue;
            const torch::Tensor& g = p.grad();
            if (o.weight_decay() != 0.0)
                num = num - (o.eta() * o.weight_decay()) *
                                (g * p).sum().to(torch::kFloat64).to(num.device());
            denom = denom + o.eta() * g.pow(2).sum().to(torch::kFloat64).to(denom.device());
        }
    }
    m_gamma = (num / (denom + global.eps())).clamp(0.0, 1.0);

    torch::Tensor stepSum = torch::zeros({}, scalarOptions);
    for (auto& group : param_groups_) {
        const auto& o = static_cast<const DfwOptions&>(group.options());
        const double eta = o.eta(), mu = o.momentum(), wd = o.weight_decay();
        const torch::Tensor etaGamma = m_gamma * eta;
        stepSum = stepSum + etaGamma;
        torch::Tensor negEtaGamma = -etaGamma;
        for (auto& p : group.params()) {
            if (!p.grad().defined()) continue;
            if (negEtaGamma.scalar_type() != p.scalar_type() || negEtaGamma.device() != p.device())
                negEtaGamma = negEtaGamma.to(p.options());
            const torch::Tensor& g = p.grad();
            const torch::Tensor r = wd != 0.0 ? p * wd : torch::Tensor();
            if (r.defined()) p.sub_(r, eta);
            p.addcmul_(g, negEtaGamma);
            if (mu > 0.0) {
                auto key = stateKey(state_, p);
                auto it = state_.find(key);
                if (it == state_.end()) {
                    auto s = std::make_unique<DfwParamState>();
                    s->momentum_buffer(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                    it = state_.emplace(key, std::move(s)).first;
                }
                torch::Tensor& z = static_cast<DfwParamState&>(*it->second).momentum_buffer();
                z.mul_(mu);
                z.addcmul_(r.defined() ? g + r : g, negEtaGamma);
                p.add_(z, mu);
            }
        }
    }
    m_stepSize = stepSum / static_cast<double>(param_groups_.size());
    return loss;
}

void Dfw::save(torch::serialize::OutputArchive& archive) const {
    saveGroups<DfwOptions>(*this, "dfw", archive);
}

void Dfw::load(torch::serialize::InputArchive& archive) {
    loadGroups<DfwOptions, DfwParamState>(*this, "dfw", "DFW", archive);
}

} // namespace alig::core
