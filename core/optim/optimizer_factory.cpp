#include "core/optim/optimizer_factory.h"

#include "core/optim/alig.h"
#include "core/optim/dfw.h"
#include "core/optim/l4.h"
#include "core/optim/lr_schedule.h"
#include "core/optim/polyak.h"
#include "core/optim/sps.h"
#include "core/optim/yogi.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace alig::core {

namespace {

bool isL4(const std::string& name) {
    return name == "l4adam" || name == "l4mom";
}

bool isAdam(const std::string& name) {
    return name == "adam" || name == "adamw" || name == "amsgrad";
}

void requireUnit(const char* field, double value, bool closedAtOne) {
    if (!(value >= 0.0 && (closedAtOne ? value <= 1.0 : value < 1.0)))
        throw Error(std::string("optimizer.") + field + ": must be in [0, 1" +
                    (closedAtOne ? "]" : ")") + ", got " + formatNumber(value));
}

void requirePositive(const char* field, double value) {
    if (!(value > 0.0) || std::isinf(value))
        throw Error(std::string("optimizer.") + field + ": must be > 0, got " +
                    formatNumber(value));
}

void requireNonNegative(const char* field, double value) {
    if (!(value >= 0.0) || std::isinf(value))
        throw Error(std::string("optimizer.") + field + ": must be >= 0, got " +
                    formatNumber(value));
}

} // namespace

double OptimizerConfig::resolvedEps() const {
    if (eps) return *eps;
    if (name == "alig" || name == "dfw") return 1e-5; // the references' eps
    if (name == "adagrad") return 1e-10;              // PyTorch's
    if (name == "yogi") return 1e-3;                  // the Yogi paper's
    if (isL4(name)) return 1e-12;                     // the L4 reference's
    return 1e-8;                                      // Adam, RMSprop, SPS, Polyak
}

double OptimizerConfig::resolvedAlpha() const {
    if (alpha) return *alpha;
    return isL4(name) ? 0.15 : 0.99;
}

double OptimizerConfig::resolvedInitialAccumulator() const {
    if (initialAccumulator) return *initialAccumulator;
    return name == "yogi" ? 1e-6 : 0.0;
}

const std::vector<std::string>& optimizerNames() {
    static const std::vector<std::string> names{"alig",    "sgd",     "adam", "adamw", "amsgrad",
                                                "adagrad", "rmsprop", "yogi", "sps",   "polyak",
                                                "l4adam",  "l4mom",   "dfw"};
    return names;
}

bool isAdaptiveStepMethod(const std::string& name) {
    return name == "alig" || name == "sps" || name == "polyak" || isL4(name) || name == "dfw";
}

void validateOptimizerConfig(const OptimizerConfig& c) {
    const auto& names = optimizerNames();
    if (std::find(names.begin(), names.end(), c.name) == names.end()) {
        std::string known;
        for (const auto& n : names)
            known += (known.empty() ? "" : ", ") + n;
        throw Error("optimizer.name: unknown optimizer \"" + c.name + "\" (known: " + known + ")");
    }
    LrSchedule::fromConfig(c).validate();
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
    if (!(c.resolvedEps() >= 0.0) || std::isinf(c.resolvedEps()))
        throw Error("optimizer.eps: must be >= 0, got " + formatNumber(c.resolvedEps()));
    if (c.name == "sps" || c.name == "polyak" || c.name == "dfw") {
        if (c.maxLr) requirePositive("max_lr", *c.maxLr);
    }
    if (c.name == "sps" || c.name == "polyak") {
        if (c.name == "sps") requirePositive("c", c.c);
        if (!std::isfinite(c.fStar))
            throw Error("optimizer.f_star: must be finite, got " + formatNumber(c.fStar));
        return;
    }
    if (c.name == "dfw") {
        if (!c.maxLr)
            throw Error("optimizer.max_lr: DFW needs a largest step (its eta); null is only for "
                        "ALI-G, SPS and the Polyak step");
        requireUnit("momentum", c.momentum, false);
        requireNonNegative("weight_decay", c.weightDecay);
        return;
    }
    if (isL4(c.name)) {
        requirePositive("alpha", c.resolvedAlpha());
        requireUnit("l4_gamma", c.l4Gamma, true);
        requireUnit("l4_init_factor", c.l4InitFactor, true);
        requirePositive("l4_forget_time", c.l4ForgetTime);
        requireUnit("beta1", c.beta1, false);
        if (c.name == "l4adam") requireUnit("beta2", c.beta2, false);
        return;
    }
    // The methods with a learning rate.
    requirePositive("lr", c.lr);
    requireNonNegative("weight_decay", c.weightDecay);
    if (c.name == "sgd") {
        requireUnit("momentum", c.momentum, false);
        if (c.nesterov && c.momentum == 0.0)
            throw Error("optimizer.nesterov: Nesterov momentum needs optimizer.momentum > 0");
    } else if (isAdam(c.name) || c.name == "yogi") {
        requireUnit("beta1", c.beta1, false);
        requireUnit("beta2", c.beta2, false);
        if (c.name == "yogi") {
            requirePositive("eps", c.resolvedEps());
            requireNonNegative("initial_accumulator", c.resolvedInitialAccumulator());
        }
    } else if (c.name == "adagrad") {
        requireNonNegative("lr_decay", c.lrDecay);
        requireNonNegative("initial_accumulator", c.resolvedInitialAccumulator());
    } else if (c.name == "rmsprop") {
        requireUnit("alpha", c.resolvedAlpha(), true);
    }
}

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const OptimizerConfig& c,
                                                       std::vector<torch::Tensor> params) {
    validateOptimizerConfig(c);
    const std::string& n = c.name;
    if (n == "alig") {
        AliGOptions o(c.maxLr);
        o.momentum(c.momentum)
            .eps(c.resolvedEps())
            .momentum_form(c.momentumForm == "adjusted" ? MomentumForm::Adjusted
                                                        : MomentumForm::Standard)
            .projection_radius(c.projectionRadius)
            .clip_at_zero(c.clipAtZero);
        return std::make_unique<AliG>(std::move(params), o);
    }
    if (n == "sgd") {
        torch::optim::SGDOptions o(c.lr);
        o.momentum(c.momentum).weight_decay(c.weightDecay).nesterov(c.nesterov);
        return std::make_unique<torch::optim::SGD>(std::move(params), o);
    }
    if (n == "adam" || n == "amsgrad") {
        torch::optim::AdamOptions o(c.lr);
        o.betas({c.beta1, c.beta2})
            .eps(c.resolvedEps())
            .weight_decay(c.weightDecay)
            .amsgrad(n == "amsgrad");
        return std::make_unique<torch::optim::Adam>(std::move(params), o);
    }
    if (n == "adamw") {
        torch::optim::AdamWOptions o(c.lr);
        o.betas({c.beta1, c.beta2}).eps(c.resolvedEps()).weight_decay(c.weightDecay);
        return std::make_unique<torch::optim::AdamW>(std::move(params), o);
    }
    if (n == "adagrad") {
        torch::optim::AdagradOptions o(c.lr);
        o.lr_decay(c.lrDecay)
            .weight_decay(c.weightDecay)
            .initial_accumulator_value(c.resolvedInitialAccumulator())
            .eps(c.resolvedEps());
        return std::make_unique<torch::optim::Adagrad>(std::move(params), o);
    }
    if (n == "rmsprop") {
        torch::optim::RMSpropOptions o(c.lr);
        o.alpha(c.resolvedAlpha())
            .eps(c.resolvedEps())
            .weight_decay(c.weightDecay)
            .centered(c.centered);
        return std::make_unique<torch::optim::RMSprop>(std::move(params), o);
    }
    if (n == "yogi") {
        YogiOptions o(c.lr);
        o.beta1(c.beta1)
            .beta2(c.beta2)
            .eps(c.resolvedEps())
            .initial_accumulator(c.resolvedInitialAccumulator())
            .weight_decay(c.weightDecay);
        return std::make_unique<Yogi>(std::move(params), o);
    }
    if (n == "sps") {
        SpsOptions o(c.maxLr);
        o.c(c.c).f_star(c.fStar).eps(c.resolvedEps());
        return std::make_unique<SpsMax>(std::move(params), o);
    }
    if (n == "polyak") {
        PolyakOptions o(c.maxLr);
        o.f_star(c.fStar).eps(c.resolvedEps());
        return std::make_unique<PolyakStep>(std::move(params), o);
    }
    if (isL4(n)) {
        L4Options o(c.resolvedAlpha());
        o.gamma(c.l4Gamma)
            .init_factor(c.l4InitFactor)
            .forget_time(c.l4ForgetTime)
            .eps(c.resolvedEps())
            .direction(n == "l4adam" ? L4Direction::Adam : L4Direction::Momentum)
            .beta1(c.beta1)
            .beta2(c.beta2);
        return std::make_unique<L4>(std::move(params), o);
    }
    DfwOptions o(*c.maxLr);
    o.momentum(c.momentum).weight_decay(c.weightDecay).eps(c.resolvedEps());
    return std::make_unique<Dfw>(std::move(params), o);
}

} // namespace alig::core
