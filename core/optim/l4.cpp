#include "core/optim/l4.h"

#include "core/optim/optim_support.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <torch/torch.h>

#include <cmath>

namespace alig::core {

using namespace optim_detail;

L4Options::L4Options(double alpha)
    : alpha_(alpha) {}

void L4Options::validate() const {
    if (!(alpha_ > 0.0) || std::isinf(alpha_))
        throw Error("alpha: must be > 0 and finite, got " + formatNumber(alpha_));
    if (!(gamma_ >= 0.0 && gamma_ <= 1.0))
        throw Error("gamma: must be in [0, 1], got " + formatNumber(gamma_));
    if (!(init_factor_ >= 0.0 && init_factor_ <= 1.0))
        throw Error("init_factor: must be in [0, 1], got " + formatNumber(init_factor_));
    if (!(forget_time_ > 0.0))
        throw Error("forget_time: must be > 0, got " + formatNumber(forget_time_));
    if (!(eps_ >= 0.0) || std::isinf(eps_))
        throw Error("eps: must be >= 0 and finite, got " + formatNumber(eps_));
    if (!(beta1_ >= 0.0 && beta1_ < 1.0))
        throw Error("beta1: must be in [0, 1), got " + formatNumber(beta1_));
    if (!(beta2_ >= 0.0 && beta2_ < 1.0))
        throw Error("beta2: must be in [0, 1), got " + formatNumber(beta2_));
    if (!(adam_eps_ > 0.0) || std::isinf(adam_eps_))
        throw Error("adam_eps: must be > 0 and finite, got " + formatNumber(adam_eps_));
}

void L4Options::serialize(torch::serialize::OutputArchive& archive) const {
    archive.write("alpha", c10::IValue(alpha_));
    archive.write("gamma", c10::IValue(gamma_));
    archive.write("init_factor", c10::IValue(init_factor_));
    archive.write("forget_time", c10::IValue(forget_time_));
    archive.write("eps", c10::IValue(eps_));
    archive.write("adam_direction", c10::IValue(direction_ == L4Direction::Adam));
    archive.write("beta1", c10::IValue(beta1_));
    archive.write("beta2", c10::IValue(beta2_));
    archive.write("adam_eps", c10::IValue(adam_eps_));
}

void L4Options::serialize(torch::serialize::InputArchive& archive) {
    alpha_ = readDouble(archive, "alpha");
    gamma_ = readDouble(archive, "gamma");
    init_factor_ = readDouble(archive, "init_factor");
    forget_time_ = readDouble(archive, "forget_time");
    eps_ = readDouble(archive, "eps");
    direction_ = readBool(archive, "adam_direction") ? L4Direction::Adam : L4Direction::Momentum;
    beta1_ = readDouble(archive, "beta1");
    beta2_ = readDouble(archive, "beta2");
    adam_eps_ = readDouble(archive, "adam_eps");
}

void L4ParamState::serialize(torch::serialize::OutputArchive& archive) const {
    archive.write("exp_avg", exp_avg_, /*is_buffer=*/true);
    if (exp_avg_sq_.defined()) archive.write("exp_avg_sq", exp_avg_sq_, /*is_buffer=*/true);
}

void L4ParamState::serialize(torch::serialize::InputArchive& archive) {
    archive.read("exp_avg", exp_avg_, /*is_buffer=*/true);
    torch::Tensor sq;
    if (archive.try_read("exp_avg_sq", sq, /*is_buffer=*/true)) exp_avg_sq_ = sq;
}

void L4ParamState::matchTo(const torch::Tensor& param, const std::string& what) {
    exp_avg_ = matchParam(exp_avg_, param, what + ": exp_avg");
    exp_avg_sq_ = matchParam(exp_avg_sq_, param, what + ": exp_avg_sq");
}

L4::L4(std::vector<torch::optim::OptimizerParamGroup> paramGroups, L4Options defaults)
    : Optimizer(std::move(paramGroups), std::make_unique<L4Options>(defaults)) {
    static_cast<const L4Options&>(this->defaults()).validate();
    validateGroups<L4Options>(param_groups_);
}

L4::L4(std::vector<torch::Tensor> params, L4Options defaults)
    : L4({torch::optim::OptimizerParamGroup(std::move(params))}, std::move(defaults)) {}

torch::Tensor L4::step(LossClosure closure) {
    torch::NoGradGuard noGrad;
    const torch::Tensor loss = closureLoss(closure, "L4");
    const auto& o = static_cast<const L4Options&>(defaults());
    const bool adam = o.direction() == L4Direction::Adam;
    const double t = static_cast<double>(m_step + 1);
    const double bias1 = 1.0 - std::pow(o.beta1(), t);
    const double bias2 = 1.0 - std::pow(o.beta2(), t);

    // Directions v and the inner product <v, d>, before any parameter moves.
    std::vector<std::vector<torch::Tensor>> directions(param_groups_.size());
    std::vector<torch::Tensor> products;
    for (size_t g = 0; g < param_groups_.size(); ++g) {
        for (auto& p : param_groups_[g].params()) {
            if (!p.grad().defined()) {
                directions[g].emplace_back();
                continue;
            }
            const torch::Tensor& grad = p.grad();
            auto key = stateKey(state_, p);
            auto it = state_.find(key);
            if (it == state_.end()) {
                auto s = std::make_unique<L4ParamState>();
                s->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                if (adam) s->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                it = state_.emplace(key, std::move(s)).first;
            }
            auto& s = static_cast<L4ParamState&>(*it->second);
            s.exp_avg().mul_(o.beta1()).add_(grad, 1.0 - o.beta1());
            const torch::Tensor d = s.exp_avg() / bias1;
            torch::Tensor v = d;
            if (adam) {
                if (!s.exp_avg_sq().defined())
                    s.exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                s.exp_avg_sq().mul_(o.beta2()).addcmul_(grad, grad, 1.0 - o.beta2());
                v = d / ((s.exp_avg_sq() / bias2).sqrt_().add_(o.adam_eps()));
            }
            products.push_back((v * d).sum().to(torch::kFloat64).reshape({}));
            directions[g].push_back(v);
        }
    }
    const auto scalarOptions = torch::TensorOptions().dtype(torch::kFloat64).device(loss.device());
    torch::Tensor inner = torch::zeros({}, scalarOptions);
    for (const auto& product : products)
        inner = inner + product.to(inner.device());
    const torch::Tensor l = loss.detach().reshape({}).to(scalarOptions);

    m_minLoss = m_step == 0 || !m_minLoss.defined() ? l * o.init_factor()
                                                    : torch::minimum(m_minLoss.to(l.device()), l);
    const torch::Tensor unit = (l - o.gamma() * m_minLoss) / (inner + o.eps());

    torch::Tensor stepSum = torch::zeros({}, scalarOptions);
    for (size_t g = 0; g < param_groups_.size(); ++g) {
        const auto& go = static_cast<const L4Options&>(param_groups_[g].options());
        const torch::Tensor step = unit * go.alpha();
        stepSum = stepSum + step;
        torch::Tensor negStep = -step;
        auto& params = param_groups_[g].params();
        for (size_t i = 0; i < params.size(); ++i) {
            if (!directions[g][i].defined()) continue;
            auto& p = params[i];
            if (negStep.scalar_type() != p.scalar_type() || negStep.device() != p.device())
                negStep = negStep.to(p.options());
            p.addcmul_(directions[g][i], negStep);
        }
    }
    m_stepSize = stepSum / static_cast<double>(param_groups_.size());
    m_minLoss = m_minLoss * (1.0 + 1.0 / o.forget_time());
    ++m_step;
    return loss;
}

void L4::save(torch::serialize::OutputArchive& archive) const {
    saveGroups<L4Options>(*this, "l4", archive);
    archive.write("l4_step", c10::IValue(m_step));
    archive.write("min_loss", c10::IValue(m_minLoss.defined() ? m_minLoss.item<double>() : 0.0));
}

void L4::load(torch::serialize::InputArchive& archive) {
    loadGroups<L4Options, L4ParamState>(*this, "l4", "L4", archive);
    m_step = readInt(archive, "l4_step");
    m_minLoss = m_step > 0 ? torch::tensor(readDouble(archive, "min_loss"), torch::kFloat64)
                           : torch::Tensor();
}

} // namespace alig::core
