#pragma once
// The experiment factory: from a validated config to a ready run (dataset, model and
// optimizer on the chosen device, a Trainer, a RunRecorder on its run directory), or
// back from a run directory to its last checkpoint. The CLI and the window both use it.

#include "core/data/dataset.h"
#include "core/experiment/experiment_config.h"
#include "core/train/trainer.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace torch::optim {
class Optimizer;
}

namespace alig::core {

class Communicator;
class Model;
class RunLock;
class RunRecorder;
class TensorBoardWriter;

struct SessionOptions {
    std::string outDir;                 // the run directory (empty: a new one under runsDir)
    std::string runsDir;                // where new run directories go (empty: defaultRunsDir())
    std::string program = "alig-train"; // recorded in run.json
    bool record = true;                 // false: no run directory (tests, quick demos)
    std::string runId;                  // run.json's run_id (empty: newRunId())
    std::string name;                   // run.json's display name (empty: the config's name)
    // Data parallel: this process's rank in the job (not owned). Only rank 0 records.
    Communicator* communicator = nullptr;
};

class RunSession {
public:
    // Loads the dataset, builds model and optimizer (seeded), creates the run directory.
    // Throws alig::core::Error on anything it can refuse before training starts.
    static std::unique_ptr<RunSession> create(const ExperimentConfig& config,
                                              const SessionOptions& options = {});
    // Reopens a run directory at its last checkpoint (or at its start when it was cut off
    // before the first one: its rows are then dropped and recorded again). `epochs` may
    // extend the run;
    // `device` and `threads` may differ from the original run's.
    // Before it trusts the folder, resume checks the checkpoint's checksum and that
    // metrics.csv and epochs.csv hold every row up to the checkpoint; a damaged folder is
    // refused with what is wrong, or, with `repair`, its checkpoint and rows are dropped and
    // the run trains again from its start (notes() says what was dropped). The folder is
    // locked for the session's life (RunLock): a second writer is refused.
    static std::unique_ptr<RunSession>
    resume(const std::string& runDir, std::optional<int64_t> epochs = {},
           std::optional<std::string> device = {}, std::optional<int64_t> threads = {},
           Communicator* communicator = nullptr, bool repair = false);
    ~RunSession();

    // Trains. Never throws for what happens during training: a failure ends the run with
    // status "failed" and a message, and what was recorded stays on disk.
    RunResult run();

    Trainer& trainer() { return *m_trainer; }
    const Dataset& dataset() const { return m_dataset; }
    Model& model() { return *m_model; }
    torch::optim::Optimizer& optimizer() { return *m_optimizer; }
    const ExperimentConfig& config() const { return m_config; }
    const std::string& runDir() const { return m_runDir; }
    // run.json's run_id (empty without a run directory).
    const std::string& runId() const { return m_runId; }
    // Thread-safe: the new display name goes into run.json now (no-op without a directory).
    void setName(const std::string& name);
    int threads() const { return m_threads; }
    // What the user should know before training starts (a repair, another thread count).
    const std::vector<std::string>& notes() const { return m_notes; }

private:
    RunSession() = default;
    void build(const ExperimentConfig& config, const std::string& device, int64_t threads);
    // The observers that write the run folder: the recorder, the TensorBoard events.
    void record(std::unique_ptr<RunRecorder> recorder, int64_t resumeStep);

    std::unique_ptr<RunLock> m_lock; // first member: released after everything that writes
    ExperimentConfig m_config;
    Dataset m_dataset;
    std::unique_ptr<Model> m_model;
    std::unique_ptr<torch::optim::Optimizer> m_optimizer;
    std::unique_ptr<Trainer> m_trainer;
    std::unique_ptr<RunRecorder> m_recorder;
    std::unique_ptr<TensorBoardWriter> m_tensorboard; // with output.tensorboard
    std::string m_runDir;
    std::string m_runId;
    int m_threads = 0;
    std::vector<std::string> m_notes;
};

} // namespace alig::core
