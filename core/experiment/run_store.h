#pragma once
// Run directories: what a run leaves on disk and how it is read back.
//   run.json     the resolved config, versions, device, times, status, final metrics
//   metrics.csv  one row per optimizer step (the StepMetrics columns)
//   epochs.csv   one row per epoch (the EpochMetrics columns)
//   checkpoints/last.pt  model and optimizer at the last checkpointed epoch
// run.json's status is "running" or "paused" while the run trains, then how it ended
// (runStatusName).
// RunRecorder writes them while a run trains; readRun() loads them for plots and resume.

#include "core/train/metrics.h"
#include "core/train/training_observer.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

namespace alig::core {

struct ExperimentConfig;

// A run's identity, unique in any run store: "<YYYYMMDD-HHMMSS>-<6 hex digits>" (the start
// time and a random part, so two runs started in one second, in two processes, differ).
// run.json keeps it as "run_id"; exports carry it in a run_id column.
std::string newRunId();

// The id of a run folder's run: run.json's "run_id", or for runs recorded before ids
// existed, the folder's name (unique among its siblings).
std::string runIdOf(const nlohmann::json& info, const std::string& dir);

// <parent>/<runId>-<name> (runId: newRunId() when empty), made unique with a suffix;
// `parent` defaults to defaultRunsDir(). An explicit `dir` is used as it is (created if
// missing, and it must not already hold a run). Errors name the folder.
std::string createRunDir(const ExperimentConfig& config, const std::string& dir = {},
                         const std::string& parent = {}, const std::string& runId = {});

inline constexpr const char* kCheckpointFile = "checkpoints/last.pt";
// run.json's status while a run is paused (not a RunStatus: a run never ends paused).
inline constexpr const char* kPausedStatus = "paused";

struct RunRecord {
    std::string dir;
    nlohmann::json info; // run.json
    std::vector<StepMetrics> steps;
    std::vector<EpochMetrics> epochs;
};

// Reads a run directory back; a missing or damaged file is an Error naming it. A last
// line cut short by a crash is ignored.
RunRecord readRun(const std::string& dir);

class RunRecorder : public TrainingObserver {
public:
    // `info` is the initial run.json (config, versions, dataset, model...). With
    // `resumeStep` >= 0 the directory's rows after that step (and epochs after
    // `resumeEpoch`) are dropped and the new rows are appended.
    RunRecorder(std::string dir, nlohmann::json info, double flushSeconds, int64_t resumeStep = -1,
                int64_t resumeEpoch = -1);
    ~RunRecorder() override;

    void onRunStart(const RunStartInfo& info) override;
    bool showsMomentumTerm() const override { return false; } // not a column of metrics.csv
    void onSteps(const std::vector<StepMetrics>& steps) override;
    void onEpoch(const EpochMetrics& epoch) override;
    void onCheckpoint(const CheckpointInfo& checkpoint) override;
    // run.json says "paused" while the run waits (a window watching the folder shows it).
    void onPause(bool paused) override;
    void onRunEnd(const RunResult& result) override;

    // Marks the run failed with a message (an exception outside the loop's own checks).
    // Never throws: run.json keeps its last complete version when it cannot be written.
    void fail(const std::string& message) noexcept;
    // Thread-safe: renames the run in run.json now (the window renames a run that trains);
    // later writes of run.json keep the new name. Marks it "renamed": a name the user chose.
    void setName(const std::string& name);
    const std::string& dir() const { return m_dir; }

private:
    void flush();
    void writeInfo(); // the caller holds m_infoMutex

    std::string m_dir;
    std::mutex m_infoMutex; // m_info and run.json: the training thread and a rename
    nlohmann::json m_info;
    double m_flushSeconds;
    std::FILE* m_metrics = nullptr;
    std::FILE* m_epochs = nullptr;
    std::chrono::steady_clock::time_point m_lastFlush;
    int64_t m_stepsPerEpoch = 0;
};

// "2026-11-29T19:13:12+0000"
std::string isoNow();

} // namespace alig::core
