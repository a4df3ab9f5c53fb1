#include "core/optim/polyak.h"

#include "core/optim/optim_support.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace alig::core {

using namespace optim_detail;

namespace {

// The saved layout's tag and the name in errors, as before the two shared one class.
const char* tagOf(PolyakRule rule) {
    return rule == PolyakRule::Sps ? "sps" : "polyak";
}
const char* methodOf(PolyakRule rule) {
    return rule == PolyakRule::Sps ? "SPS" : "Polyak step";
}

} // namespace

PolyakStepOptions::PolyakStepOptions(std::optional<double> maxLr, PolyakRule rule)
    : max_lr_(maxLr)
    , rule_(rule) {}

void PolyakStepOptions::validate() const {
    if (max_lr_ && (!(*max_lr_ > 0.0) || std::isinf(*max_lr_)))
        throw Error("max_lr: must be > 0, got " + formatNumber(*max_lr_));
    if (!(c_ > 0.0) || std::isinf(c_)) throw Error("c: must be > 0, got " + formatNumber(c_));
    if (!std::isfinite(f_star_))
        throw Error("f_star: must be finite, got " + formatNumber(f_star_));
    if (!(eps_ >= 0.0) || std::isinf(eps_))
        throw Error("eps: must be >= 0 and finite, got " + formatNumber(eps_));
}

double PolyakStepOptions::get_lr() const {
    return max_lr_.value_or(std::numeric_limits<double>::infinity());
}

void PolyakStepOptions::set_lr(const double lr) {
    if (std::isinf(lr))
        max_lr_.reset();
    else
        max_lr_ = lr;
}

void PolyakStepOptions::serialize(torch::serialize::OutputArchive& archive) const {
    writeOptional(archive, "max_lr", max_lr_);
    if (rule_ == PolyakRule::Sps) archive.write("c", c10::IValue(c_));
    archive.write("f_star", c10::IValue(f_star_));
    archive.write("eps", c10::IValue(eps_));
}

void PolyakStepOptions::serialize(torch::serialize::InputArchive& archive) {
    max_lr_ = readOptional(archive, "max_lr");
    c10::IValue c;
    // The Polyak step's checkpoints have no c: it is 1.
    c_ = archive.try_read("c", c) ? c.toDouble() : 1.0;
    f_star_ = readDouble(archive, "f_star");
    eps_ = readDouble(archive, "eps");
}

PolyakStepSize::PolyakStepSize(std::vector<torch::optim::OptimizerParamGroup> paramGroups,
                               PolyakStepOptions defaults)
    : Optimizer(std::move(paramGroups), std::make_unique<PolyakStepOptions>(defaults)) {
    static_cast<const PolyakStepOptions&>(this->defaults()).validate();
    validateGroups<PolyakStepOptions>(param_groups_);
}

PolyakRule PolyakStepSize::rule() const {
    return static_cast<const PolyakStepOptions&>(defaults()).rule();
}

torch::Tensor PolyakStepSize::step(LossClosure closure) {
    torch::NoGradGuard noGrad;
    const torch::Tensor loss = closureLoss(closure, methodOf(rule()));
    const auto& global = static_cast<const PolyakStepOptions&>(defaults());

    const torch::Tensor gsq = groupsGradSquaredNorm(param_groups_, loss);
    const torch::Tensor l = loss.detach().reshape({}).to(gsq.options());

    torch::Tensor unclipped = (l - global.f_star()) / (global.c() * gsq + global.eps());
    // The one line the two differ in: SPS's reference also skips a vanishing gradient.
    const torch::Tensor skip = global.rule() == PolyakRule::Sps
                                   ? (l < global.f_star()).logical_or(gsq.sqrt() < 1e-8)
                                   : (l < global.f_star());
    unclipped = torch::where(skip, torch::zeros_like(unclipped), unclipped);

    m_stepSize = descendCapped<PolyakStepOptions>(param_groups_, unclipped);
    return loss;
}

void PolyakStepSize::save(torch::serialize::OutputArchive& archive) const {
    saveGroups<PolyakStepOptions>(*this, tagOf(rule()), archive);
}

void PolyakStepSize::load(torch::serialize::InputArchive& archive) {
    const PolyakRule own = rule();
    loadGroups<PolyakStepOptions, PolyakParamState>(*this, tagOf(own), methodOf(own), archive);
    // The rule is the class's, not the archive's.
    static_cast<PolyakStepOptions&>(defaults()).rule(own);
    for (auto& group : param_groups_)
        static_cast<PolyakStepOptions&>(group.options()).rule(own);
}

} // namespace alig::core
