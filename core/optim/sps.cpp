#include "core/optim/sps.h"

#include "core/optim/optim_support.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace alig::core {

using namespace optim_detail;

SpsOptions::SpsOptions(std::optional<double> maxLr)
    : max_lr_(maxLr) {}

void SpsOptions::validate() const {
    if (max_lr_ && (!(*max_lr_ > 0.0) || std::isinf(*max_lr_)))
        throw Error("max_lr: must be > 0, got " + formatNumber(*max_lr_));
    if (!(c_ > 0.0) || std::isinf(c_)) throw Error("c: must be > 0, got " + formatNumber(c_));
    if (!std::isfinite(f_star_))
        throw Error("f_star: must be finite, got " + formatNumber(f_star_));
    if (!(eps_ >= 0.0) || std::isinf(eps_))
        throw Error("eps: must be >= 0 and finite, got " + formatNumber(eps_));
}

double SpsOptions::get_lr() const {
    return max_lr_.value_or(std::numeric_limits<double>::infinity());
}

void SpsOptions::set_lr(const double lr) {
    if (std::isinf(lr))
        max_lr_.reset();
    else
        max_lr_ = lr;
}

void SpsOptions::serialize(torch::serialize::OutputArchive& archive) const {
    writeOptional(archive, "max_lr", max_lr_);
    archive.write("c", c10::IValue(c_));
    archive.write("f_star", c10::IValue(f_star_));
    archive.write("eps", c10::IValue(eps_));
}

void SpsOptions::serialize(torch::serialize::InputArchive& archive) {
    max_lr_ = readOptional(archive, "max_lr");
    c_ = readDouble(archive, "c");
    f_star_ = readDouble(archive, "f_star");
    eps_ = readDouble(archive, "eps");
}

SpsMax::SpsMax(std::vector<torch::optim::OptimizerParamGroup> paramGroups, SpsOptions defaults)
    : Optimizer(std::move(paramGroups), std::make_unique<SpsOptions>(defaults)) {
    static_cast<const SpsOptions&>(this->defaults()).validate();
    for (size_t g = 0; g < param_groups_.size(); ++g) {
        try {
            static_cast<const SpsOptions&>(param_groups_[g].options()).validate();
        } catch (const Error& e) {
            throw Error("param group " + std::to_string(g) + ": " + e.what());
        }
    }
}

SpsMax::SpsMax(std::vector<torch::Tensor> params, SpsOptions defaults)
    : SpsMax({torch::optim::OptimizerParamGroup(std::move(params))}, std::move(defaults)) {}

torch::Tensor SpsMax::step(LossClosure closure) {
    torch::NoGradGuard noGrad;
    const torch::Tensor loss = closureLoss(closure, "SPS");
    const auto& global = static_cast<const SpsOptions&>(defaults());

    const torch::Tensor gsq = groupsGradSquaredNorm(param_groups_, loss);
    const torch::Tensor l = loss.detach().reshape({}).to(gsq.options());

    // The reference takes no step when the loss is below f* or the gradient vanishes.
    torch::Tensor unclipped = (l - global.f_star()) / (global.c() * gsq + global.eps());
    const torch::Tensor skip = (l < global.f_star()).logical_or(gsq.sqrt() < 1e-8);
    unclipped = torch::where(skip, torch::zeros_like(unclipped), unclipped);

    m_stepSize = descendCapped<SpsOptions>(param_groups_, unclipped);
    return loss;
}

void SpsMax::save(torch::serialize::OutputArchive& archive) const {
    saveGroups<SpsOptions>(*this, "sps", archive);
}

void SpsMax::load(torch::serialize::InputArchive& archive) {
    loadGroups<SpsOptions, SpsParamState>(*this, "sps", "SPS", archive);
}

} // namespace alig::core
