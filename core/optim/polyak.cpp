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
    return rule == PolyakRule::Sps ? "sps" : rule == PolyakRule::DecSps ? "decsps" : "polyak";
}
const char* methodOf(PolyakRule rule) {
    return rule == PolyakRule::Sps ? "SPS" : rule == PolyakRule::DecSps ? "DecSPS" : "Polyak step";
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
    if (rule_ != PolyakRule::Polyak) archive.write("c", c10::IValue(c_));
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

    const bool decreasing = global.rule() == PolyakRule::DecSps;
    // DecSPS: c_k = c sqrt(k + 1).
    const double c = decreasing ? global.c() * std::sqrt(static_cast<double>(m_k + 1)) : global.c();
    torch::Tensor unclipped = (l - global.f_star()) / (c * gsq + global.eps());
    // The one line the first two differ in: SPS's reference (and DecSPS, on its code) also
    // skips a vanishing gradient.
    const torch::Tensor skip = global.rule() != PolyakRule::Polyak
                                   ? (l < global.f_star()).logical_or(gsq.sqrt() < 1e-8)
                                   : (l < global.f_star());
    unclipped = torch::where(skip, torch::zeros_like(unclipped), unclipped);

    if (decreasing) {
        // The bound c_{k-1} step_{k-1} / c_k; before the first step c max_lr / c (or none).
        if (!m_memory.defined()) {
            const auto& first = static_cast<const PolyakStepOptions&>(param_groups_[0].options());
            const double start = first.max_lr() ? global.c() * *first.max_lr()
                                                : std::numeric_limits<double>::infinity();
            m_memory = torch::full({}, start, unclipped.options());
        }
        m_ratio = unclipped;
        m_bound = m_memory.to(unclipped.options()) / c;
        const torch::Tensor step = torch::minimum(unclipped, m_bound);
        // A skipped step keeps the bound where it was (a zero would stop every later step).
        m_memory = torch::where(skip, m_memory.to(unclipped.options()), step * c);
        ++m_k;
        m_stepSize = descendCapped<PolyakStepOptions>(param_groups_, step);
        return loss;
    }
    m_stepSize = descendCapped<PolyakStepOptions>(param_groups_, unclipped);
    return loss;
}

StepReport PolyakStepSize::lastStepReport() const {
    StepReport r = StepSizeReporter::lastStepReport();
    if (rule() != PolyakRule::DecSps || !m_ratio.defined()) return r;
    r.unclipped = m_ratio;
    r.clipped = m_ratio > m_bound;
    r.extras.emplace_back("c_k", torch::full({},
                                             static_cast<const PolyakStepOptions&>(defaults()).c() *
                                                 std::sqrt(static_cast<double>(m_k)),
                                             m_ratio.options()));
    r.extras.emplace_back("bound", m_bound);
    return r;
}

void PolyakStepSize::save(torch::serialize::OutputArchive& archive) const {
    saveGroups<PolyakStepOptions>(*this, tagOf(rule()), archive);
    if (rule() == PolyakRule::DecSps) {
        archive.write("decsps_k", c10::IValue(m_k));
        archive.write("decsps_memory",
                      c10::IValue(m_memory.defined() ? m_memory.item<double>()
                                                     : std::numeric_limits<double>::quiet_NaN()));
    }
}

void PolyakStepSize::load(torch::serialize::InputArchive& archive) {
    const PolyakRule own = rule();
    loadGroups<PolyakStepOptions, PolyakParamState>(*this, tagOf(own), methodOf(own), archive);
    if (own == PolyakRule::DecSps) {
        m_k = readInt(archive, "decsps_k");
        const double memory = readDouble(archive, "decsps_memory");
        m_memory =
            std::isnan(memory)
                ? torch::Tensor()
                : torch::full(
                      {}, memory,
                      torch::TensorOptions(torch::kFloat64).device(firstParam(*this).device()));
    }
    // The rule is the class's, not the archive's.
    static_cast<PolyakStepOptions&>(defaults()).rule(own);
    for (auto& group : param_groups_)
        static_cast<PolyakStepOptions&>(group.options()).rule(own);
}

} // namespace alig::core
