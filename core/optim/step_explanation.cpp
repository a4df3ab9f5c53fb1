#include "core/optim/step_explanation.h"

#include "core/optim/optimizer_config.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace alig::core {

namespace {

// Four significant digits: the step anatomy's numbers are read, not computed with.
std::string n(double v) {
    if (std::isnan(v)) return "—";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.4g", v);
    return buffer;
}

} // namespace

double StepFacts::extra(const std::string& name) const {
    for (const auto& [key, value] : extras)
        if (key == name) return value;
    return std::numeric_limits<double>::quiet_NaN();
}

StepExplanation explainDecSps(const OptimizerConfig& c, const StepFacts& s) {
    StepExplanation e;
    const double ck = s.extra("c_k"), bound = s.extra("bound");
    e.rows.emplace_back("c_k = c √k", n(ck));
    e.rows.emplace_back("Polyak ratio", "(" + n(s.loss) + " − " + n(c.fStar) + ") / (" + n(ck) +
                                            " × " + n(s.gradNorm * s.gradNorm) +
                                            ") = " + n(s.unclipped));
    e.rows.emplace_back("bound c_{k−1} γ_{k−1} / c_k", n(bound));
    e.verdict = std::string("DecSPS divides the Polyak step by c_k, which grows as √k, and never "
                            "lets a step exceed the previous one scaled by c_{k−1}/c_k: the steps "
                            "decrease, so it converges without interpolation. ") +
                (s.clipped ? "This step was the bound " + n(bound) + "."
                           : "This step was the ratio " + n(s.unclipped) + ", below the bound.");
    return e;
}

StepExplanation explainMomo(const OptimizerConfig& c, const StepFacts& s) {
    StepExplanation e;
    const double bound = s.extra("lower_bound");
    const bool truncated = s.extra("truncated") > 0.5;
    e.rows.emplace_back("model step max(gap, 0)/‖d‖²", n(s.unclipped));
    const double cap = s.extra("cap");
    e.rows.emplace_back("cap lr / ρ", n(cap));
    e.rows.emplace_back("lower bound", n(bound) + (c.momoOnlineLb ? " (online)" : ""));
    e.rows.emplace_back("truncated", truncated ? "yes: the model is at its lower bound" : "no");
    if (truncated)
        e.verdict = "MoMo's averaged model of the loss is already at the lower bound " + n(bound) +
                    ", so its step τ is 0: the weights only follow the averaged gradient's "
                    "weight decay.";
    else if (s.clipped)
        e.verdict = "The model step " + n(s.unclipped) + " is above the cap " + n(cap) +
                    ", so MoMo took τ = the cap (lr over its bias correction ρ), as ALI-G takes "
                    "max_lr.";
    else
        e.verdict = "MoMo took its model step τ = " + n(s.stepSize) +
                    ": the step that brings its moving-average model of the loss (loss, gradient "
                    "and ⟨g, w⟩ averaged with beta " +
                    n(c.beta1) + ") down to the lower bound " + n(bound) + ".";
    return e;
}

StepExplanation explainProdigy(const OptimizerConfig& c, const StepFacts& s) {
    StepExplanation e;
    const double d = s.extra("d"), dHat = s.extra("d_hat");
    e.rows.emplace_back("d̂ (this step's estimate)", n(dHat));
    e.rows.emplace_back("d (distance estimate)", "max(d, d̂) = " + n(d));
    e.rows.emplace_back("step d · lr", n(s.stepSize) + " (lr " + n(c.resolvedLr()) +
                                           (c.biasCorrection ? ", with bias correction)" : ")"));
    e.verdict = "Prodigy estimates the distance from the start to a solution, d̂, from how far "
                "the weights have moved against the gradients, keeps the largest (d), and "
                "takes Adam's step scaled by d · lr. " +
                std::string(dHat > d * 0.999 ? "d̂ is at d: the estimate is still growing."
                                             : "d̂ is below d: the estimate holds.");
    return e;
}

StepExplanation explainScheduleFree(const OptimizerConfig& c, const StepFacts& s,
                                    const std::string& base) {
    StepExplanation e;
    const double weight = s.extra("averaging_weight");
    e.rows.emplace_back("lr this step",
                        n(s.stepSize) + (c.sfWarmupSteps > 0 ? " (with its warm-up)" : ""));
    e.rows.emplace_back("averaging weight c_t", n(weight));
    e.verdict = "Schedule-Free takes the gradient at y, a mix of z (the plain " + base +
                " iterate) and x (the average), steps z by lr and moves x towards z by c_t ≈ 1/t, "
                "so x is the running average of every z: the schedule's job without a schedule. "
                "The loss of this step is at y; evaluation and checkpoints use x.";
    return e;
}

StepExplanation explainDog(const OptimizerConfig& c, const StepFacts& s) {
    StepExplanation e;
    const double rbar = s.extra("rbar"), sum = s.extra("grad_sum_sq");
    e.rows.emplace_back("r̄ (farthest from the start)", n(rbar));
    e.rows.emplace_back("Σ‖g‖²", n(sum));
    e.rows.emplace_back("step c · r̄ / √Σ‖g‖²", n(c.resolvedLr()) + " × " + n(rbar) + " / √" +
                                                   n(sum) + " = " + n(s.stepSize));
    e.verdict = std::string("DoG's step is the farthest the weights have moved from their start "
                            "over the root of the summed squared gradient norms: it grows while "
                            "the weights travel and shrinks as gradients pile up. ") +
                (c.dogAverage ? "Evaluation uses the polynomially averaged weights."
                              : "Evaluation uses the last weights (averaging is off).");
    return e;
}

} // namespace alig::core
