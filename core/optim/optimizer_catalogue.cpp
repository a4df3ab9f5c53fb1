#include "core/optim/optimizer_catalogue.h"

#include "core/optim/alig.h"
#include "core/optim/dfw.h"
#include "core/optim/dog.h"
#include "core/optim/l4.h"
#include "core/optim/lr_schedule.h"
#include "core/optim/momo.h"
#include "core/optim/polyak.h"
#include "core/optim/prodigy.h"
#include "core/optim/schedule_free.h"
#include "core/optim/yogi.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace alig::core {

namespace {

using Params = std::vector<torch::Tensor>;
using OptimizerPtr = std::unique_ptr<torch::optim::Optimizer>;

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

void requireEps(const OptimizerConfig& c) {
    requireNonNegative("eps", c.resolvedEps());
}

// The Polyak-type methods (SPS_max, the Polyak step): an optional cap and a finite f*.
void validatePolyakLike(const OptimizerConfig& c) {
    requireEps(c);
    if (c.maxLr) requirePositive("max_lr", *c.maxLr);
    if (c.name == "sps" || c.name == "decsps") requirePositive("c", c.c);
    if (!std::isfinite(c.fStar))
        throw Error("optimizer.f_star: must be finite, got " + formatNumber(c.fStar));
}

// The methods with a plain learning rate: lr > 0 and a weight decay >= 0.
void validateLr(const OptimizerConfig& c) {
    requireEps(c);
    requirePositive("lr", c.resolvedLr());
    requireNonNegative("weight_decay", c.weightDecay);
}

void validateBetas(const OptimizerConfig& c) {
    requireUnit("beta1", c.beta1, false);
    requireUnit("beta2", c.beta2, false);
}

void validateL4(const OptimizerConfig& c) {
    requireEps(c);
    requirePositive("alpha", c.resolvedAlpha());
    requireUnit("l4_gamma", c.l4Gamma, true);
    requireUnit("l4_init_factor", c.l4InitFactor, true);
    requirePositive("l4_forget_time", c.l4ForgetTime);
    requireUnit("beta1", c.beta1, false);
    if (c.name == "l4adam") requireUnit("beta2", c.beta2, false);
}

AliGOptions aligOptions(const OptimizerConfig& c) {
    AliGOptions o(c.maxLr);
    o.momentum(c.momentum)
        .eps(c.resolvedEps())
        .momentum_form(c.momentumForm == "adjusted" ? MomentumForm::Adjusted
                                                    : MomentumForm::Standard)
        .projection_radius(c.projectionRadius)
        .clip_at_zero(c.clipAtZero);
    return o;
}

OptimizerPtr makeAdam(const OptimizerConfig& c, Params params, bool amsgrad) {
    torch::optim::AdamOptions o(c.resolvedLr());
    o.betas({c.beta1, c.beta2}).eps(c.resolvedEps()).weight_decay(c.weightDecay).amsgrad(amsgrad);
    return std::make_unique<torch::optim::Adam>(std::move(params), o);
}

OptimizerPtr makeL4(const OptimizerConfig& c, Params params, L4Direction direction) {
    L4Options o(c.resolvedAlpha());
    o.gamma(c.l4Gamma)
        .init_factor(c.l4InitFactor)
        .forget_time(c.l4ForgetTime)
        .eps(c.resolvedEps())
        .direction(direction)
        .beta1(c.beta1)
        .beta2(c.beta2);
    return std::make_unique<L4>(std::move(params), o);
}

void requireFinite(const char* field, double value) {
    if (!std::isfinite(value))
        throw Error(std::string("optimizer.") + field + ": must be finite, got " +
                    formatNumber(value));
}

void validateProdigy(const OptimizerConfig& c) {
    validateLr(c);
    validateBetas(c);
    if (c.beta3) requireUnit("beta3", *c.beta3, false);
    requirePositive("d0", c.d0);
    requirePositive("d_coef", c.dCoef);
    if (c.growthRate && !(*c.growthRate >= 1.0))
        throw Error("optimizer.growth_rate: must be >= 1 (or null: no limit), got " +
                    formatNumber(*c.growthRate));
}

void validateScheduleFree(const OptimizerConfig& c) {
    validateLr(c);
    if (c.name == "sf_adamw")
        validateBetas(c);
    else
        requireUnit("momentum", c.momentum, false);
    if (c.sfWarmupSteps < 0)
        throw Error("optimizer.sf_warmup_steps: must be >= 0, got " +
                    std::to_string(c.sfWarmupSteps));
    requireNonNegative("sf_r", c.sfR);
    requireNonNegative("sf_weight_lr_power", c.sfWeightLrPower);
}

void validateMomo(const OptimizerConfig& c) {
    validateLr(c);
    requireUnit("beta1", c.beta1, false);
    if (c.name == "momo_adam") requireUnit("beta2", c.beta2, false);
    requireFinite("momo_lb", c.momoLb);
}

void validateDog(const OptimizerConfig& c) {
    validateLr(c);
    requirePositive("eps", c.resolvedEps());
    requirePositive("dog_reps_rel", c.dogRepsRel);
    if (c.dogInitEta) requirePositive("dog_init_eta", *c.dogInitEta);
    requireNonNegative("dog_average_gamma", c.dogAverageGamma);
}

OptimizerPtr makeScheduleFree(const OptimizerConfig& c, Params params, ScheduleFreeBase base) {
    ScheduleFreeOptions o(c.resolvedLr(), base);
    o.beta1(base == ScheduleFreeBase::Sgd ? c.momentum : c.beta1)
        .beta2(c.beta2)
        .eps(c.resolvedEps())
        .weight_decay(c.weightDecay)
        .warmup_steps(c.sfWarmupSteps)
        .r(c.sfR)
        .weight_lr_power(c.sfWeightLrPower);
    return std::make_unique<ScheduleFree>(std::move(params), o);
}

OptimizerPtr makeMomo(const OptimizerConfig& c, Params params, bool adam) {
    MomoOptions o(c.resolvedLr(), adam);
    o.weight_decay(c.weightDecay)
        .beta1(c.beta1)
        .beta2(c.beta2)
        .eps(c.resolvedEps())
        .lb(c.momoLb)
        .online_lb(c.momoOnlineLb)
        .bias_correction(c.biasCorrection)
        .divide(c.momoDivide);
    return std::make_unique<Momo>(std::move(params), o);
}

// What each kind of method reports per step.
constexpr StepQuantities kFixedLr{};
constexpr StepQuantities kAliG{true, true, true, true, true};
constexpr StepQuantities kCappedStep{true, false, false, true, false};
constexpr StepQuantities kCappedClippedStep{true, false, true, true, false};
constexpr StepQuantities kL4Step{true, false, false, false, false};

const std::vector<std::string> kLrFields{"lr", "weight_decay"};

std::vector<std::string> join(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

std::vector<OptimizerEntry> buildCatalogue() {
    std::vector<OptimizerEntry> all;
    auto add = [&](OptimizerEntry e) { all.push_back(std::move(e)); };

    OptimizerEntry alig;
    alig.name = "alig";
    alig.label = "ALI-G (adaptive Polyak step)";
    alig.shortLabel = "ALI-G";
    alig.stepField = "max_lr";
    alig.stepMayBeNone = true;
    alig.fields = {"max_lr",       "momentum", "momentum_form", "projection_radius",
                   "clip_at_zero", "eps"};
    alig.defaultEps = 1e-5; // the reference's
    alig.summaryFields = {"momentum", "projection_radius"};
    alig.reports = kAliG;
    alig.validate = [](const OptimizerConfig& c) {
        if (c.momentumForm != "standard" && c.momentumForm != "adjusted")
            throw Error("optimizer.momentum_form: must be \"standard\" or \"adjusted\", got \"" +
                        c.momentumForm + "\"");
        try {
            aligOptions(c).validate();
        } catch (const Error& e) {
            throw Error(std::string("optimizer.") + e.what());
        }
    };
    alig.make = [](const OptimizerConfig& c, Params p) -> OptimizerPtr {
        return std::make_unique<AliG>(std::move(p), aligOptions(c));
    };
    add(alig);

    OptimizerEntry sgd;
    sgd.name = "sgd";
    sgd.label = "SGD (momentum, schedules)";
    sgd.shortLabel = "SGD";
    sgd.stepField = "lr";
    sgd.fields = join(kLrFields, {"momentum", "nesterov"});
    sgd.summaryFields = {"momentum"};
    sgd.reports = kFixedLr;
    sgd.validate = [](const OptimizerConfig& c) {
        validateLr(c);
        requireUnit("momentum", c.momentum, false);
        if (c.nesterov && c.momentum == 0.0)
            throw Error("optimizer.nesterov: Nesterov momentum needs optimizer.momentum > 0");
    };
    sgd.make = [](const OptimizerConfig& c, Params p) -> OptimizerPtr {
        torch::optim::SGDOptions o(c.resolvedLr());
        o.momentum(c.momentum).weight_decay(c.weightDecay).nesterov(c.nesterov);
        return std::make_unique<torch::optim::SGD>(std::move(p), o);
    };
    add(sgd);

    OptimizerEntry adam;
    adam.name = "adam";
    adam.label = "Adam";
    adam.shortLabel = "Adam";
    adam.stepField = "lr";
    adam.fields = join(kLrFields, {"beta1", "beta2", "eps"});
    adam.demoStep = 0.01;
    adam.defaultLr = 1e-3; // PyTorch's (also AdamW's and AMSGrad's)
    adam.reports = kFixedLr;
    adam.validate = [](const OptimizerConfig& c) {
        validateLr(c);
        validateBetas(c);
    };
    adam.make = [](const OptimizerConfig& c, Params p) { return makeAdam(c, std::move(p), false); };
    add(adam);

    OptimizerEntry adamw = adam;
    adamw.name = "adamw";
    adamw.label = "AdamW (decoupled weight decay)";
    adamw.shortLabel = "AdamW";
    adamw.make = [](const OptimizerConfig& c, Params p) -> OptimizerPtr {
        torch::optim::AdamWOptions o(c.resolvedLr());
        o.betas({c.beta1, c.beta2}).eps(c.resolvedEps()).weight_decay(c.weightDecay);
        return std::make_unique<torch::optim::AdamW>(std::move(p), o);
    };
    add(adamw);

    OptimizerEntry amsgrad = adam;
    amsgrad.name = "amsgrad";
    amsgrad.label = "AMSGrad (Adam that never forgets)";
    amsgrad.shortLabel = "AMSGrad";
    amsgrad.make = [](const OptimizerConfig& c, Params p) {
        return makeAdam(c, std::move(p), true);
    };
    add(amsgrad);

    OptimizerEntry adagrad;
    adagrad.name = "adagrad";
    adagrad.label = "Adagrad";
    adagrad.shortLabel = "Adagrad";
    adagrad.stepField = "lr";
    adagrad.fields = join(kLrFields, {"lr_decay", "initial_accumulator", "eps"});
    adagrad.defaultEps = 1e-10; // PyTorch's
    adagrad.defaultLr = 1e-2;   // PyTorch's
    adagrad.demoStep = 0.01;
    adagrad.reports = kFixedLr;
    adagrad.validate = [](const OptimizerConfig& c) {
        validateLr(c);
        requireNonNegative("lr_decay", c.lrDecay);
        requireNonNegative("initial_accumulator", c.resolvedInitialAccumulator());
    };
    adagrad.make = [](const OptimizerConfig& c, Params p) -> OptimizerPtr {
        torch::optim::AdagradOptions o(c.resolvedLr());
        o.lr_decay(c.lrDecay)
            .weight_decay(c.weightDecay)
            .initial_accumulator_value(c.resolvedInitialAccumulator())
            .eps(c.resolvedEps());
        return std::make_unique<torch::optim::Adagrad>(std::move(p), o);
    };
    add(adagrad);

    OptimizerEntry rmsprop;
    rmsprop.name = "rmsprop";
    rmsprop.label = "RMSprop";
    rmsprop.shortLabel = "RMSprop";
    rmsprop.stepField = "lr";
    rmsprop.fields = join(kLrFields, {"alpha", "centered", "eps"});
    rmsprop.defaultAlpha = 0.99; // PyTorch's smoothing
    rmsprop.defaultLr = 1e-2;    // PyTorch's
    rmsprop.demoStep = 0.01;
    rmsprop.reports = kFixedLr;
    rmsprop.validate = [](const OptimizerConfig& c) {
        validateLr(c);
        requireUnit("alpha", c.resolvedAlpha(), true);
    };
    rmsprop.make = [](const OptimizerConfig& c, Params p) -> OptimizerPtr {
        torch::optim::RMSpropOptions o(c.resolvedLr());
        o.alpha(c.resolvedAlpha())
            .eps(c.resolvedEps())
            .weight_decay(c.weightDecay)
            .centered(c.centered);
        return std::make_unique<torch::optim::RMSprop>(std::move(p), o);
    };
    add(rmsprop);

    OptimizerEntry yogi;
    yogi.name = "yogi";
    yogi.label = "Yogi (Adam with additive updates)";
    yogi.shortLabel = "Yogi";
    yogi.stepField = "lr";
    yogi.fields = join(kLrFields, {"beta1", "beta2", "eps", "initial_accumulator"});
    yogi.defaultEps = 1e-3;                // the Yogi paper's
    yogi.defaultLr = 1e-2;                 // the Yogi paper's
    yogi.defaultInitialAccumulator = 1e-6; // the Yogi paper's
    yogi.demoStep = 0.01;
    yogi.reports = kFixedLr;
    yogi.validate = [](const OptimizerConfig& c) {
        validateLr(c);
        validateBetas(c);
        requirePositive("eps", c.resolvedEps());
        requireNonNegative("initial_accumulator", c.resolvedInitialAccumulator());
    };
    yogi.make = [](const OptimizerConfig& c, Params p) -> OptimizerPtr {
        YogiOptions o(c.resolvedLr());
        o.beta1(c.beta1)
            .beta2(c.beta2)
            .eps(c.resolvedEps())
            .initial_accumulator(c.resolvedInitialAccumulator())
            .weight_decay(c.weightDecay);
        return std::make_unique<Yogi>(std::move(p), o);
    };
    add(yogi);

    OptimizerEntry sps;
    sps.name = "sps";
    sps.label = "SPS_max (stochastic Polyak step)";
    sps.shortLabel = "SPS_max";
    sps.stepField = "max_lr";
    sps.stepMayBeNone = true;
    sps.fields = {"max_lr", "c", "f_star", "eps"};
    sps.summaryFields = {"c"};
    sps.reports = kCappedStep;
    sps.validate = validatePolyakLike;
    sps.make = [](const OptimizerConfig& c, Params p) -> OptimizerPtr {
        SpsOptions o(c.maxLr);
        o.c(c.c).f_star(c.fStar).eps(c.resolvedEps());
        return std::make_unique<SpsMax>(std::move(p), o);
    };
    add(sps);

    OptimizerEntry polyak;
    polyak.name = "polyak";
    polyak.label = "Polyak step (known minimum)";
    polyak.shortLabel = "Polyak";
    polyak.stepField = "max_lr";
    polyak.stepMayBeNone = true;
    polyak.fields = {"max_lr", "f_star", "eps"};
    polyak.summaryFields = {"f_star"};
    polyak.reports = kCappedStep;
    polyak.validate = validatePolyakLike;
    polyak.make = [](const OptimizerConfig& c, Params p) -> OptimizerPtr {
        PolyakOptions o(c.maxLr);
        o.f_star(c.fStar).eps(c.resolvedEps());
        return std::make_unique<PolyakStep>(std::move(p), o);
    };
    add(polyak);

    const std::vector<std::string> l4Fields{"l4_gamma", "l4_init_factor", "l4_forget_time"};
    OptimizerEntry l4adam;
    l4adam.name = "l4adam";
    l4adam.label = "L4Adam (loss-based step on Adam)";
    l4adam.shortLabel = "L4Adam";
    l4adam.stepField = "alpha";
    l4adam.fields = join({"alpha", "beta1", "beta2", "eps"}, l4Fields);
    l4adam.defaultEps = 1e-12;  // the L4 reference's
    l4adam.defaultAlpha = 0.15; // the L4 reference's fraction
    l4adam.demoStep = 0.15;
    l4adam.reports = kL4Step;
    l4adam.validate = validateL4;
    l4adam.make = [](const OptimizerConfig& c, Params p) {
        return makeL4(c, std::move(p), L4Direction::Adam);
    };
    add(l4adam);

    OptimizerEntry l4mom = l4adam;
    l4mom.name = "l4mom";
    l4mom.label = "L4Mom (loss-based step on momentum)";
    l4mom.shortLabel = "L4Mom";
    l4mom.fields = join({"alpha", "beta1", "eps"}, l4Fields);
    l4mom.make = [](const OptimizerConfig& c, Params p) {
        return makeL4(c, std::move(p), L4Direction::Momentum);
    };
    add(l4mom);

    OptimizerEntry dfw;
    dfw.name = "dfw";
    dfw.label = "DFW (Deep Frank-Wolfe, hinge loss)";
    dfw.shortLabel = "DFW";
    dfw.stepField = "max_lr"; // its eta
    dfw.fields = {"max_lr", "momentum", "weight_decay", "eps"};
    dfw.defaultEps = 1e-5; // the reference's
    dfw.summaryFields = {"momentum"};
    dfw.reports = kCappedStep;
    dfw.validate = [](const OptimizerConfig& c) {
        requireEps(c);
        if (!c.maxLr)
            throw Error("optimizer.max_lr: DFW needs a largest step (its eta); null is only for "
                        "ALI-G, SPS and the Polyak step");
        requirePositive("max_lr", *c.maxLr);
        requireUnit("momentum", c.momentum, false);
        requireNonNegative("weight_decay", c.weightDecay);
    };
    dfw.make = [](const OptimizerConfig& c, Params p) -> OptimizerPtr {
        DfwOptions o(*c.maxLr);
        o.momentum(c.momentum).weight_decay(c.weightDecay).eps(c.resolvedEps());
        return std::make_unique<Dfw>(std::move(p), o);
    };
    add(dfw);

    // The tuning-free methods since ALI-G (issue 14); each lr is its authors' default as demo.
    OptimizerEntry decsps;
    decsps.name = "decsps";
    decsps.label = "DecSPS (decreasing SPS)";
    decsps.shortLabel = "DecSPS";
    decsps.stepField = "max_lr"; // gamma_b, the first step's bound
    decsps.stepMayBeNone = true;
    decsps.fields = {"max_lr", "c", "f_star", "eps"};
    decsps.summaryFields = {"c", "f_star"};
    decsps.demoStep = 1.0;
    decsps.reports = kCappedClippedStep;
    decsps.quantities = {{"c_k", "c_k (DecSPS's growing c)"},
                         {"bound", "DecSPS's bound on the step"}};
    decsps.explain = explainDecSps;
    decsps.validate = validatePolyakLike;
    decsps.make = [](const OptimizerConfig& c, Params p) -> OptimizerPtr {
        SpsOptions o(c.maxLr);
        o.c(c.c).f_star(c.fStar).eps(c.resolvedEps());
        return std::make_unique<DecSps>(std::move(p), o);
    };
    add(decsps);

    OptimizerEntry momo;
    momo.name = "momo";
    momo.label = "MoMo (momentum model of the loss)";
    momo.shortLabel = "MoMo";
    momo.stepField = "lr"; // the cap on tau
    momo.fields = {"lr", "beta1", "weight_decay", "momo_lb", "momo_online_lb", "bias_correction"};
    momo.summaryFields = {"beta1", "momo_lb"};
    momo.demoStep = 1.0;
    momo.defaultLr = 1.0; // the MoMo authors'
    momo.reports = kCappedClippedStep;
    momo.quantities = {{"lower_bound", "MoMo's lower bound on the loss"},
                       {"truncated", "MoMo truncated (τ = 0)", true},
                       {"cap", "MoMo's cap on τ (lr over its bias correction)"}};
    momo.explain = explainMomo;
    momo.validate = validateMomo;
    momo.make = [](const OptimizerConfig& c, Params p) { return makeMomo(c, std::move(p), false); };
    add(momo);

    OptimizerEntry momoAdam;
    momoAdam.name = "momo_adam";
    momoAdam.label = "MoMo-Adam (momentum model in Adam's metric)";
    momoAdam.shortLabel = "MoMo-Adam";
    momoAdam.stepField = "lr";
    momoAdam.fields = {"lr",           "beta1",   "beta2",          "eps",
                       "weight_decay", "momo_lb", "momo_online_lb", "momo_divide"};
    momoAdam.summaryFields = {"momo_lb"};
    momoAdam.demoStep = 0.01;
    momoAdam.defaultLr = 1e-2; // the MoMo authors'
    momoAdam.reports = kCappedClippedStep;
    momoAdam.quantities = momo.quantities;
    momoAdam.explain = explainMomo;
    momoAdam.validate = validateMomo;
    momoAdam.make = [](const OptimizerConfig& c, Params p) {
        return makeMomo(c, std::move(p), true);
    };
    add(momoAdam);

    OptimizerEntry prodigy;
    prodigy.name = "prodigy";
    prodigy.label = "Prodigy (Adam with a distance estimate)";
    prodigy.shortLabel = "Prodigy";
    prodigy.stepField = "lr"; // a factor on d
    prodigy.fields = {"lr",
                      "beta1",
                      "beta2",
                      "beta3",
                      "eps",
                      "weight_decay",
                      "decouple",
                      "d0",
                      "d_coef",
                      "growth_rate",
                      "safeguard_warmup",
                      "bias_correction"};
    prodigy.summaryFields = {"d_coef"};
    prodigy.demoStep = 1.0;
    prodigy.defaultLr = 1.0; // the Prodigy authors': d estimates the step
    prodigy.reports = kL4Step;
    prodigy.quantities = {{"d", "d (Prodigy's distance estimate)"},
                          {"d_hat", "d̂ (Prodigy's new estimate)"}};
    prodigy.explain = explainProdigy;
    prodigy.validate = validateProdigy;
    prodigy.make = [](const OptimizerConfig& c, Params p) -> OptimizerPtr {
        ProdigyOptions o(c.resolvedLr());
        o.beta1(c.beta1)
            .beta2(c.beta2)
            .beta3(c.beta3)
            .eps(c.resolvedEps())
            .weight_decay(c.weightDecay)
            .decouple(c.decouple)
            .bias_correction(c.biasCorrection)
            .safeguard_warmup(c.safeguardWarmup)
            .d0(c.d0)
            .d_coef(c.dCoef)
            .growth_rate(c.growthRate.value_or(std::numeric_limits<double>::infinity()));
        return std::make_unique<Prodigy>(std::move(p), o);
    };
    add(prodigy);

    const std::vector<std::string> sfFields{"sf_warmup_steps", "sf_r", "sf_weight_lr_power"};
    OptimizerEntry sfSgd;
    sfSgd.name = "sf_sgd";
    sfSgd.label = "Schedule-Free SGD";
    sfSgd.shortLabel = "SF-SGD";
    sfSgd.stepField = "lr";
    sfSgd.fields = join({"lr", "momentum", "weight_decay"}, sfFields);
    sfSgd.summaryFields = {"momentum"};
    sfSgd.demoStep = 1.0;
    sfSgd.defaultLr = 1.0; // the schedule_free repository's
    sfSgd.reports = kL4Step;
    sfSgd.quantities = {{"averaging_weight", "c_t (Schedule-Free's averaging weight)"}};
    sfSgd.explain = [](const OptimizerConfig& c, const StepFacts& s) {
        return explainScheduleFree(c, s, "SGD");
    };
    sfSgd.validate = validateScheduleFree;
    sfSgd.make = [](const OptimizerConfig& c, Params p) {
        return makeScheduleFree(c, std::move(p), ScheduleFreeBase::Sgd);
    };
    add(sfSgd);

    OptimizerEntry sfAdamw;
    sfAdamw.name = "sf_adamw";
    sfAdamw.label = "Schedule-Free AdamW";
    sfAdamw.shortLabel = "SF-AdamW";
    sfAdamw.stepField = "lr";
    sfAdamw.fields = join({"lr", "beta1", "beta2", "eps", "weight_decay"}, sfFields);
    sfAdamw.demoStep = 0.0025;
    sfAdamw.defaultLr = 0.0025; // the schedule_free repository's
    sfAdamw.reports = kL4Step;
    sfAdamw.quantities = sfSgd.quantities;
    sfAdamw.explain = [](const OptimizerConfig& c, const StepFacts& s) {
        return explainScheduleFree(c, s, "AdamW");
    };
    sfAdamw.validate = validateScheduleFree;
    sfAdamw.make = [](const OptimizerConfig& c, Params p) {
        return makeScheduleFree(c, std::move(p), ScheduleFreeBase::AdamW);
    };
    add(sfAdamw);

    OptimizerEntry dog;
    dog.name = "dog";
    dog.label = "DoG (distance over gradients, averaged)";
    dog.shortLabel = "DoG";
    dog.stepField = "lr"; // the paper's c
    dog.fields = {"lr",          "weight_decay",     "eps", "dog_reps_rel", "dog_init_eta",
                  "dog_average", "dog_average_gamma"};
    dog.summaryFields = {"dog_reps_rel"};
    dog.demoStep = 1.0;
    dog.defaultLr = 1.0; // the DoG authors' c
    dog.reports = kL4Step;
    dog.quantities = {{"rbar", "r̄ (DoG's farthest distance)"},
                      {"grad_sum_sq", "Σ‖g‖² (DoG's gradient sum)"}};
    dog.explain = explainDog;
    dog.validate = validateDog;
    dog.make = [](const OptimizerConfig& c, Params p) -> OptimizerPtr {
        DogOptions o(c.resolvedLr());
        o.reps_rel(c.dogRepsRel)
            .eps(c.resolvedEps())
            .weight_decay(c.weightDecay)
            .init_eta(c.dogInitEta)
            .average(c.dogAverage)
            .average_gamma(c.dogAverageGamma);
        return std::make_unique<Dog>(std::move(p), o);
    };
    add(dog);
    return all;
}

std::string textOf(double v) {
    return formatNumber(v);
}
std::string textOf(const std::optional<double>& v) {
    return v ? formatNumber(*v) : std::string("none");
}
std::string textOf(bool v) {
    return v ? "true" : "false";
}

} // namespace

bool OptimizerEntry::reads(const std::string& field) const {
    return std::find(fields.begin(), fields.end(), field) != fields.end();
}

const std::vector<OptimizerEntry>& optimizerCatalogue() {
    static const std::vector<OptimizerEntry> catalogue = buildCatalogue();
    return catalogue;
}

const OptimizerEntry* findOptimizer(const std::string& name) {
    for (const auto& e : optimizerCatalogue())
        if (e.name == name) return &e;
    return nullptr;
}

std::string optimizerNameList() {
    std::string known;
    for (const auto& e : optimizerCatalogue())
        known += (known.empty() ? "" : ", ") + e.name;
    return known;
}

const OptimizerEntry& optimizerEntry(const std::string& name, const std::string& context) {
    if (const OptimizerEntry* e = findOptimizer(name)) return *e;
    throw Error(context + "unknown optimizer \"" + name + "\" (known: " + optimizerNameList() +
                ")");
}

double stepSizeOf(const OptimizerConfig& c) {
    const std::string& field = optimizerEntry(c.name).stepField;
    if (field == "max_lr") return c.maxLr ? *c.maxLr : std::nan("");
    if (field == "alpha") return c.resolvedAlpha();
    return c.resolvedLr();
}

void setStepSize(OptimizerConfig& c, double value) {
    const std::string& field = optimizerEntry(c.name).stepField;
    if (field == "max_lr")
        c.maxLr = value;
    else if (field == "alpha")
        c.alpha = value;
    else
        c.lr = value;
}

std::string optimizerFieldText(const OptimizerConfig& c, const std::string& f) {
    if (f == "max_lr") return textOf(c.maxLr);
    if (f == "lr") return textOf(c.resolvedLr());
    if (f == "alpha") return textOf(c.resolvedAlpha());
    if (f == "momentum") return textOf(c.momentum);
    if (f == "momentum_form") return c.momentumForm;
    if (f == "projection_radius") return textOf(c.projectionRadius);
    if (f == "clip_at_zero") return textOf(c.clipAtZero);
    if (f == "eps") return textOf(c.resolvedEps());
    if (f == "weight_decay") return textOf(c.weightDecay);
    if (f == "nesterov") return textOf(c.nesterov);
    if (f == "beta1") return textOf(c.beta1);
    if (f == "beta2") return textOf(c.beta2);
    if (f == "centered") return textOf(c.centered);
    if (f == "lr_decay") return textOf(c.lrDecay);
    if (f == "initial_accumulator") return textOf(c.resolvedInitialAccumulator());
    if (f == "c") return textOf(c.c);
    if (f == "f_star") return textOf(c.fStar);
    if (f == "l4_gamma") return textOf(c.l4Gamma);
    if (f == "l4_init_factor") return textOf(c.l4InitFactor);
    if (f == "l4_forget_time") return textOf(c.l4ForgetTime);
    if (f == "d0") return textOf(c.d0);
    if (f == "d_coef") return textOf(c.dCoef);
    if (f == "growth_rate") return textOf(c.growthRate);
    if (f == "beta3") return textOf(c.beta3);
    if (f == "decouple") return textOf(c.decouple);
    if (f == "safeguard_warmup") return textOf(c.safeguardWarmup);
    if (f == "bias_correction") return textOf(c.biasCorrection);
    if (f == "sf_warmup_steps") return std::to_string(c.sfWarmupSteps);
    if (f == "sf_r") return textOf(c.sfR);
    if (f == "sf_weight_lr_power") return textOf(c.sfWeightLrPower);
    if (f == "momo_lb") return textOf(c.momoLb);
    if (f == "momo_online_lb") return textOf(c.momoOnlineLb);
    if (f == "momo_divide") return textOf(c.momoDivide);
    if (f == "dog_reps_rel") return textOf(c.dogRepsRel);
    if (f == "dog_init_eta") return textOf(c.dogInitEta);
    if (f == "dog_average") return textOf(c.dogAverage);
    if (f == "dog_average_gamma") return textOf(c.dogAverageGamma);
    return {};
}

std::vector<ReportedQuantity> reportedQuantities() {
    std::vector<ReportedQuantity> all;
    for (const auto& e : optimizerCatalogue())
        for (const auto& q : e.quantities) {
            bool known = false;
            for (const auto& a : all)
                known = known || a.name == q.name;
            if (!known) all.push_back(q);
        }
    return all;
}

std::string describeOptimizer(const OptimizerConfig& c) {
    const OptimizerEntry* e = findOptimizer(c.name);
    if (!e) return c.name;
    std::string s = e->shortLabel;
    const std::string step = optimizerFieldText(c, e->stepField);
    s += step == "none" ? ", no " + e->stepField : " " + e->stepField + " " + step;
    for (const auto& f : e->summaryFields) {
        const std::string v = optimizerFieldText(c, f);
        // Fields at their neutral value say nothing.
        if (v == "none" || v == "0" || v == "false") continue;
        s += ", " + f + " " + v;
    }
    return s;
}

std::string optimizerCatalogueMarkdown() {
    std::string md = "| name | method | step size | reads | reports per step |\n"
                     "| --- | --- | --- | --- | --- |\n";
    for (const auto& e : optimizerCatalogue()) {
        std::string reads, reports;
        for (const auto& f : e.fields)
            if (f != e.stepField) reads += (reads.empty() ? "`" : ", `") + f + "`";
        for (const auto& q : e.quantities)
            reports += (reports.empty() ? "`" : ", `") + q.name + "`";
        md += "| `" + e.name + "` | " + e.label + " | `" + e.stepField + "`" +
              (e.stepMayBeNone ? " (or null)" : "") + " | " + reads + " | " + reports + " |\n";
    }
    return md;
}

// ---- The parts of OptimizerConfig and the factory that depend on the method ----------------

double OptimizerConfig::resolvedEps() const {
    if (eps) return *eps;
    const OptimizerEntry* e = findOptimizer(name);
    return e ? e->defaultEps : 1e-8;
}

double OptimizerConfig::resolvedLr() const {
    if (lr) return *lr;
    const OptimizerEntry* e = findOptimizer(name);
    return e ? e->defaultLr : 0.1;
}

double OptimizerConfig::resolvedAlpha() const {
    if (alpha) return *alpha;
    const OptimizerEntry* e = findOptimizer(name);
    return e ? e->defaultAlpha : 0.99;
}

double OptimizerConfig::resolvedInitialAccumulator() const {
    if (initialAccumulator) return *initialAccumulator;
    const OptimizerEntry* e = findOptimizer(name);
    return e ? e->defaultInitialAccumulator : 0.0;
}

const std::vector<std::string>& optimizerNames() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n;
        for (const auto& e : optimizerCatalogue())
            n.push_back(e.name);
        return n;
    }();
    return names;
}

bool isAdaptiveStepMethod(const std::string& name) {
    const OptimizerEntry* e = findOptimizer(name);
    return e && e->reports.chosenStep;
}

void validateOptimizerConfig(const OptimizerConfig& c) {
    const OptimizerEntry& e = optimizerEntry(c.name, "optimizer.name: ");
    LrSchedule::fromConfig(c).validate();
    e.validate(c);
}

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const OptimizerConfig& c,
                                                       std::vector<torch::Tensor> params) {
    validateOptimizerConfig(c);
    return optimizerEntry(c.name).make(c, std::move(params));
}

// ---- StepReadout ----------------------------------------------------------------------------

StepReadout::StepReadout(torch::optim::Optimizer& optimizer)
    : m_reporter(dynamic_cast<const StepSizeReporter*>(&optimizer)) {}

StepReport StepReadout::last() const {
    return m_reporter ? m_reporter->lastStepReport() : StepReport{};
}

} // namespace alig::core
