#pragma once
// A method's step in words and numbers, for the step anatomy: what it measured, what it chose
// and why. Each catalogue entry that estimates its own step explains it (OptimizerEntry::
// explain); the quantities it reports per step are declared beside it (ReportedQuantity).

#include <string>
#include <utility>
#include <vector>

namespace alig::core {

struct OptimizerConfig;

// One quantity a method reports per step besides its step (StepReport::extras): Prodigy's d,
// MoMo's lower bound, ... The plots offer it as a series, the docs list it.
struct ReportedQuantity {
    std::string name;  // the extras key: "d_hat"
    std::string label; // for menus and legends: "d̂ (Prodigy's new estimate)"
    // A yes/no per step (1 or 0): drawn as markers on the step line, not as a curve.
    bool flag = false;
};

// The recorded facts of one step, as the metrics hold them.
struct StepFacts {
    double loss = 0.0;
    double gradNorm = 0.0;
    double stepSize = 0.0;  // the step taken (the effective learning rate)
    double unclipped = 0.0; // the step before the cap (NaN when the method has none)
    double maxLr = 0.0;     // the cap recorded this step (NaN when none)
    bool clipped = false;
    std::vector<std::pair<std::string, double>> extras;
    // A reported quantity by name; NaN when this step does not have it.
    double extra(const std::string& name) const;
};

struct StepExplanation {
    // (name, value with its formula): "d (distance estimate)", "max(d, d̂) = 0.0123".
    std::vector<std::pair<std::string, std::string>> rows;
    std::string verdict; // one or two sentences on why the step is what it is
};

// The explanations of the methods that choose their step (the catalogue's entries use them).
StepExplanation explainDecSps(const OptimizerConfig& config, const StepFacts& step);
StepExplanation explainMomo(const OptimizerConfig& config, const StepFacts& step);
StepExplanation explainProdigy(const OptimizerConfig& config, const StepFacts& step);
// base: "SGD" or "AdamW".
StepExplanation explainScheduleFree(const OptimizerConfig& config, const StepFacts& step,
                                    const std::string& base);
StepExplanation explainDog(const OptimizerConfig& config, const StepFacts& step);

} // namespace alig::core
