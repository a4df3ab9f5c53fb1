#include "core/experiment/run_session.h"

#include "core/distributed/communicator.h"
#include "core/experiment/run_store.h"
#include "core/experiment/tensorboard_writer.h"
#include "core/models/model.h"
#include "core/optim/lr_schedule.h"
#include "core/optim/optimizer_factory.h"
#include "core/train/blas_kernel.h"
#include "core/train/device.h"
#include "core/train/runtime_env.h"
#include "core/util/error.h"
#include "core/util/format.h"
#include "core/util/run_lock.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <cstdio>
#include <filesystem>
#include <mutex>

namespace fs = std::filesystem;
using nlohmann::json;

namespace alig::core {

namespace {

json runInfo(const RunSession& s, const std::string& program, const std::string& name) {
    const auto& d = s.dataset();
    return json{
        {"format", 1},
        {"run_id", s.runId()},
        {"name", name.empty() ? s.config().name : name},
        {"config", s.config().toJson()},
        {"program", {{"name", program}, {"version", ALIG_VERSION}}},
        {"libtorch", TORCH_VERSION},
        {"threads", s.threads()},
        {"blas", blasCoreName()},
        {"blas_kernel", blasKernelReport()},
        {"omp_wait_policy", ompWaitPolicy()},
        {"seed", s.config().training.seed},
        {"dataset",
         {{"name", d.name},
          {"source", d.source},
          {"train_size", d.trainSize()},
          {"test_size", d.testSize()},
          {"input_shape", d.inputShape},
          {"classes", d.classNames}}},
        {"start_time", isoNow()},
        {"end_time", nullptr},
        {"status", "running"},
        {"message", ""},
        {"final_metrics", nullptr},
        {"checkpoint", nullptr},
    };
}

std::string shapeOf(const torch::Tensor& t) {
    std::string s = "[";
    for (int64_t i = 0; i < t.dim(); ++i)
        s += (i ? ", " : "") + std::to_string(t.size(i));
    return s + "]";
}

// One forward pass on two training samples before anything is recorded: a model that
// cannot take this data (images too small for its downsampling, a TorchScript file made
// for other inputs) is refused now, with the reason, not at its first step.
void checkModelTakesTheData(Model& model, const Dataset& d, const torch::Device& device,
                            const std::string& type) {
    if (d.trainSize() == 0) return; // the Trainer says so
    torch::NoGradGuard noGrad;
    model.train(false); // no dropout, no batch-norm statistics: nothing random changes
    const torch::Tensor x =
        d.input(d.trainX.slice(0, 0, std::min<int64_t>(2, d.trainSize()))).to(device);
    const std::string what = "model.type: a " + type + " model cannot take this dataset's inputs " +
                             "(a batch of shape " + shapeOf(x) + ")";
    torch::Tensor logits;
    try {
        logits = model.forward(x);
    } catch (const Error&) {
        throw;
    } catch (const c10::Error& e) {
        std::string reason = e.what_without_backtrace();
        reason = reason.substr(0, reason.find('\n'));
        throw Error(what + ": " + reason);
    }
    if (logits.dim() != 2 || logits.size(0) != x.size(0) || logits.size(1) != d.numClasses())
        throw Error(what + ": it returns shape " + shapeOf(logits) + ", expected [" +
                    std::to_string(x.size(0)) + ", " + std::to_string(d.numClasses()) + "]");
    model.train(true);
}

// What is wrong with a run folder's rows for a resume from a checkpoint at `step` and
// `epoch` (empty: nothing): every step 1..step and every epoch 1..epoch must be recorded,
// in order. Rows after the checkpoint are fine (a resume drops them).
std::string recordProblem(const std::string& dir, int64_t step, int64_t epoch) {
    RunRecord r;
    try {
        r = readRun(dir);
    } catch (const Error& e) {
        return e.what();
    }
    int64_t expect = 1;
    for (const auto& m : r.steps) {
        if (m.step > step) break;
        if (m.step != expect)
            return dir + "/metrics.csv: steps " + std::to_string(expect) + "-" +
                   std::to_string(m.step - 1) + " are missing (the checkpoint is at step " +
                   std::to_string(step) + ")";
        ++expect;
    }
    if (expect <= step)
        return dir + "/metrics.csv: steps " + std::to_string(expect) + "-" + std::to_string(step) +
               " are missing (the checkpoint is at step " + std::to_string(step) + ")";
    expect = 1;
    for (const auto& e : r.epochs) {
        if (e.epoch > epoch) break;
        if (e.epoch != expect) break;
        ++expect;
    }
    if (expect <= epoch)
        return dir + "/epochs.csv: epochs " + std::to_string(expect) + "-" + std::to_string(epoch) +
               " are missing (the checkpoint is at epoch " + std::to_string(epoch) + ")";
    return {};
}

// Out of memory while the model is built: name the setting that sized it. For an MLP the
// parameter count follows from model.hidden, so the message can say how much it needs.
std::string modelTooLarge(const ModelConfig& m, const Dataset& d, const std::string& reason) {
    std::string setting = "model: lower the model's size";
    if (parseModelType(m.type) == ModelType::Mlp) {
        int64_t in = 1;
        for (int64_t s : d.inputShape)
            in *= s;
        double params = 0.0;
        std::string widths;
        for (int64_t h : m.hidden) {
            params += static_cast<double>(in + 1) * static_cast<double>(h);
            widths += (widths.empty() ? "" : ", ") + std::to_string(h);
            in = h;
        }
        params += static_cast<double>(in + 1) * static_cast<double>(d.numClasses());
        char gb[64];
        std::snprintf(gb, sizeof gb, "%.1f GB", params * 4.0 / 1e9);
        setting = "model.hidden: [" + widths + "] needs " + gb + " for its weights alone (" +
                  formatNumber(params) + " parameters)";
    }
    return setting + "; building it ran out of memory (" + reason + ")";
}

} // namespace

RunSession::~RunSession() = default;

void RunSession::build(const ExperimentConfig& config, const std::string& device, int64_t threads) {
    m_config = config;
    m_config.validate();
    m_threads = configureThreads(static_cast<int>(threads));
    const torch::Device dev = resolveDevice(device);
    m_dataset = loadDataset(m_config.dataset);
    // The seed fixes the initial weights: the same seed gives the same model every time.
    {
        // Seeding and drawing the weights happen together, even when sessions are built on
        // several threads at once (compare, the window), so the seed alone decides them.
        std::lock_guard<std::mutex> lock(defaultGeneratorMutex());
        torch::manual_seed(m_config.training.seed);
        try {
            m_model = makeModel(m_config.model, m_dataset.inputShape, m_dataset.numClasses());
        } catch (const c10::Error& e) {
            std::string reason = e.what_without_backtrace();
            reason = reason.substr(0, reason.find('\n'));
            if (reason.find("allocate") == std::string::npos &&
                reason.find("out of memory") == std::string::npos)
                throw;
            throw Error(modelTooLarge(m_config.model, m_dataset, reason));
        }
    }
    m_model->to(dev);
    checkModelTakesTheData(*m_model, m_dataset, dev, m_config.model.type);
    m_optimizer = makeOptimizer(m_config.optimizer, m_model->parameters());
    m_trainer =
        std::make_unique<Trainer>(m_dataset, *m_model, *m_optimizer, m_config.training, dev);
    m_trainer->setSchedule(LrSchedule::fromConfig(m_config.optimizer));
}

std::unique_ptr<RunSession> RunSession::create(const ExperimentConfig& config,
                                               const SessionOptions& options) {
    std::unique_ptr<RunSession> s(new RunSession);
    s->build(config, config.training.device, config.training.threads);
    Communicator* comm = options.communicator;
    if (comm) s->m_trainer->setCommunicator(comm);
    if (options.record && (!comm || comm->rank() == 0)) {
        s->m_runId = options.runId.empty() ? newRunId() : options.runId;
        s->m_runDir =
            createRunDir(config, options.outDir.empty() ? config.output.dir : options.outDir,
                         options.runsDir, s->m_runId);
        // One writer per folder; checked again under the lock, so two runs started on one
        // --out at once cannot both pass the check and then share the folder.
        s->m_lock = std::make_unique<RunLock>(s->m_runDir);
        if (fs::exists(fs::path(s->m_runDir) / "run.json"))
            throw Error(s->m_runDir + ": already holds a run (use --resume to continue it, or "
                                      "choose another folder)");
        json info = runInfo(*s, options.program, options.name);
        info["model"] = {{"description", s->m_model->describe()},
                         {"parameters", s->m_model->parameterCount()}};
        if (comm)
            info["distributed"] = {{"world_size", comm->worldSize()},
                                   {"backend", comm->backend()},
                                   {"batch_per_rank", config.training.batchSize},
                                   {"global_batch", config.training.batchSize * comm->worldSize()}};
        s->record(
            std::make_unique<RunRecorder>(s->m_runDir, std::move(info), config.output.flushSeconds),
            -1);
    }
    return s;
}

std::unique_ptr<RunSession> RunSession::resume(const std::string& runDir,
                                               std::optional<int64_t> epochs,
                                               std::optional<std::string> device,
                                               std::optional<int64_t> threads,
                                               Communicator* communicator, bool repair) {
    const fs::path base(runDir);
    if (!fs::is_directory(base)) throw Error(runDir + ": no such run folder");
    // Taken before anything is read: a run still training there, or a second resume, is
    // refused instead of interleaving its rows. Data parallel: rank 0 alone writes.
    std::unique_ptr<RunLock> lock;
    if (!communicator || communicator->rank() == 0) lock = std::make_unique<RunLock>(runDir);
    json info = readJsonObjectFile((base / "run.json").string());
    if (!info.contains("config")) throw Error((base / "run.json").string() + ": has no \"config\"");
    ExperimentConfig config;
    try {
        config = ExperimentConfig::fromJson(info["config"]);
    } catch (const Error& e) {
        throw Error((base / "run.json").string() + ": config: " + e.what());
    }
    if (epochs) config.training.epochs = *epochs;
    if (device) config.training.device = *device;
    if (threads) config.training.threads = *threads;
    const fs::path checkpoint = base / kCheckpointFile;

    std::unique_ptr<RunSession> s(new RunSession);
    s->m_lock = std::move(lock);
    s->build(config, config.training.device, config.training.threads);
    s->m_runDir = runDir;
    // A run cut off before its first checkpoint starts again from its first step: the seed
    // gives the same weights and data order, so only that first epoch is trained twice.
    std::error_code ec;
    if (fs::exists(checkpoint, ec)) {
        std::string problem;
        try {
            s->m_trainer->loadCheckpoint(checkpoint.string());
            problem = recordProblem(runDir, s->m_trainer->startStep(), s->m_trainer->startEpoch());
        } catch (const Error& e) {
            problem = e.what();
        }
        if (!problem.empty() && !repair)
            throw Error(problem +
                        ". The run folder is damaged: restore it from a copy, or run "
                        "`alig-train --resume " +
                        runDir +
                        " --repair` to drop its checkpoint and rows and train it again from "
                        "the start (same seed, same numbers)");
        if (!problem.empty()) {
            // Kept beside, not deleted: the user may still want to look at it.
            const fs::path kept = checkpoint.string() + ".damaged";
            fs::rename(checkpoint, kept, ec);
            if (ec)
                throw Error(checkpoint.string() + ": cannot set the damaged checkpoint aside (" +
                            ec.message() + ")");
            size_t rows = 0, epochRows = 0;
            try {
                const RunRecord r = readRun(runDir);
                rows = r.steps.size();
                epochRows = r.epochs.size();
            } catch (const Error&) {
                // Unreadable rows are dropped all the same.
            }
            s->m_notes.push_back("repair: " + problem + "; dropped the checkpoint (kept as " +
                                 kept.string() + ") and the " + std::to_string(rows) +
                                 " rows of metrics.csv and " + std::to_string(epochRows) +
                                 " of epochs.csv; training again from the start");
            // Fresh weights and optimizer state from the seed, as the first start had.
            s->build(config, config.training.device, config.training.threads);
        }
    }
    if (s->m_trainer->startEpoch() >= config.training.epochs)
        throw Error(runDir + ": already trained " + std::to_string(s->m_trainer->startEpoch()) +
                    " of " + std::to_string(config.training.epochs) +
                    " epochs; pass --epochs N to train further");
    if (communicator) {
        s->m_trainer->setCommunicator(communicator);
        // Every rank reads the checkpoint; only rank 0 appends to the run folder.
        if (communicator->rank() != 0) return s;
    }
    info["config"] = config.toJson();
    // Runs recorded before ids existed get theirs now: the folder's name.
    s->m_runId = runIdOf(info, runDir);
    info["run_id"] = s->m_runId;
    // Results are reproducible for a given seed and thread count (the order of a parallel
    // sum depends on it): say so when a resume changes the count.
    if (info.contains("threads") && info["threads"].is_number_integer() &&
        info["threads"].get<int>() != s->m_threads)
        s->m_notes.push_back("threads: this run trained with " +
                             std::to_string(info["threads"].get<int>()) +
                             " threads and resumes with " + std::to_string(s->m_threads) +
                             "; from here on its numbers may differ from an uninterrupted run's "
                             "(pass --threads " +
                             std::to_string(info["threads"].get<int>()) + " to match)");
    info["threads"] = s->m_threads;
    info["end_time"] = nullptr;
    info["message"] = "";
    if (!info.contains("resumes") || !info["resumes"].is_array()) info["resumes"] = json::array();
    info["resumes"].push_back({{"time", isoNow()},
                               {"epoch", s->m_trainer->startEpoch()},
                               {"step", s->m_trainer->startStep()},
                               {"threads", s->m_threads}});
    s->record(std::make_unique<RunRecorder>(runDir, std::move(info), config.output.flushSeconds,
                                            s->m_trainer->startStep(), s->m_trainer->startEpoch()),
              s->m_trainer->startStep());
    return s;
}

void RunSession::record(std::unique_ptr<RunRecorder> recorder, int64_t resumeStep) {
    m_recorder = std::move(recorder);
    m_trainer->addObserver(m_recorder.get());
    if (m_config.output.tensorboard) {
        try {
            m_tensorboard = std::make_unique<TensorBoardWriter>(
                m_runDir, m_config, m_config.output.flushSeconds, resumeStep);
        } catch (const Error& e) {
            m_recorder->fail(e.what()); // run.json says why the run never started
            throw;
        }
        m_trainer->addObserver(m_tensorboard.get());
    }
    m_trainer->setCheckpointing((fs::path(m_runDir) / kCheckpointFile).string(),
                                m_config.output.checkpointEvery);
    m_trainer->setReadbackSeconds(m_config.output.flushSeconds);
}

void RunSession::setName(const std::string& name) {
    if (m_recorder) m_recorder->setName(name);
}

RunResult RunSession::run() {
    // The folder is free once the run has recorded its end: a finished session kept alive
    // (a test, a window that keeps its runs) must not block the folder's next resume.
    struct Unlock {
        std::unique_ptr<RunLock>& lock;
        ~Unlock() { lock.reset(); }
    } unlock{m_lock};
    try {
        return m_trainer->run();
    } catch (const std::exception& e) {
        std::string message = e.what();
        if (const auto* c10error = dynamic_cast<const c10::Error*>(&e))
            message = c10error->what_without_backtrace();
        // Name where it happened and, for the failures a setting causes, which settings.
        message = (m_trainer->currentStep() > 0
                       ? "at step " + std::to_string(m_trainer->currentStep()) + " (epoch " +
                             std::to_string(m_trainer->currentEpoch()) + "): "
                       : std::string(": ")) +
                  message;
        if (message.find("without overflow") != std::string::npos)
            message += " (a setting is too large for the model's floating-point type: check "
                       "optimizer.lr, optimizer.max_lr and the schedule)";
        if (message.find("out of memory") != std::string::npos ||
            message.find("can't allocate memory") != std::string::npos)
            message += " (model " + m_model->describe() + ", " +
                       std::to_string(m_model->parameterCount()) + " parameters, batch " +
                       std::to_string(m_config.training.batchSize) +
                       ": lower model.hidden or the width, or training.batch_size)";
        RunResult result;
        result.status = RunStatus::Failed;
        result.message = "training failed " + message;
        if (m_recorder) m_recorder->fail(result.message);
        return result;
    }
}

} // namespace alig::core
