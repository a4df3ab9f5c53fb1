#pragma once
// Several runs of one experiment that differ in the optimizer (compare) or in one swept
// setting (sweep), planned, trained and summarised the same way, for `alig-train compare`,
// `alig-train sweep` and the window. Each run is a normal run folder under one parent.

#include "core/experiment/experiment_config.h"
#include "core/train/metrics.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace alig::core {

struct RunRecord;

// One optimizer setting: "sgd:lr=0.1:schedule=step" gives label "sgd lr=0.1 schedule=step"
// and the overrides optimizer.name=sgd, optimizer.lr=0.1, optimizer.schedule=step.
struct OptimizerSpec {
    std::string label;
    std::vector<std::string> overrides; // "key.path=value", applied to the base document
};

// A comma-separated list of specs; errors name the spec that is wrong.
std::vector<OptimizerSpec> parseOptimizerSpecs(const std::string& text);

// "1e-3,3e-3,0.01" or "logspace:1e-3:10:9" (9 values evenly spaced on a log scale).
std::vector<double> parseSweepValues(const std::string& text);

struct PlannedRun {
    std::string label; // e.g. "alig max_lr=0.1 seed 2"
    std::string group; // the optimizer spec's label: one curve or one colour per group
    std::string param; // the swept key path (sweeps only)
    double value = std::numeric_limits<double>::quiet_NaN(); // its value (sweeps only)
    uint64_t seed = 0;
    ExperimentConfig config; // validated, output.dir set to the run's folder
};

// Every spec x value x seed on top of `base`. `seeds` runs use seeds base.seed, +1, ...
// The param "learning_rate" sweeps each method's own step-size setting: max_lr for ALI-G,
// lr for the others (the paper's tuneability plot).
// Throws Error naming the spec, key or value that makes an invalid experiment.
std::vector<PlannedRun> planRuns(const nlohmann::json& base,
                                 const std::vector<OptimizerSpec>& specs, const std::string& param,
                                 const std::vector<double>& values, int seeds,
                                 const std::string& parentDir);

struct RunSummary {
    std::string label, group, param, dir;
    double value = std::numeric_limits<double>::quiet_NaN();
    uint64_t seed = 0;
    RunStatus status = RunStatus::Failed;
    std::string message;
    int64_t steps = 0;
    double seconds = 0.0;
    double finalTestAccuracy = std::numeric_limits<double>::quiet_NaN();
    double bestTestAccuracy = std::numeric_limits<double>::quiet_NaN();
    double finalTrainLoss = std::numeric_limits<double>::quiet_NaN();
    // The step at the end of the first epoch whose training accuracy reached the target.
    int64_t stepsToTarget = -1;
    // ALI-G: the share of steps cut to max_lr; NaN for other methods.
    double clippedFraction = std::numeric_limits<double>::quiet_NaN();
};

RunSummary summarize(const RunRecord& record, double targetAccuracy);

// The runs of one setting (a group and, in a sweep, a value) over their seeds: the mean and the
// sample standard deviation (0 with one seed) of what completed runs reached.
struct GroupSummary {
    std::string group, param;
    double value = std::numeric_limits<double>::quiet_NaN();
    int runs = 0;      // planned or ended runs of the setting
    int completed = 0; // those that completed (the statistics are over these)
    double meanFinalTestAccuracy = std::numeric_limits<double>::quiet_NaN();
    double stdFinalTestAccuracy = std::numeric_limits<double>::quiet_NaN();
    double meanBestTestAccuracy = std::numeric_limits<double>::quiet_NaN();
    double stdBestTestAccuracy = std::numeric_limits<double>::quiet_NaN();
    double meanSeconds = std::numeric_limits<double>::quiet_NaN();
    // Over the completed runs that reached the target; -1 when none did.
    double meanStepsToTarget = -1.0;
    int reachedTarget = 0;
};

// One entry per setting, groups in order of first appearance, values ascending within one.
std::vector<GroupSummary> summarizeGroups(const std::vector<RunSummary>& runs);

// Trains the planned runs, up to `parallel` at once, each on its own thread. Returns one
// summary per run, in plan order; a run that fails to start or diverges is summarised with
// its status and message, and the others go on. `onDone` is called (under a lock) as each
// run ends.
std::vector<RunSummary> runAll(const std::vector<PlannedRun>& plan, int parallel,
                               double targetAccuracy,
                               const std::function<void(const RunSummary&, size_t done)>& onDone);

// batch.json: what makes a batch folder reopen (the window's Compare / sweep panel):
// `request` (kind "compare" or "sweep", optimizers, param, values, seeds, parallel,
// target_accuracy), the base experiment and one entry per planned run (label, group, param,
// value, seed, and its folder's name under `dir`).
void writeBatchRecord(const std::string& dir, nlohmann::json request, const nlohmann::json& base,
                      const std::vector<PlannedRun>& plan);

// summary.csv: one row per run (the RunSummary fields).
void writeSummaryCsv(const std::string& path, const std::vector<RunSummary>& runs);
// groups.csv: one row per setting (the GroupSummary fields), for the mean ± std over seeds.
void writeGroupsCsv(const std::string& path, const std::vector<RunSummary>& runs);
// sweep.csv: per group and value, the mean and standard deviation of the final test
// accuracy over the seeds that completed, and how many there were.
void writeSweepCsv(const std::string& path, const std::vector<RunSummary>& runs);

} // namespace alig::core
