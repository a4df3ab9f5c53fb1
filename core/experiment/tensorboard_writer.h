#pragma once
// TensorBoard's event files, so that `tensorboard --logdir` shows our runs beside the user's
// other ones. A run with output.tensorboard writes events.out.tfevents.* in its folder while
// it trains (TensorBoardWriter, a TrainingObserver like RunRecorder); exportTensorBoard()
// writes one for a folder that was recorded without. The scalars are the run schema's
// columns (run_schema.h) under "step/<column>" per step and "epoch/<column>" per epoch (at
// the epoch's last step, so both share TensorBoard's step axis), each method's own reported
// quantities under "method/<name>", and the resolved config as the text summary "config".
//
// The format is TensorFlow's record file: per record the data's length (uint64, little
// endian), the masked CRC-32C of those 8 bytes, the data (one Event protocol buffer) and its
// masked CRC-32C; the first Event holds file_version "brain.Event:2". The Event, Summary and
// TensorProto messages are encoded here by hand with their public field numbers
// (tensorflow/core/util/event.proto, framework/summary.proto): a few fields, no protobuf
// library. Each record is written whole and appended, so a run killed mid-write leaves every
// earlier record readable.

#include "core/train/metrics.h"
#include "core/train/training_observer.h"

#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace alig::core {

struct ExperimentConfig;

using Scalars = std::vector<std::pair<std::string, float>>;

// One events file, opened for appending. Errors (WriteError) name the file.
class EventFile {
public:
    // Creates `path` (it must not exist yet) and writes the file_version event.
    EventFile(std::string path, double wallTime);
    ~EventFile();
    EventFile(const EventFile&) = delete;
    EventFile& operator=(const EventFile&) = delete;

    void writeScalars(int64_t step, double wallTime, const Scalars& scalars);
    // A text summary (TensorBoard's Text tab renders it as Markdown).
    void writeText(int64_t step, double wallTime, const std::string& tag, const std::string& text);
    // SessionLog START at `step`: TensorBoard drops the events of earlier files at or after
    // this step (a resumed run records them again).
    void writeSessionStart(int64_t step, double wallTime);
    void flush();
    const std::string& path() const { return m_path; }

private:
    void writeRecord(const std::string& event);

    std::string m_path;
    std::FILE* m_file = nullptr;
};

// The scalars of one step or epoch: every Real and Flag column of the run schema with a
// finite value (NaN means "none": max_lr of a method without one, the meter when it is
// off), then the step's extras.
Scalars stepScalars(const StepMetrics& step);
Scalars epochScalars(const EpochMetrics& epoch);

// "events.out.tfevents.<seconds>.<host>.<pid>": the name TensorBoard looks for.
std::string eventFileName(double wallTime);

// Seconds since the epoch, with microseconds.
double wallTimeNow();

class TensorBoardWriter : public TrainingObserver {
public:
    // A new events file in `runDir`. With `resumeStep` >= 0 (a resumed run) it starts with
    // a SessionLog START after that step.
    TensorBoardWriter(const std::string& runDir, const ExperimentConfig& config,
                      double flushSeconds, int64_t resumeStep = -1);

    void onRunStart(const RunStartInfo& info) override;
    void onSteps(const std::vector<StepMetrics>& steps) override;
    void onEpoch(const EpochMetrics& epoch) override;
    void onRunEnd(const RunResult& result) override;
    const std::string& path() const { return m_file.path(); }

private:
    void flushIfDue(bool now);

    EventFile m_file;
    double m_flushSeconds;
    int64_t m_stepsPerEpoch = 0;
    std::chrono::steady_clock::time_point m_lastFlush;
};

// Writes <runDir>/events.out.tfevents.<start>.alig-export from the folder's rows and run.json
// (wall times from its start_time plus each row's elapsed_s), replacing an earlier export.
// Refuses, naming the file, a folder that already has events written while it trained.
// Returns the file's path; errors name the folder or the file.
std::string exportTensorBoard(const std::string& runDir);

} // namespace alig::core
