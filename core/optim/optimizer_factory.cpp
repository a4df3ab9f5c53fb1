#include "core/optim/optimizer_factory.h"

#include "core/optim/alig.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace alig::core {

double OptimizerConfig::resolvedEps() const {
    if (eps) return *eps;
    return name == "alig" ? 1e-5 : 1e-8;
}

const std::vector<std::string>& optimizerNames() {
    static const std::vector<std::string> names{"alig", "sgd", "adam", "adamw"};
    return names;
}

void validateOptimizerConfig(const OptimizerConfig& c) {
    const auto& names = optimizerNames();
    if (std::find(names.begin(), names.end(), c.name) == names.end()) {
        std::string known;
        for (const auto& n : names)
            known += (known.empty() ? "" : ", ") + n;
        throw Error("optimizer.name: unknown optimizer \"" + c.name + "\" (known: " + known + ")");
    }
    if (c.name == "alig") {
        AliGOptions o(c.maxLr);
        o.momentum(c.momentum).eps(c.resolvedEps()).projection_radius(c.projectionRadius);
        if (c.momentumForm != "standard" && c.momentumForm != "adjusted")
            throw Error("optimizer.momentum_form: must be \"standard\" or \"adjusted\", got \"" +
                        c.momentumForm + "\"");
        try {
            o.validate();
        } catch (const Error& e) {
            throw Error(std::string("optimizer.") + e.what());
        }
        return;
    }
    if (!(c.lr > 0.0) || std::isinf(c.lr))
        throw Error("optimizer.lr: must be > 0, got " + formatNumber(c.lr));
    if (!(c.weightDecay >= 0.0))
        throw Error("optimizer.weight_decay: must be >= 0, got " + formatNumber(c.weightDecay));
    if (!(c.resolvedEps() >= 0.0))
        throw Error("optimizer.eps: must be >= 0, got " + formatNumber(c.resolvedEps()));
    if (c.name == "sgd") {
        if (!(c.momentum >= 0.0 && c.momentum < 1.0))
            throw Error("optimizer.momentum: must be in [0, 1), got " + formatNumber(c.momentum));
        if (c.nesterov && c.momentum == 0.0)
            throw Error("optimizer.nesterov: Nesterov momentum needs optimizer.momentum > 0");
    } else {
        if (!(c.beta1 >= 0.0 && c.beta1 < 1.0))
            throw Error("optimizer.beta1: must be in [0, 1), got " + formatNumber(c.beta1));
        if (!(c.beta2 >= 0.0 && c.beta2 < 1.0))
            throw Error("optimizer.beta2: must be in [0, 1), got " + formatNumber(c.beta2));
    }
}

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const OptimizerConfig& c,
                                                       std::vector<torch::Tensor> params) {
    validateOptimizerConfig(c);
    if (c.name == "alig") {
        AliGOptions o(c.maxLr);
        o.momentum(c.momentum)
            .eps(c.resolvedEps())
            .momentum_form(c.momentumForm == "adjusted" ? MomentumForm::Adjusted
                                                        : MomentumForm::Standard)
            .projection_radius(c.projectionRadius)
            .clip_at_zero(c.clipAtZero);
        return std::make_unique<AliG>(std::move(params), o);
    }
    if (c.name == "sgd") {
        torch::optim::SGDOptions o(c.lr);
        o.momentum(c.momentum).weight_decay(c.weightDecay).nesterov(c.nesterov);
        return std::make_unique<torch::optim::SGD>(std::move(params), o);
    }
    if (c.name == "adam") {
        torch::optim::AdamOptions o(c.lr);
        o.betas({c.beta1, c.beta2}).eps(c.resolvedEps()).weight_decay(c.weightDecay);
        return std::make_unique<torch::optim::Adam>(std::move(params), o);
    }
    torch::optim::AdamWOptions o(c.lr);
    o.betas({c.beta1, c.beta2}).eps(c.resolvedEps()).weight_decay(c.weightDecay);
    return std::make_unique<torch::optim::AdamW>(std::move(params), o);
}

} // namespace alig::core
