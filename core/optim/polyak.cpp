#include "core/optim/polyak.h"

#include "core/optim/optim_support.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace alig::core {

using namespace optim_detail;

PolyakOptions::PolyakOptions(std::optional<double> maxLr)
    : max_lr_(maxLr) {}

void PolyakOptions::validate() const {
    if (max_lr_ && (!(*max_lr_ > 0.0) || std::isinf(*max_lr_)))
        throw Error("max_lr: must be > 0, got " + formatNumber(*max_lr_));
    if (!std::isfinite(f_star_))
        throw Error("f_star: must be finite, got " + formatNumber(f_star_));
    if (!(eps_ >= 0.0) || std::isinf(eps_))
        throw Error("eps: must be >= 0 and finite, got " + formatNumber(eps_));
}

double PolyakOptions::get_lr() const {
    return max_lr_.value_or(std::numeric_limits<double>::infinity());
}

void PolyakOptions::set_lr(const double lr) {
    if (std::isinf(lr))
        max_lr_.reset();
    else
        max_lr_ = lr;
}

void PolyakOptions::serialize(torch::serialize::OutputArchive& archive) const {
    writeOptional(archive, "max_lr", max_lr_);
    archive.write("f_star", c10::IValue(f_star_));
    archive.write("eps", c10::IValue(eps_));
}

void PolyakOptions::serialize(torch::serialize::InputArchive& archive) {
    max_lr_ = readOptional(archive, "max_lr");
    f_star_ = readDouble(archive, "f_star");
    eps_ = readDouble(archive, "eps");
}

PolyakStep::PolyakStep(std::vector<torch::optim::OptimizerParamGroup> paramGroups,
                       PolyakOptions defaults)
    : Optimizer(std::move(paramGroups), std::make_unique<PolyakOptions>(defaults)) {
    static_cast<const PolyakOptions&>(this->defaults()).validate();
    for (size_t g = 0; g < param_groups_.size(); ++g) {
        try {
            static_cast<const PolyakOptions&>(param_groups_[g].options()).validate();
        } catch (const Error& e) {
            throw Error("param group " + std::to_string(g) + ": " + e.what());
        }
    }
}

PolyakStep::PolyakStep(std::vector<torch::Tensor> params, PolyakOptions defaults)
    : PolyakStep({torch::optim::OptimizerParamGroup(std::move(params))}, std::move(defaults)) {}

torch::Tensor PolyakStep::step(LossClosure closure) {
    torch::NoGradGuard noGrad;
    const torch::Tensor loss = closureLoss(closure, "The Polyak step");
    const auto& global = static_cast<const PolyakOptions&>(defaults());

    const torch::Tensor gsq = groupsGradSquaredNorm(param_groups_, loss);
    const torch::Tensor l = loss.detach().reshape({}).to(gsq.options());

    const torch::Tensor unclipped = ((l - global.f_star()) / (gsq + global.eps())).clamp_min(0.0);

    m_stepSize = descendCapped<PolyakOptions>(param_groups_, unclipped);
    return loss;
}

void PolyakStep::save(torch::serialize::OutputArchive& archive) const {
    saveGroups<PolyakOptions>(*this, "polyak", archive);
}

void PolyakStep::load(torch::serialize::InputArchive& archive) {
    loadGroups<PolyakOptions, PolyakParamState>(*this, "polyak", "Polyak step", archive);
}

} // namespace alig::core
