#include "core/optim/yogi.h"

#include "core/optim/optim_support.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <torch/torch.h>

#include <cmath>

namespace alig::core {

using namespace optim_detail;

YogiOptions::YogiOptions(double lr)
    : lr_(lr) {}

void YogiOptions::validate() const {
    if (!(lr_ > 0.0) || std::isinf(lr_))
        throw Error("lr: must be > 0 and finite, got " + formatNumber(lr_));
    if (!(beta1_ >= 0.0 && beta1_ < 1.0))
        throw Error("beta1: must be in [0, 1), got " + formatNumber(beta1_));
    if (!(beta2_ >= 0.0 && beta2_ < 1.0))
        throw Error("beta2: must be in [0, 1), got " + formatNumber(beta2_));
    if (!(eps_ > 0.0) || std::isinf(eps_))
        throw Error("eps: must be > 0 and finite, got " + formatNumber(eps_));
    if (!(initial_accumulator_ >= 0.0) || std::isinf(initial_accumulator_))
        throw Error("initial_accumulator: must be >= 0 and finite, got " +
                    formatNumber(initial_accumulator_));
    if (!(weight_decay_ >= 0.0) || std::isinf(weight_decay_))
        throw Error("weight_decay: must be >= 0, got " + formatNumber(weight_decay_));
}

void YogiOptions::serialize(torch::serialize::OutputArchive& archive) const {
    archive.write("lr", c10::IValue(lr_));
    archive.write("beta1", c10::IValue(beta1_));
    archive.write("beta2", c10::IValue(beta2_));
    archive.write("eps", c10::IValue(eps_));
    archive.write("initial_accumulator", c10::IValue(initial_accumulator_));
    archive.write("weight_decay", c10::IValue(weight_decay_));
}

void YogiOptions::serialize(torch::serialize::InputArchive& archive) {
    lr_ = readDouble(archive, "lr");
    beta1_ = readDouble(archive, "beta1");
    beta2_ = readDouble(archive, "beta2");
    eps_ = readDouble(archive, "eps");
    initial_accumulator_ = readDouble(archive, "initial_accumulator");
    weight_decay_ = readDouble(archive, "weight_decay");
}

void YogiParamState::serialize(torch::serialize::OutputArchive& archive) const {
    archive.write("step", c10::IValue(step_));
    archive.write("exp_avg", exp_avg_, /*is_buffer=*/true);
    archive.write("exp_avg_sq", exp_avg_sq_, /*is_buffer=*/true);
}

void YogiParamState::serialize(torch::serialize::InputArchive& archive) {
    step_ = readInt(archive, "step");
    archive.read("exp_avg", exp_avg_, /*is_buffer=*/true);
    archive.read("exp_avg_sq", exp_avg_sq_, /*is_buffer=*/true);
}

void YogiParamState::matchTo(const torch::Tensor& param, const std::string& what) {
    exp_avg_ = matchParam(exp_avg_, param, what + ": exp_avg");
    exp_avg_sq_ = matchParam(exp_avg_sq_, param, what + ": exp_avg_sq");
}

Yogi::Yogi(std::vector<torch::optim::OptimizerParamGroup> paramGroups, YogiOptions defaults)
    : Optimizer(std::move(paramGroups), std::make_unique<YogiOptions>(defaults)) {
    validateGroups<YogiOptions>(param_groups_);
}

Yogi::Yogi(std::vector<torch::Tensor> params, YogiOptions defaults)
    : Yogi({torch::optim::OptimizerParamGroup(std::move(params))}, std::move(defaults)) {}

torch::Tensor Yogi::step(LossClosure closure) {
    torch::NoGradGuard noGrad;
    torch::Tensor loss;
    if (closure) {
        torch::AutoGradMode enableGrad(true);
        loss = closure();
    }
    for (auto& group : param_groups_) {
        const auto& o = static_cast<const YogiOptions&>(group.options());
        for (auto& p : group.params()) {
            if (!p.grad().defined()) continue;
            torch::Tensor grad = p.grad();
            if (o.weight_decay() != 0.0) grad = grad.add(p, o.weight_decay());

            auto key = stateKey(state_, p);
            auto it = state_.find(key);
            if (it == state_.end()) {
                auto s = std::make_unique<YogiParamState>();
                s->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
                s->exp_avg_sq(
                    torch::full_like(p, o.initial_accumulator(), torch::MemoryFormat::Preserve));
                it = state_.emplace(key, std::move(s)).first;
            }
            auto& s = static_cast<YogiParamState&>(*it->second);
            s.step(s.step() + 1);
            const double t = static_cast<double>(s.step());
            const double bias1 = 1.0 - std::pow(o.beta1(), t);
            const double bias2 = 1.0 - std::pow(o.beta2(), t);

            torch::Tensor& m = s.exp_avg();
            torch::Tensor& v = s.exp_avg_sq();
            m.mul_(o.beta1()).add_(grad, 1.0 - o.beta1());
            const torch::Tensor gsq = grad * grad;
            v.addcmul_(torch::sign(v - gsq), gsq, -(1.0 - o.beta2()));
            const torch::Tensor denom = (v / bias2).sqrt_().add_(o.eps());
            p.addcdiv_(m, denom, -o.lr() / bias1);
        }
    }
    return loss;
}

void Yogi::save(torch::serialize::OutputArchive& archive) const {
    saveGroups<YogiOptions>(*this, "yogi", archive);
}

void Yogi::load(torch::serialize::InputArchive& archive) {
    loadGroups<YogiOptions, YogiParamState>(*this, "yogi", "Yogi", archive);
}

} // namespace alig::core
