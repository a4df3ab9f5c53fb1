#include "core/experiment/run_session.h"

#include "core/distributed/communicator.h"
#include "core/experiment/run_store.h"
#include "core/models/model.h"
#include "core/optim/lr_schedule.h"
#include "core/optim/optimizer_factory.h"
#include "core/train/blas_kernel.h"
#include "core/train/device.h"
#include "core/train/runtime_env.h"
#include "core/util/error.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <filesystem>
#include <mutex>

namespace fs = std::filesystem;
using nlohmann::json;

namespace alig::core {

namespace {

json runInfo(const RunSession& s, const std::string& program) {
    const auto& d = s.dataset();
    return json{
        {"format", 1},
        {"name", s.config().name},
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
    const torch::Tensor x = d.trainX.slice(0, 0, std::min<int64_t>(2, d.trainSize())).to(device);
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
        m_model = makeModel(m_config.model, m_dataset.inputShape, m_dataset.numClasses());
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
        s->m_runDir = createRunDir(
            config, options.outDir.empty() ? config.output.dir : options.outDir, options.runsDir);
        json info = runInfo(*s, options.program);
        info["model"] = {{"description", s->m_model->describe()},
                         {"parameters", s->m_model->parameterCount()}};
        if (comm)
            info["distributed"] = {{"world_size", comm->worldSize()},
                                   {"backend", comm->backend()},
                                   {"batch_per_rank", config.training.batchSize},
                                   {"global_batch", config.training.batchSize * comm->worldSize()}};
        s->m_recorder =
            std::make_unique<RunRecorder>(s->m_runDir, std::move(info), config.output.flushSeconds);
        s->m_trainer->addObserver(s->m_recorder.get());
        s->m_trainer->setCheckpointing((fs::path(s->m_runDir) / kCheckpointFile).string(),
                                       config.output.checkpointEvery);
    }
    return s;
}

std::unique_ptr<RunSession> RunSession::resume(const std::string& runDir,
                                               std::optional<int64_t> epochs,
                                               std::optional<std::string> device,
                                               std::optional<int64_t> threads,
                                               Communicator* communicator) {
    const fs::path base(runDir);
    if (!fs::is_directory(base)) throw Error(runDir + ": no such run folder");
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
    s->build(config, config.training.device, config.training.threads);
    s->m_runDir = runDir;
    // A run cut off before its first checkpoint starts again from its first step: the seed
    // gives the same weights and data order, so only that first epoch is trained twice.
    std::error_code ec;
    if (fs::exists(checkpoint, ec)) s->m_trainer->loadCheckpoint(checkpoint.string());
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
    info["threads"] = s->m_threads;
    info["end_time"] = nullptr;
    info["message"] = "";
    if (!info.contains("resumes") || !info["resumes"].is_array()) info["resumes"] = json::array();
    info["resumes"].push_back({{"time", isoNow()},
                               {"epoch", s->m_trainer->startEpoch()},
                               {"step", s->m_trainer->startStep()}});
    s->m_recorder =
        std::make_unique<RunRecorder>(runDir, std::move(info), config.output.flushSeconds,
                                      s->m_trainer->startStep(), s->m_trainer->startEpoch());
    s->m_trainer->addObserver(s->m_recorder.get());
    s->m_trainer->setCheckpointing(checkpoint.string(), config.output.checkpointEvery);
    return s;
}

RunResult RunSession::run() {
    try {
        return m_trainer->run();
    } catch (const std::exception& e) {
        std::string message = e.what();
        if (const auto* c10error = dynamic_cast<const c10::Error*>(&e))
            message = c10error->what_without_backtrace();
        RunResult result;
        result.status = RunStatus::Failed;
        result.message = "training failed: " + message;
        if (m_recorder) m_recorder->fail(result.message);
        return result;
    }
}

} // namespace alig::core
