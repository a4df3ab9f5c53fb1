#pragma once
// Receives a run's metrics on the training thread. Implementations (the run recorder, the
// CLI's progress line, the window's bridge) must return quickly and never block on a UI.

#include "core/train/metrics.h"

#include <string>
#include <vector>

namespace alig::core {

struct RunStartInfo {
    int64_t epochs = 0;     // the epoch the run will end after
    int64_t startEpoch = 0; // epochs already done (a resumed run starts later)
    int64_t startStep = 0;  // steps already done
    int64_t stepsPerEpoch = 0;
    std::string device; // e.g. "cpu", "cuda:0"
};

struct CheckpointInfo {
    int64_t epoch = 0;
    int64_t step = 0;
    std::string path;
};

class TrainingObserver {
public:
    virtual ~TrainingObserver() = default;
    virtual void onRunStart(const RunStartInfo&) {}
    // Steps arrive in order, in batches (one on CPU by default; see metricsInterval).
    virtual void onSteps(const std::vector<StepMetrics>&) {}
    virtual void onEpoch(const EpochMetrics&) {}
    virtual void onCheckpoint(const CheckpointInfo&) {}
    // The run paused (true) or went on (false) between steps; a single step taken while
    // paused is no resume.
    virtual void onPause(bool) {}
    virtual void onRunEnd(const RunResult&) {}
};

} // namespace alig::core
