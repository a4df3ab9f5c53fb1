#pragma once
// The optimizer catalogue: one entry per method, the one place that knows a method by its name
// (in the spirit of timm's optimizer registry). An entry says what the method is called, which
// option is its step size, which optimizer.* fields it reads, its defaults, how its options are
// checked, how it is built, and what it reports per step. Every front end (the experiment panel,
// the playground, the loss-surface tab, compare and sweep, run summaries, the CLI banner, the
// docs' table) asks the catalogue; nothing else compares method names. Adding a method is one
// entry in optimizer_catalogue.cpp (plus its optimizer class and the config fields it adds).

#include "core/optim/optimizer_factory.h"
#include "core/optim/step_explanation.h"
#include "core/optim/step_size_reporter.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace torch::optim {
class Optimizer;
}

namespace alig::core {

// What a method reports per step beyond the loss and gradient norm, for the plots, the step
// anatomy and the summaries.
struct StepQuantities {
    bool chosenStep = false;   // it chooses its step from the loss (StepSizeReporter)
    bool polyakRatio = false;  // its unclipped step is ALI-G's loss / (||g||^2 + eps)
    bool clip = false;         // whether the cap cut the step, per step
    bool cap = false;          // its step-size option is a cap (recorded as max_lr per step)
    bool momentumTerm = false; // the move of its momentum term (step anatomy)
};

struct OptimizerEntry {
    std::string name;       // optimizer.name
    std::string label;      // for menus: "ALI-G (adaptive Polyak step)"
    std::string shortLabel; // for summaries: "ALI-G"
    // The option that is its step size, as an optimizer.* field: "max_lr", "lr" or "alpha".
    std::string stepField;
    bool stepMayBeNone = false; // max_lr may be null (no cap)
    // The optimizer.* fields it reads (JSON names), the step size's among them. The schedule's
    // fields (schedule, milestones, gamma, warmup_epochs, min_lr_factor) apply to every method.
    std::vector<std::string> fields;
    // The defaults it resolves an unset optional field to.
    double defaultEps = 1e-8;
    double defaultLr = 0.1; // its authors' (or PyTorch's) learning rate
    double defaultAlpha = 0.99;
    double defaultInitialAccumulator = 0.0;
    // A step size to start a demonstration from (the playground, the loss surfaces).
    double demoStep = 0.1;
    // Fields shown beside the step size in its summary ("momentum" for ALI-G, "c" for SPS).
    std::vector<std::string> summaryFields;
    StepQuantities reports;
    // What it reports per step besides its step (StepReport::extras), in order.
    std::vector<ReportedQuantity> quantities;
    // Its step in words for the step anatomy; null for ALI-G (the anatomy's own rows) and for
    // the methods with a fixed learning rate.
    std::function<StepExplanation(const OptimizerConfig&, const StepFacts&)> explain;
    // Throws alig::core::Error naming the field ("optimizer.<field>: ...").
    std::function<void(const OptimizerConfig&)> validate;
    std::function<std::unique_ptr<torch::optim::Optimizer>(const OptimizerConfig&,
                                                           std::vector<torch::Tensor>)>
        make;

    bool reads(const std::string& field) const;
};

// Every method, in menu order.
const std::vector<OptimizerEntry>& optimizerCatalogue();
// The entry of `name`, or nullptr.
const OptimizerEntry* findOptimizer(const std::string& name);
// The entry of `name`; throws Error "<context>unknown optimizer "x" (known: ...)".
const OptimizerEntry& optimizerEntry(const std::string& name, const std::string& context = "");
// "alig, sgd, ..." for messages and help texts.
std::string optimizerNameList();

// A method's step size: the value of its step-size option (NaN for a null max_lr).
double stepSizeOf(const OptimizerConfig& config);
// Sets its step-size option.
void setStepSize(OptimizerConfig& config, double value);
// The value of an optimizer.* field as text ("0.1", "none", "true", "standard"); empty for a
// field the config does not have.
std::string optimizerFieldText(const OptimizerConfig& config, const std::string& field);
// Every quantity any method reports, once each by name, in catalogue order (the plots' menu).
std::vector<ReportedQuantity> reportedQuantities();
// One line: "ALI-G max_lr 0.1, momentum 0.9", "SPS_max max_lr 0.5, c 0.5", "L4Adam alpha 0.15".
std::string describeOptimizer(const OptimizerConfig& config);
// The catalogue as a Markdown table (docs/config.md holds it; a test keeps the two the same).
std::string optimizerCatalogueMarkdown();

// How the training loop reads any optimizer's step: through StepSizeReporter for the methods
// that choose their own step, as the group's learning rate for the others.
class StepReadout {
public:
    explicit StepReadout(torch::optim::Optimizer& optimizer);

    bool choosesStep() const { return m_reporter != nullptr; }
    bool measuresMove() const { return m_reporter && m_reporter->measuresMove(); }
    bool reportsGradSquaredNorm() const {
        return m_reporter && m_reporter->reportsGradSquaredNorm();
    }
    bool hasMomentumTerm() const { return m_reporter && m_reporter->hasMomentumTerm(); }
    bool lrIsStepCap() const { return m_reporter && m_reporter->lrIsStepCap(); }
    // The last step's report (undefined tensors for what the method does not report).
    StepReport last() const;

private:
    const StepSizeReporter* m_reporter = nullptr;
};

} // namespace alig::core
