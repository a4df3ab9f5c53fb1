#pragma once
// The training loop: epochs of shuffled mini-batches, the optimizer step, metrics to the
// observers, evaluation, checkpoints, and control (pause, resume, stop, step once) from
// other threads. Both front ends run it; it knows nothing of files or windows.

#include "core/data/dataset.h"
#include "core/optim/lr_schedule.h"
#include "core/optim/optimizer_catalogue.h"
#include "core/train/gradient_sync.h"
#include "core/train/metrics.h"
#include "core/train/training_config.h"
#include "core/train/training_observer.h"

#include <torch/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace torch::optim {
class Optimizer;
}

namespace alig::core {

class Communicator;
class EvalWeights;
class Model;

struct EvalResult {
    double loss = 0.0;
    double accuracy = 0.0;
    int64_t belowThreshold = 0; // samples whose own loss is below evaluate()'s threshold
};

class Trainer {
public:
    // The dataset's tensors are moved to `device` once (a no-op on CPU); the model must
    // already be there, and the optimizer must hold the model's parameters.
    Trainer(const Dataset& dataset, Model& model, torch::optim::Optimizer& optimizer,
            TrainingConfig config, torch::Device device);
    ~Trainer();

    void addObserver(TrainingObserver* observer);
    // Writes model and optimizer to `path` every `every` epochs (0: only at the end).
    void setCheckpointing(std::string path, int64_t every);
    // The learning-rate schedule, applied before every step to each group's lr (max_lr
    // for ALI-G). Constant by default.
    void setSchedule(LrSchedule schedule) { m_schedule = std::move(schedule); }

    // Data parallel: this trainer is one rank of `communicator`'s group (not owned; it must
    // outlive run()). The config's batch size is then per rank: each step takes the next
    // worldSize x batchSize samples of the epoch's order, this rank its share, and averages
    // gradients and loss over the ranks before the optimizer's step. Pause and single steps
    // are ignored; a stop on any rank stops all at the same step. See docs/distributed.md.
    void setCommunicator(Communicator* communicator);
    // Pending device metrics are read back (and handed to the observers) at least every
    // half of `seconds`, whatever metricsInterval says, so a recorder that flushes on that
    // clock keeps its promise of rows on disk within `seconds` (output.flush_seconds).
    void setReadbackSeconds(double seconds) { m_readbackSeconds = seconds; }

    // Trains until the last epoch, a stop, or divergence. Blocks the calling thread.
    RunResult run();

    // Thread-safe control. A stop finishes the current step, records it and returns.
    void pause();
    void resume();
    void stop();
    // While paused: exactly one optimizer step, then paused again. Otherwise ignored.
    void stepOnce();
    bool isPaused() const { return m_paused.load(); }
    // Stops the run once `step` steps are done (0: no limit), as stop() would: for demos,
    // screenshots and lessons that take a fixed number of steps.
    void stopAfterStep(int64_t step) { m_stopAfterStep = step; }
    // Takes effect at the next step and shows in that step's metrics (ALI-G only).
    void setMaxLr(std::optional<double> maxLr);

    // Mean loss and accuracy over a split, in eval mode without gradients; with a threshold
    // > 0, also how many samples have a loss below it (the interpolation meter).
    EvalResult evaluate(const torch::Tensor& inputs, const torch::Tensor& labels,
                        double threshold = 0.0);
    // The interpolation meter of the current weights: the fraction of the first
    // interpolation_samples training samples whose loss is below the configured threshold
    // (NaN when the meter is off).
    double interpolationFraction();

    // A checkpoint holds model, optimizer, and the position (epoch, step, elapsed).
    void saveCheckpoint(const std::string& path, int64_t epoch, int64_t step, double elapsed);
    // Continues after the checkpoint's epoch: the run then gives the metrics an
    // uninterrupted run would have (same seed, CPU).
    void loadCheckpoint(const std::string& path);

    int64_t stepsPerEpoch() const;
    const torch::Device& device() const { return m_device; }
    int64_t startEpoch() const { return m_startEpoch; }
    int64_t startStep() const { return m_startStep; }
    // The step being taken now and its epoch (0 before the first): what an error that
    // escapes run() names.
    int64_t currentStep() const { return m_currentStep.load(); }
    int64_t currentEpoch() const { return m_currentEpoch.load(); }

private:
    struct PendingStep;
    // One step's samples: this rank's share [lo, hi) of the step's `count` samples.
    struct BatchSlice {
        int64_t lo = 0, hi = 0, count = 0;
    };

    // The named steps of run(), in the order it takes them.
    // The epoch's randomness (order, dropout, augmentation) from the run's seed; train mode.
    torch::Tensor beginEpoch(int64_t epoch);
    // A live max_lr edit and the schedule's factor for the coming step.
    void applyStepSizeEdits(int64_t step, int64_t perEpoch);
    BatchSlice nextBatch(int64_t b) const;
    // Forward and backward on the slice's samples (nothing when this rank has none).
    LocalBatch forwardBackward(const torch::Tensor& order, const BatchSlice& slice);
    // The optimizer's step, and what it reports, into `p`.
    void optimizerStep(PendingStep& p, const torch::Tensor& loss);
    // Queues the step's numbers; hands them to the observers when due. False: it diverged.
    bool record(PendingStep p);
    EpochMetrics evaluateEpoch(int64_t epoch, int64_t step,
                               std::chrono::steady_clock::time_point epochStart,
                               double pausedAtEpochStart);
    void checkpointIfDue(int64_t epoch, int64_t step, double elapsed);
    // BatchNorm's running statistics gathered anew at the current (evaluation) weights: a few
    // training batches forward in train mode without gradients (Schedule-Free's x).
    void recomputeBatchNorm(int64_t epoch);
    std::string stopMessage(int64_t step, int64_t epoch, bool atEpochStart) const;

    torch::Tensor lossOf(const torch::Tensor& logits, const torch::Tensor& labels) const;
    // The model's logits, under bfloat16 autocast when the config asks for it.
    torch::Tensor forward(const torch::Tensor& x);
    // The loss of each sample of a batch, [B].
    torch::Tensor sampleLossesOf(const torch::Tensor& logits, const torch::Tensor& labels) const;
    // Reads pending step tensors back in one transfer and hands them to the observers.
    // Returns false when a step diverged (then m_result says where).
    bool flushSteps();
    // Divergence the step's own numbers cannot show: weights gone non-finite after the
    // epoch's last step. Sets m_result and returns false when so.
    bool weightsFinite(int64_t step, int64_t epoch);
    // Blocks while paused; returns false when the run must stop before the next step.
    bool waitForGo(int64_t stepsDone);
    // Tells the observers when the run pauses or goes on (once per change).
    void reportPaused(bool paused);
    double elapsedSeconds() const;

    const Dataset& m_dataset;
    Model& m_model;
    torch::optim::Optimizer& m_optimizer;
    TrainingConfig m_config;
    torch::Device m_device;
    LossKind m_loss;
    AutocastMode m_autocast;
    torch::Tensor m_trainX, m_trainY, m_testX, m_testY;
    std::vector<TrainingObserver*> m_observers;
    // What the observers were last told (onPause), on the training thread only.
    bool m_reportedPaused = false;
    std::string m_checkpointPath;
    LrSchedule m_schedule;
    std::vector<double> m_baseLr; // per group, before the schedule's factor
    int64_t m_checkpointEvery = 0;

    int64_t m_startEpoch = 0, m_startStep = 0;
    double m_elapsedBefore = 0.0;
    std::chrono::steady_clock::time_point m_clockStart;
    double m_pausedSeconds = 0.0;

    std::vector<PendingStep> m_pending;
    std::vector<torch::Tensor> m_before; // the weights before the step in flight
    double m_epochLossSum = 0.0, m_epochCorrect = 0.0;
    int64_t m_epochCount = 0;
    int64_t m_metricsInterval = 1;
    double m_readbackSeconds = 0.0; // 0: only metricsInterval decides
    std::chrono::steady_clock::time_point m_lastReadback;
    RunResult m_result;
    StepReadout m_readout; // what the optimizer reports of each step
    // The optimizer's evaluation weights (Schedule-Free's x, DoG's average), or null.
    EvalWeights* m_evalWeights = nullptr;
    std::vector<torch::Tensor> m_params;
    std::unique_ptr<GradientSync> m_sync; // one process, or one rank of a data-parallel group

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::atomic<bool> m_paused{false}, m_stop{false};
    std::atomic<int64_t> m_stopAfterStep{0};
    int m_stepsAllowed = 0; // guarded by m_mutex
    std::atomic<bool> m_maxLrChanged{false};
    std::atomic<int64_t> m_currentStep{0}, m_currentEpoch{0};
    std::optional<double> m_newMaxLr; // guarded by m_mutex
};

} // namespace alig::core
