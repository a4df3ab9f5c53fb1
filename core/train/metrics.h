#pragma once
// What the training loop reports: one StepMetrics per optimizer step, one EpochMetrics per
// epoch, and how the run ended. Plain values, no tensors: they cross threads and reach
// files, plots and terminals.

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace alig::core {

struct StepMetrics {
    int64_t step = 0;               // 1-based, counted over the whole run
    int64_t epoch = 0;              // 1-based
    double loss = 0.0;              // the mini-batch loss the step was computed from
    double accuracy = 0.0;          // mini-batch accuracy before the step, in [0, 1]
    double stepSize = 0.0;          // ALI-G: the step taken; other methods: their learning rate
    double unclippedStepSize = 0.0; // ALI-G: loss / (||g||^2 + eps); others: = stepSize
    bool clipped = false;           // ALI-G: the step was cut to max_lr
    double gradNorm = 0.0;          // ||g|| over all parameters
    // ||w_new - w_old|| / ||g||: the step length every method took, on one scale (ALI-G
    // without momentum: its step size; SGD: lr; Adam: whatever its scaling made it).
    double effectiveStep = 0.0;
    double maxLr = std::numeric_limits<double>::quiet_NaN(); // ALI-G's max_lr (NaN: none)
    // ALI-G with momentum: ||w_new - w_old + step * g||, how far the momentum term moved the
    // weights this step (the step anatomy panel; 0 without momentum; not in metrics.csv).
    double momentumStep = 0.0;
    double elapsed = 0.0; // seconds of training so far (pauses excluded)
    // The method's own quantities of this step by name (StepReport::extras: Prodigy's d and
    // d_hat, MoMo's lower bound, DoG's rbar, Schedule-Free's averaging weight...); not in
    // metrics.csv.
    std::vector<std::pair<std::string, double>> extras;
};

struct EpochMetrics {
    int64_t epoch = 0;
    int64_t step = 0; // the last step of the epoch
    double trainLoss = 0.0;
    double trainAccuracy = 0.0;
    double testLoss = 0.0;
    double testAccuracy = 0.0;
    // The interpolation meter: the fraction of training samples (the first
    // training.interpolation_samples) whose loss is below training.interpolation_threshold
    // at the end of the epoch, in [0, 1]. NaN when the meter is off.
    double interpolation = std::numeric_limits<double>::quiet_NaN();
    double elapsed = 0.0;      // seconds of training so far
    double epochSeconds = 0.0; // this epoch's training and evaluation
    // The mean mini-batch loss of the epoch, at the weights each gradient was taken at (y for
    // Schedule-Free); train_loss is the same unless the training set was evaluated
    // (training.eval_train, or a method evaluated on other weights). NaN in older runs.
    double batchLoss = std::numeric_limits<double>::quiet_NaN();
};

enum class RunStatus { Running, Completed, Stopped, Diverged, Failed };

std::string runStatusName(RunStatus status);
RunStatus runStatusFromName(const std::string& text);

struct RunResult {
    RunStatus status = RunStatus::Running;
    std::string message; // e.g. "diverged at step 412: the loss is nan"
    int64_t epochsCompleted = 0;
    int64_t steps = 0;
    double elapsed = 0.0;
    bool hasFinalEpoch = false;
    EpochMetrics finalEpoch;
    double bestTestAccuracy = 0.0;
};

} // namespace alig::core
