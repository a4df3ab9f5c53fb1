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

namespace torch::optim {
class Optimizer;
}

namespace alig::core {

class Communicator;
class Model;
class RunRecorder;

struct SessionOptions {
    std::string outDir;                 // the run directory (empty: a new one under runsDir)
    std::string runsDir;                // where new run directories go (empty: defaultRunsDir())
    std::string program = "alig-train"; // recorded in run.json
    bool record = true;                 // false: no run directory (tests, quick demos)
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
    static std::unique_ptr<RunSession> resume(const std::string& runDir,
                                              std::optional<int64_t> epochs = {},
                                              std::optional<std::string> device = {},
                                              std::optional<int64_t> threads = {},
                                              Communicator* communicator = nullptr);
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
    int threads() const { return m_threads; }

private:
    RunSession() = default;
    void build(const ExperimentConfig& config, const std::string& device, int64_t threads);

    ExperimentConfig m_config;
    Dataset m_dataset;
    std::unique_ptr<Model> m_model;
    std::unique_ptr<torch::optim::Optimizer> m_optimizer;
    std::unique_ptr<Trainer> m_trainer;
    std::unique_ptr<RunRecorder> m_recorder;
    std::string m_runDir;
    int m_threads = 0;
};

} // namespace alig::core
