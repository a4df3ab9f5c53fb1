#include "core/train/trainer.h"

#include "core/models/model.h"
#include "core/models/module_model.h"
#include "core/optim/alig.h"
#include "core/optim/alig_fused.h"
#include "core/optim/eval_weights.h"
#include "core/optim/grad_norm.h"
#include "core/train/checkpoint_file.h"
#include "core/train/device.h"
#include "core/train/parallel_parts.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/write_error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/autocast_mode.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

namespace alig::core {

namespace {

// Each epoch draws its order, dropout and augmentation from a seed derived from the run's
// seed and the epoch, so a run resumed at an epoch boundary replays the same randomness.
uint64_t epochSeed(uint64_t seed, int64_t epoch) {
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(epoch + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

std::string describeNonFinite(double v) {
    return std::isnan(v) ? "nan" : "infinite";
}

// training.autocast = "bf16": LibTorch's autocast in bfloat16 for the forward pass on this
// thread, restored on leaving. LibTorch 2.4 names the switches per device type; 1.13 to 2.3
// have one set for CUDA and one for CPU.
class AutocastScope {
public:
    AutocastScope(bool on, torch::DeviceType type)
        : m_on(on)
        , m_type(type) {
        if (!m_on) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        m_wasEnabled = at::autocast::is_autocast_enabled(type);
        m_dtype = at::autocast::get_autocast_dtype(type);
        at::autocast::set_autocast_dtype(type, at::kBFloat16);
        at::autocast::set_autocast_enabled(type, true);
#else
        if (type == torch::kCUDA) {
            m_wasEnabled = at::autocast::is_enabled();
            m_dtype = at::autocast::get_autocast_gpu_dtype();
            at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
            at::autocast::set_enabled(true);
        } else {
            m_wasEnabled = at::autocast::is_cpu_enabled();
            m_dtype = at::autocast::get_autocast_cpu_dtype();
            at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
            at::autocast::set_cpu_enabled(true);
        }
#endif
        at::autocast::increment_nesting();
    }
    ~AutocastScope() {
        if (!m_on) return;
        if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        at::autocast::set_autocast_enabled(m_type, m_wasEnabled);
        at::autocast::set_autocast_dtype(m_type, m_dtype);
#else
        if (m_type == torch::kCUDA) {
            at::autocast::set_enabled(m_wasEnabled);
            at::autocast::set_autocast_gpu_dtype(m_dtype);
        } else {
            at::autocast::set_cpu_enabled(m_wasEnabled);
            at::autocast::set_autocast_cpu_dtype(m_dtype);
        }
#endif
    }
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    bool m_on;
    torch::DeviceType m_type;
    bool m_wasEnabled = false;
    at::ScalarType m_dtype = at::kBFloat16;
};

} // namespace

std::string runStatusName(RunStatus status) {
    switch (status) {
    case RunStatus::Running:
        return "running";
    case RunStatus::Completed:
        return "completed";
    case RunStatus::Stopped:
        return "stopped";
    case RunStatus::Diverged:
        return "diverged";
    case RunStatus::Failed:
        return "failed";
    }
    return "unknown";
}

RunStatus runStatusFromName(const std::string& text) {
    for (auto s : {RunStatus::Running, RunStatus::Completed, RunStatus::Stopped,
                   RunStatus::Diverged, RunStatus::Failed})
        if (runStatusName(s) == text) return s;
    throw Error("unknown run status \"" + text + "\"");
}

// One step's numbers, still on the device until flushSteps() reads a batch of them.
struct Trainer::PendingStep {
    int64_t step = 0, epoch = 0, batchSize = 0;
    double elapsed = 0.0, maxLr = NAN, hostStepSize = NAN;
    torch::Tensor loss, correct, gradSquaredNorm, stepSize, unclipped, clipped;
    torch::Tensor moveSquaredNorm;     // ||w_new - w_old||^2
    torch::Tensor moveDotGrad;         // <w_old - w_new, g>: ALI-G with momentum only
    torch::Tensor momentumSquaredNorm; // ||momentum term||^2, when ALI-G measured it itself
    std::vector<std::pair<std::string, torch::Tensor>> extras; // the method's own quantities
};

Trainer::Trainer(const Dataset& dataset, Model& model, torch::optim::Optimizer& optimizer,
                 TrainingConfig config, torch::Device device)
    : m_dataset(dataset)
    , m_model(model)
    , m_optimizer(optimizer)
    , m_config(std::move(config))
    , m_device(device)
    , m_loss(parseLoss(m_config.loss))
    , m_autocast(parseAutocast(m_config.autocast))
    , m_readout(optimizer)
    , m_evalWeights(dynamic_cast<EvalWeights*>(&optimizer))
    , m_params(model.parameters())
    , m_sync(makeLocalSync()) {
    if (dataset.trainSize() == 0) throw Error("the training set is empty");
    // One copy of the data on the device; batches are index selections into it.
    // Byte images stay bytes there too; each batch becomes float32 when it is used (m_input).
    m_input = dataset.input.to(device);
    m_trainX = dataset.trainX.to(device);
    m_trainY = dataset.trainY.to(device);
    if (dataset.testSize() > 0) {
        m_testX = dataset.testX.to(device);
        m_testY = dataset.testY.to(device);
    }
    // The schedule scales each group's own learning rate (max_lr for ALI-G and the other
    // adaptive-step methods). The unscaled values are the config's, taken here, before a
    // checkpoint could restore an already scaled one.
    for (auto& group : m_optimizer.param_groups())
        m_baseLr.push_back(group.options().get_lr());
    // On CUDA, ALI-G takes its step in two fused kernels (the LibTorch path is the fallback).
    if (device.is_cuda()) enableFusedAligStep();
    m_metricsInterval = m_config.metricsInterval > 0 ? m_config.metricsInterval
                        : device.is_cuda()           ? 50
                                                     : 1;
}

Trainer::~Trainer() = default;

void Trainer::addObserver(TrainingObserver* observer) {
    m_observers.push_back(observer);
}

void Trainer::setCheckpointing(std::string path, int64_t every) {
    m_checkpointPath = std::move(path);
    m_checkpointEvery = every;
}

void Trainer::setCommunicator(Communicator* communicator) {
    m_sync = communicator ? makeDataParallelSync(*communicator, m_device) : makeLocalSync();
}

int64_t Trainer::stepsPerEpoch() const {
    const int64_t n = m_trainX.size(0);
    const int64_t perStep = m_config.batchSize * m_sync->worldSize();
    return (n + perStep - 1) / perStep;
}

void Trainer::pause() {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_paused = true;
    m_wake.notify_all();
}

void Trainer::resume() {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_paused = false;
    m_stepsAllowed = 0;
    m_wake.notify_all();
}

void Trainer::stop() {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_stop = true;
    m_wake.notify_all();
}

void Trainer::stepOnce() {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_paused)
        ++m_stepsAllowed;
    else
        m_paused = true; // a running run stops at the next step boundary, ready to step
    m_wake.notify_all();
}

void Trainer::setMaxLr(std::optional<double> maxLr) {
    if (maxLr && !(*maxLr > 0.0))
        throw Error("optimizer.max_lr: must be > 0, got " + std::to_string(*maxLr));
    std::lock_guard<std::mutex> lock(m_mutex);
    m_newMaxLr = maxLr;
    m_maxLrChanged = true;
}

double Trainer::elapsedSeconds() const {
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_clockStart).count();
    return m_elapsedBefore + wall - m_pausedSeconds;
}

bool Trainer::waitForGo(int64_t stepsDone) {
    const int64_t limit = m_stopAfterStep;
    // Data parallel: every rank must take the same steps, so only the group's decision counts.
    if (!m_sync->followsLocalControl())
        return !m_sync->mustStop(m_stop) && !(limit > 0 && stepsDone >= limit);
    if (m_stop || (limit > 0 && stepsDone >= limit)) return false;
    if (!m_paused) {
        reportPaused(false);
        return true;
    }
    reportPaused(true);
    const auto since = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(m_mutex);
    m_wake.wait(lock, [&] { return m_stop || !m_paused || m_stepsAllowed > 0; });
    m_pausedSeconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
    lock.unlock();
    if (!m_paused) reportPaused(false);
    if (m_stop) return false;
    if (m_paused && m_stepsAllowed > 0) --m_stepsAllowed;
    return true;
}

void Trainer::reportPaused(bool paused) {
    if (paused == m_reportedPaused) return;
    m_reportedPaused = paused;
    for (auto* o : m_observers)
        o->onPause(paused);
}

torch::Tensor Trainer::sampleLossesOf(const torch::Tensor& logits,
                                      const torch::Tensor& labels) const {
    if (m_loss == LossKind::MulticlassHinge) {
        auto margin = 1.0 - torch::one_hot(labels, logits.size(1)).to(logits.dtype());
        auto top = (logits + margin).amax(1);
        return top - logits.gather(1, labels.unsqueeze(1)).squeeze(1);
    }
    return torch::nn::functional::cross_entropy(
        logits, labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
}

torch::Tensor Trainer::lossOf(const torch::Tensor& logits, const torch::Tensor& labels) const {
    if (m_loss == LossKind::MulticlassHinge) {
        // Crammer-Singer multi-class hinge, as in DFW and ALI-G's SVM experiments:
        // max_j (s_j + [j != y]) - s_y, averaged over the batch.
        auto margin = 1.0 - torch::one_hot(labels, logits.size(1)).to(logits.dtype());
        auto top = (logits + margin).amax(1);
        return (top - logits.gather(1, labels.unsqueeze(1)).squeeze(1)).mean();
    }
    return torch::nn::functional::cross_entropy(logits, labels);
}

torch::Tensor Trainer::forward(const torch::Tensor& x) {
    const bool autocast = m_autocast == AutocastMode::BFloat16;
    torch::Tensor logits;
    {
        AutocastScope scope(autocast, m_device.type());
        logits = m_model.forward(m_input(x));
    }
    // The loss (and so ALI-G's step) in float32, from bfloat16 logits.
    return autocast ? logits.to(torch::kFloat) : logits;
}

EvalResult Trainer::evaluate(const torch::Tensor& inputs, const torch::Tensor& labels,
                             double threshold) {
    EvalResult result;
    if (!inputs.defined() || inputs.size(0) == 0) return result;
    torch::NoGradGuard noGrad;
    m_model.train(false);
    const int64_t n = inputs.size(0);
    torch::Tensor lossSum = torch::zeros({}, inputs.options().dtype(torch::kFloat64));
    torch::Tensor correct = torch::zeros({}, inputs.options().dtype(torch::kLong));
    torch::Tensor below = torch::zeros({}, inputs.options().dtype(torch::kLong));
    for (int64_t start = 0; start < n; start += m_config.evalBatchSize) {
        const int64_t end = std::min(n, start + m_config.evalBatchSize);
        auto x = inputs.slice(0, start, end);
        auto y = labels.slice(0, start, end);
        auto logits = forward(x);
        lossSum += lossOf(logits, y).to(torch::kFloat64) * static_cast<double>(end - start);
        correct += (logits.argmax(1) == y).sum();
        if (threshold > 0.0) below += (sampleLossesOf(logits, y) < threshold).sum();
    }
    result.belowThreshold = threshold > 0.0 ? below.item<int64_t>() : 0;
    result.loss = lossSum.item<double>() / static_cast<double>(n);
    result.accuracy = static_cast<double>(correct.item<int64_t>()) / static_cast<double>(n);
    return result;
}

double Trainer::interpolationFraction() {
    const double threshold = m_config.interpolationThreshold;
    if (!(threshold > 0.0) || !m_trainX.defined() || m_trainX.size(0) == 0) return NAN;
    const int64_t n = m_config.interpolationSamples > 0
                          ? std::min(m_config.interpolationSamples, m_trainX.size(0))
                          : m_trainX.size(0);
    const EvalResult r = evaluate(m_trainX.slice(0, 0, n), m_trainY.slice(0, 0, n), threshold);
    return static_cast<double>(r.belowThreshold) / static_cast<double>(n);
}

bool Trainer::weightsFinite(int64_t step, int64_t epoch) {
    torch::NoGradGuard noGrad;
    for (const auto& p : m_model.parameters())
        if (p.is_floating_point() && !torch::isfinite(p).all().item<bool>()) {
            m_result.status = RunStatus::Diverged;
            m_result.message = "diverged at step " + std::to_string(step) + " (epoch " +
                               std::to_string(epoch) + "): the weights are not finite";
            return false;
        }
    return true;
}

bool Trainer::flushSteps() {
    m_lastReadback = std::chrono::steady_clock::now();
    if (m_pending.empty()) return true;
    constexpr int kColumns = 9;
    auto columnsOf = [](const PendingStep& p) {
        return std::array<const torch::Tensor*, kColumns>{
            &p.loss,    &p.correct,         &p.gradSquaredNorm, &p.stepSize,           &p.unclipped,
            &p.clipped, &p.moveSquaredNorm, &p.moveDotGrad,     &p.momentumSquaredNorm};
    };
    std::vector<double> hostValues;
    torch::Tensor host;
    const double* v = nullptr;
    if (m_device.is_cpu()) {
        // On the CPU the numbers are already in memory: read them (about 1 us each), where
        // stacking them as tensors took some twenty LibTorch ops per step.
        hostValues.resize(kColumns * m_pending.size());
        for (size_t i = 0; i < m_pending.size(); ++i) {
            const auto columns = columnsOf(m_pending[i]);
            for (int c = 0; c < kColumns; ++c)
                hostValues[kColumns * i + c] =
                    columns[c]->defined() ? columns[c]->item<double>() : 0.0;
        }
        v = hostValues.data();
    } else {
        // One stack and one device-to-host copy for the whole batch of steps.
        std::vector<torch::Tensor> rows;
        rows.reserve(m_pending.size());
        for (const auto& p : m_pending) {
            auto zero = torch::zeros({}, p.loss.options().dtype(torch::kFloat64));
            std::vector<torch::Tensor> row;
            for (const torch::Tensor* t : columnsOf(p))
                row.push_back(t->defined() ? t->to(torch::kFloat64).reshape({}) : zero);
            rows.push_back(torch::stack(row));
        }
        host = torch::stack(rows).cpu().contiguous();
        v = host.data_ptr<double>();
    }

    // The methods' own quantities: few, so one read each on the CPU, one transfer on a GPU.
    std::vector<double> extraValues;
    {
        std::vector<torch::Tensor> extras;
        for (const auto& p : m_pending)
            for (const auto& e : p.extras)
                extras.push_back(e.second.defined() ? e.second.to(torch::kFloat64).reshape({})
                                                    : torch::full({}, NAN, torch::kFloat64));
        if (!extras.empty()) {
            if (m_device.is_cpu()) {
                for (const auto& t : extras)
                    extraValues.push_back(t.item<double>());
            } else {
                for (auto& t : extras)
                    t = t.to(m_device);
                const torch::Tensor all = torch::stack(extras).cpu().contiguous();
                extraValues.assign(all.data_ptr<double>(), all.data_ptr<double>() + all.numel());
            }
        }
    }
    size_t nextExtra = 0;

    std::vector<StepMetrics> steps;
    steps.reserve(m_pending.size());
    bool diverged = false;
    for (size_t i = 0; i < m_pending.size() && !diverged; ++i) {
        const auto& p = m_pending[i];
        const double* row = v + kColumns * i;
        StepMetrics m;
        m.step = p.step;
        m.epoch = p.epoch;
        m.loss = row[0];
        m.accuracy = row[1] / static_cast<double>(p.batchSize);
        m.gradNorm = std::sqrt(row[2]);
        // A step before its cap only where there is a cap (NaN otherwise: nothing to plot).
        if (p.stepSize.defined()) {
            m.stepSize = row[3];
            m.unclippedStepSize = p.unclipped.defined() ? row[4] : NAN;
            m.clipped = row[5] != 0.0;
        } else {
            m.stepSize = p.hostStepSize;
            m.unclippedStepSize = NAN;
        }
        // The same measure for every method: how far the weights moved per unit of gradient.
        m.effectiveStep = m.gradNorm > 0.0 ? std::sqrt(row[6]) / m.gradNorm : 0.0;
        if (p.momentumSquaredNorm.defined()) {
            m.momentumStep = std::sqrt(row[8]);
        } else if (p.moveDotGrad.defined()) {
            // w_old - w_new = step g - (momentum term), so ||momentum term||^2 =
            // step^2 ||g||^2 - 2 step <w_old - w_new, g> + ||w_old - w_new||^2.
            const double s = m.stepSize;
            m.momentumStep = std::sqrt(std::max(0.0, s * s * row[2] - 2.0 * s * row[7] + row[6]));
        }
        m.maxLr = p.maxLr;
        m.elapsed = p.elapsed;
        for (const auto& e : p.extras)
            m.extras.emplace_back(e.first, extraValues[nextExtra++]);
        steps.push_back(m);
        if (!std::isfinite(m.loss) || !std::isfinite(m.gradNorm)) {
            diverged = true;
            m_result.status = RunStatus::Diverged;
            m_result.message =
                "diverged at step " + std::to_string(m.step) + " (epoch " +
                std::to_string(m.epoch) + "): " +
                (!std::isfinite(m.loss) ? "the loss is " + describeNonFinite(m.loss)
                                        : "the gradient norm is " + describeNonFinite(m.gradNorm));
        }
        m_result.steps = m.step;
        m_epochLossSum += m.loss * static_cast<double>(p.batchSize);
        m_epochCorrect += row[1];
        m_epochCount += p.batchSize;
    }
    m_pending.clear();
    for (auto* o : m_observers)
        o->onSteps(steps);
    return !diverged;
}

// ---- The loop, in the order of its description (ARCHITECTURE, "The data flow of one run") ----

RunResult Trainer::run() {
    m_result = RunResult{};
    m_result.status = RunStatus::Running;
    m_result.steps = m_startStep;
    m_result.epochsCompleted = m_startEpoch;
    m_clockStart = std::chrono::steady_clock::now();
    m_pausedSeconds = 0.0;
    const int64_t perEpoch = stepsPerEpoch();
    m_sync->start(m_model);

    RunStartInfo start{m_config.epochs, m_startEpoch, m_startStep, perEpoch, m_device.str()};
    for (auto* o : m_observers)
        o->onRunStart(start);
    // The momentum term's length is a second sum over each momentum buffer: only measured
    // when some observer shows it (the step anatomy), not for the run folder or a terminal.
    m_momentumWanted = false;
    for (auto* o : m_observers)
        m_momentumWanted = m_momentumWanted || o->showsMomentumTerm();
    if (auto* alig = dynamic_cast<AliG*>(&m_optimizer))
        alig->setMomentumTermWanted(m_momentumWanted);
    prepareBatchSplit();

    int64_t step = m_startStep;
    m_lastReadback = std::chrono::steady_clock::now();
    for (int64_t epoch = m_startEpoch + 1;
         epoch <= m_config.epochs && m_result.status == RunStatus::Running; ++epoch) {
        const auto epochStart = std::chrono::steady_clock::now();
        const double pausedAtEpochStart = m_pausedSeconds;
        const torch::Tensor order = beginEpoch(epoch);

        for (int64_t b = 0; b < perEpoch; ++b) {
            if (!waitForGo(step)) {
                m_result.status = RunStatus::Stopped;
                m_result.message = stopMessage(step, epoch, b == 0);
                break;
            }
            applyStepSizeEdits(step, perEpoch);
            // Named in an error this step raises (overflow, out of memory).
            m_currentStep = step + 1;
            m_currentEpoch = epoch;
            const BatchSlice slice = nextBatch(b);
            const LocalBatch local = forwardBackward(order, slice);
            // The group's stop decision is read back only where every rank looks: at metric
            // read-backs and epoch ends.
            const bool decide = (step + 1) % m_metricsInterval == 0 || b + 1 == perEpoch;
            const SyncedBatch synced = m_sync->sync(m_params, local, m_stop, decide);

            PendingStep p;
            p.step = ++step;
            p.epoch = epoch;
            p.batchSize = slice.count;
            p.loss = synced.loss;
            p.correct = synced.correct;
            optimizerStep(p, synced.loss);
            p.elapsed = elapsedSeconds();
            if (!record(std::move(p))) break;
        }
        if (!flushSteps() || m_result.status != RunStatus::Running) break;
        if (!weightsFinite(step, epoch)) break;
        m_sync->endEpoch(m_model, epoch);

        const EpochMetrics em = evaluateEpoch(epoch, step, epochStart, pausedAtEpochStart);
        for (auto* o : m_observers)
            o->onEpoch(em);
        if (m_sync->evaluates() && m_testX.defined() && m_testX.size(0) > 0 &&
            !std::isfinite(em.testLoss)) {
            // The weights took the step, but the model they make is no model: no checkpoint.
            m_result.status = RunStatus::Diverged;
            m_result.message = "diverged at step " + std::to_string(step) + " (epoch " +
                               std::to_string(epoch) + "): the test loss is " +
                               describeNonFinite(em.testLoss);
            break;
        }
        checkpointIfDue(epoch, step, em.elapsed);
    }
    if (m_result.status == RunStatus::Running) {
        m_result.status = RunStatus::Completed;
        m_result.message = "completed " + std::to_string(m_result.epochsCompleted) + " epochs";
    }
    m_result.steps = step;
    m_result.elapsed = elapsedSeconds();
    for (auto* o : m_observers)
        o->onRunEnd(m_result);
    return m_result;
}

std::string Trainer::stopMessage(int64_t step, int64_t epoch, bool atEpochStart) const {
    if (step == 0) return "stopped before the first step";
    // The epoch of the last step taken: a stop at an epoch boundary belongs to the epoch that
    // just ended.
    return "stopped at step " + std::to_string(step) + " (epoch " +
           std::to_string(atEpochStart ? epoch - 1 : epoch) + ")";
}

torch::Tensor Trainer::beginEpoch(int64_t epoch) {
    // The data order comes from a generator of this run's own, so runs training side by side
    // (compare, sweep) see the same order; dropout and augmentation draw from the seeded
    // default generator.
    const uint64_t seed = epochSeed(m_config.seed, epoch);
    {
        // Ranks draw different dropout and augmentation; the order is the same for all.
        std::lock_guard<std::mutex> lock(defaultGeneratorMutex());
        torch::manual_seed(seed + static_cast<uint64_t>(m_sync->rank()));
    }
    const int64_t n = m_trainX.size(0);
    auto orderGenerator = at::make_generator<at::CPUGeneratorImpl>(seed);
    torch::Tensor order = m_config.shuffle ? torch::randperm(n, orderGenerator, torch::kLong)
                                           : torch::arange(n, torch::kLong);
    m_model.train(true);
    m_epochLossSum = 0.0;
    m_epochCorrect = 0.0;
    m_epochCount = 0;
    return order.to(m_device);
}

void Trainer::applyStepSizeEdits(int64_t step, int64_t perEpoch) {
    auto& groups = m_optimizer.param_groups();
    if (m_maxLrChanged.exchange(false) && m_readout.choosesStep()) {
        // A live max_lr edit: it becomes the new base that the schedule scales (the groups'
        // lr is the adaptive methods' cap; infinity: none).
        std::lock_guard<std::mutex> lock(m_mutex);
        const double value = m_newMaxLr ? *m_newMaxLr : std::numeric_limits<double>::infinity();
        for (size_t g = 0; g < groups.size(); ++g) {
            groups[g].options().set_lr(value);
            m_baseLr[g] = value;
        }
    }
    if (!m_schedule.isConstant()) {
        const double f = m_schedule.factor(step, perEpoch, m_config.epochs * perEpoch);
        for (size_t g = 0; g < m_baseLr.size(); ++g)
            if (std::isfinite(m_baseLr[g])) groups[g].options().set_lr(m_baseLr[g] * f);
    }
}

Trainer::BatchSlice Trainer::nextBatch(int64_t b) const {
    // Data parallel: this rank's share of the step's samples (all ranks share the order, and
    // an uneven last batch is split as evenly as it goes).
    const int64_t n = m_trainX.size(0);
    const int world = m_sync->worldSize(), rank = m_sync->rank();
    const int64_t globalBatch = m_config.batchSize * world;
    BatchSlice s;
    const int64_t first = b * globalBatch;
    s.count = std::min(n, first + globalBatch) - first;
    s.lo = first + s.count * rank / world;
    s.hi = first + s.count * (rank + 1) / world;
    return s;
}

void Trainer::prepareBatchSplit() {
    m_replicas.clear();
    m_replicaParams.clear();
    const int threads = at::get_num_threads();
    // On the CPU, with several threads, for models whose copies give the same numbers on a
    // part of a batch (no BatchNorm statistics, no dropout: ModuleModel::replica()); autocast is a
    // per-thread setting, so it stays on the one-thread path.
    auto* model = dynamic_cast<ModuleModel*>(&m_model);
    // Without OpenMP the parts would run one after the other: nothing to gain.
    if (!model || threads < 2 || !m_device.is_cpu() || m_autocast != AutocastMode::Off ||
        !partsRunInParallel())
        return;
    // The copies are built with their own initial weights, drawn from the default generator:
    // its state is put back, so that the run draws what it would have drawn without them.
    std::lock_guard<std::mutex> lock(defaultGeneratorMutex());
    auto generator = at::detail::getDefaultCPUGenerator();
    const torch::Tensor state = generator.get_state();
    for (int k = 1; k < threads; ++k) {
        std::unique_ptr<Model> copy = model->replica();
        if (!copy) {
            m_replicas.clear();
            break;
        }
        m_replicas.push_back(std::move(copy));
    }
    generator.set_state(state);
    for (auto& copy : m_replicas)
        m_replicaParams.push_back(copy->parameters());
}

LocalBatch Trainer::splitForwardBackward(const torch::Tensor& x, LocalBatch batch) {
    const int64_t n = batch.samples;
    const int parts = static_cast<int>(m_replicas.size()) + 1;
    // Part k's rows [lo, hi) of the batch, and its share of the batch.
    const auto rows = [n, parts](int64_t k) {
        return std::pair<int64_t, int64_t>(n * k / parts, n * (k + 1) / parts);
    };
    const auto share = [n](int64_t lo, int64_t hi) {
        return static_cast<double>(hi - lo) / static_cast<double>(n);
    };
    std::vector<torch::Tensor> logits(parts), losses(parts);
    {
        torch::NoGradGuard noGrad;
        for (size_t r = 0; r < m_replicas.size(); ++r)
            for (size_t i = 0; i < m_params.size(); ++i) {
                // The weights the optimizer just wrote (it may have replaced a tensor).
                m_replicaParams[r][i].set_data(m_params[i]);
                m_replicaParams[r][i].mutable_grad() = torch::Tensor();
            }
    }
    // Each part's GEMMs run single-threaded on its own thread; OpenBLAS's pool would
    // otherwise start threads of its own under each of them.
    BlasThreadsScope singleThreadedBlas(1);
    forEachPartInParallel(parts, [&](int64_t k) {
        const auto [lo, hi] = rows(k);
        if (hi == lo) return;
        Model& model = k == 0 ? m_model : *m_replicas[static_cast<size_t>(k - 1)];
        const torch::Tensor part = model.forward(x.narrow(0, lo, hi - lo));
        const torch::Tensor loss = lossOf(part, batch.labels.narrow(0, lo, hi - lo));
        // Weighted by the part's share, the parts' gradients add up to the batch's.
        (loss * share(lo, hi)).backward();
        logits[static_cast<size_t>(k)] = part.detach();
        losses[static_cast<size_t>(k)] = loss.detach();
    });
    torch::NoGradGuard noGrad;
    // Summed in a fixed order, so a given thread count gives the same numbers every run.
    for (size_t i = 0; i < m_params.size(); ++i)
        for (size_t r = 0; r < m_replicas.size(); ++r) {
            const torch::Tensor& g = m_replicaParams[r][i].grad();
            if (!g.defined()) continue;
            if (m_params[i].grad().defined())
                m_params[i].mutable_grad().add_(g);
            else
                m_params[i].mutable_grad() = g.clone();
        }
    torch::Tensor loss = torch::zeros({}, losses.front().options());
    std::vector<torch::Tensor> pieces;
    for (int k = 0; k < parts; ++k) {
        const auto [lo, hi] = rows(k);
        if (hi == lo) continue;
        loss += losses[static_cast<size_t>(k)] * share(lo, hi);
        pieces.push_back(logits[static_cast<size_t>(k)]);
    }
    batch.loss = loss;
    batch.logits = torch::cat(pieces);
    return batch;
}

LocalBatch Trainer::forwardBackward(const torch::Tensor& order, const BatchSlice& slice) {
    m_optimizer.zero_grad();
    LocalBatch batch;
    batch.samples = slice.hi - slice.lo;
    batch.stepSamples = slice.count;
    if (batch.samples == 0) return batch;
    const auto idx = order.slice(0, slice.lo, slice.hi);
    // Scaled before augmenting: a crop pads with zeros of the normalised image, as before.
    auto x = m_input(m_trainX.index_select(0, idx));
    batch.labels = m_trainY.index_select(0, idx);
    if (m_dataset.augmentation.enabled()) x = augmentBatch(x, m_dataset.augmentation);
    if (!m_replicas.empty() && batch.samples > static_cast<int64_t>(m_replicas.size()))
        return splitForwardBackward(x, std::move(batch));
    batch.logits = forward(x);
    batch.loss = lossOf(batch.logits, batch.labels);
    batch.loss.backward();
    return batch;
}

void Trainer::optimizerStep(PendingStep& p, const torch::Tensor& loss) {
    const double groupLr = m_optimizer.param_groups().front().options().get_lr();
    if (!m_readout.choosesStep() || !m_readout.reportsGradSquaredNorm()) {
        torch::NoGradGuard noGrad;
        p.gradSquaredNorm = squaredNorm(definedGrads(m_params));
        p.hostStepSize = groupLr;
    }
    // The cap of the adaptive-step methods (ALI-G, SPS, Polyak, DFW): scheduled, or edited live.
    if (m_readout.lrIsStepCap()) p.maxLr = std::isfinite(groupLr) ? groupLr : NAN;
    // An optimizer that measures ||w_new - w_old|| in its own pass (ALI-G's fused CPU step)
    // spares the copy of w_old; for the others, one copy into buffers made once.
    const bool moveMeasured = m_readout.measuresMove();
    if (!moveMeasured) {
        torch::NoGradGuard noGrad;
        if (m_before.size() != m_params.size()) {
            m_before.clear();
            for (const auto& w : m_params)
                m_before.push_back(torch::empty_like(w));
        }
        for (size_t i = 0; i < m_params.size(); ++i)
            m_before[i].copy_(m_params[i]);
    }
    m_optimizer.step([&] { return loss; });
    const StepReport r = m_readout.last();
    if (!moveMeasured) {
        torch::NoGradGuard noGrad;
        torch::_foreach_sub_(m_before, m_params);
        p.moveSquaredNorm = squaredNorm(m_before);
        if (m_momentumWanted && m_readout.hasMomentumTerm()) {
            // For the step anatomy: the momentum term's length (see flushSteps).
            torch::Tensor dot = torch::zeros({}, p.moveSquaredNorm.options());
            for (size_t i = 0; i < m_params.size(); ++i)
                if (m_params[i].grad().defined())
                    dot += (m_before[i] * m_params[i].grad()).sum().to(dot.dtype());
            p.moveDotGrad = dot;
        }
    } else {
        p.moveSquaredNorm = r.moveSquaredNorm;
        if (m_readout.hasMomentumTerm()) p.momentumSquaredNorm = r.momentumSquaredNorm;
    }
    if (r.gradSquaredNorm.defined()) p.gradSquaredNorm = r.gradSquaredNorm;
    if (r.stepSize.defined()) {
        // The step the method chose, on the device.
        p.stepSize = r.stepSize;
        // Only a capped step has a value before its cap (the others' would repeat the step,
        // and a plot would call it ALI-G's ratio).
        if (m_readout.lrIsStepCap()) p.unclipped = r.unclipped;
        p.clipped = r.clipped;
    }
    p.extras = r.extras;
}

bool Trainer::record(PendingStep p) {
    m_pending.push_back(std::move(p));
    // Rows on disk within output.flush_seconds whatever metricsInterval is (data parallel:
    // every rank must read back at the same step, so no clock there).
    const bool late =
        m_readbackSeconds > 0.0 && m_sync->followsLocalControl() &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_lastReadback).count() >=
            0.5 * m_readbackSeconds;
    const bool due = static_cast<int64_t>(m_pending.size()) >= m_metricsInterval || late ||
                     m_sync->mustStop(m_paused || m_stop);
    return !due || flushSteps();
}

EpochMetrics Trainer::evaluateEpoch(int64_t epoch, int64_t step,
                                    std::chrono::steady_clock::time_point epochStart,
                                    double pausedAtEpochStart) {
    EpochMetrics em;
    em.epoch = epoch;
    em.step = step;
    const bool evaluating = m_sync->evaluates();
    // Evaluation on the optimizer's evaluation weights (Schedule-Free's x, DoG's average),
    // with BatchNorm's statistics gathered anew there when the method asks for it.
    EvalWeightsScope evalWeights(evaluating ? m_evalWeights : nullptr);
    if (evaluating && m_evalWeights && m_evalWeights->recomputesBatchNorm())
        recomputeBatchNorm(epoch);
    const EvalResult test = evaluating ? evaluate(m_testX, m_testY) : EvalResult{};
    em.testLoss = test.loss;
    em.testAccuracy = test.accuracy;
    const double count = static_cast<double>(std::max<int64_t>(1, m_epochCount));
    em.batchLoss = m_epochLossSum / count;
    // A method evaluated on other weights than it trains (Schedule-Free's x, DoG's average)
    // measures its training loss there too, so the epoch's train_loss (at x) and batch_loss
    // (at y, where its gradients were taken) can be set side by side.
    if ((m_config.evalTrain || (m_evalWeights && m_evalWeights->hasOwnEvalWeights())) &&
        evaluating) {
        const EvalResult train = evaluate(m_trainX, m_trainY);
        em.trainLoss = train.loss;
        em.trainAccuracy = train.accuracy;
    } else {
        em.trainLoss = em.batchLoss;
        em.trainAccuracy = m_epochCorrect / count;
    }
    em.interpolation = interpolationFraction();
    em.elapsed = elapsedSeconds();
    em.epochSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - epochStart).count() -
        (m_pausedSeconds - pausedAtEpochStart);
    m_result.epochsCompleted = epoch;
    m_result.hasFinalEpoch = true;
    m_result.finalEpoch = em;
    m_result.bestTestAccuracy = std::max(m_result.bestTestAccuracy, em.testAccuracy);
    return em;
}

void Trainer::recomputeBatchNorm(int64_t epoch) {
    // Only a model with buffers can hold BatchNorm statistics.
    if (m_model.buffers().empty() || !m_trainX.defined() || m_trainX.size(0) == 0) return;
    // The schedule_free README's recipe: some 50 training batches in train mode, no gradients
    // (with BatchNorm's momentum 0.1 the statistics at y then weigh 0.9^50 < 1%). The batches
    // come from an order of their own, so the epoch's randomness is untouched.
    constexpr int64_t kBatches = 50;
    torch::NoGradGuard noGrad;
    const int64_t n = m_trainX.size(0);
    const int64_t batch = std::max<int64_t>(1, std::min(m_config.batchSize, n));
    auto generator =
        at::make_generator<at::CPUGeneratorImpl>(epochSeed(m_config.seed ^ 0xB47C5A11D0u, epoch));
    const torch::Tensor order = torch::randperm(n, generator, torch::kLong).to(m_device);
    m_model.train(true);
    for (int64_t b = 0, start = 0; b < kBatches; ++b) {
        if (start + batch > n) start = 0;
        forward(m_trainX.index_select(0, order.slice(0, start, start + batch)));
        start += batch;
    }
    m_model.train(false);
}

void Trainer::checkpointIfDue(int64_t epoch, int64_t step, double elapsed) {
    if (m_checkpointPath.empty()) return;
    const bool last = epoch == m_config.epochs;
    const bool due = m_checkpointEvery > 0 && epoch % m_checkpointEvery == 0;
    if (!due && !last) return;
    saveCheckpoint(m_checkpointPath, epoch, step, elapsed);
    for (auto* o : m_observers)
        o->onCheckpoint({epoch, step, m_checkpointPath});
}

void Trainer::saveCheckpoint(const std::string& path, int64_t epoch, int64_t step, double elapsed) {
    // Format 2: the position, then model and optimizer as one inner archive ("state") with
    // its checksum, so that a resume refuses a damaged file instead of training from it.
    std::string state;
    // The evaluation weights are the checkpoint's model (a file someone evaluates must hold
    // the right weights); the optimizer's state keeps the training weights for a resume.
    EvalWeightsScope evalWeights(m_evalWeights);
    try {
        torch::serialize::OutputArchive inner;
        torch::serialize::OutputArchive model;
        m_model.save(model);
        inner.write("model", model);
        torch::serialize::OutputArchive optimizer;
        m_optimizer.save(optimizer);
        inner.write("optimizer", optimizer);
        std::ostringstream bytes;
        inner.save_to(bytes);
        state = bytes.str();
    } catch (const c10::Error& e) {
        throw Error(path + ": cannot serialise the checkpoint (" + e.what_without_backtrace() +
                    ")");
    }
    const uint64_t checksum = checkpointChecksum(state.data(), state.size());
    std::string file;
    try {
        torch::serialize::OutputArchive archive;
        archive.write("format", c10::IValue(int64_t{2}));
        archive.write("epoch", c10::IValue(epoch));
        archive.write("step", c10::IValue(step));
        archive.write("elapsed", c10::IValue(elapsed));
        archive.write("checksum", c10::IValue(static_cast<int64_t>(checksum)));
        archive.write("state", torch::from_blob(state.data(), {static_cast<int64_t>(state.size())},
                                                torch::kUInt8));
        std::ostringstream bytes;
        archive.save_to(bytes);
        file = bytes.str();
    } catch (const c10::Error& e) {
        throw Error(path + ": cannot serialise the checkpoint (" + e.what_without_backtrace() +
                    ")");
    }
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    // Beside, then renamed: a full disk or a kill never leaves a half checkpoint behind.
    writeCheckpointFile(path, file);
}

void Trainer::loadCheckpoint(const std::string& path) {
    if (!std::filesystem::exists(path)) throw Error(path + ": no such checkpoint");
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(path, torch::Device(torch::kCPU));
        c10::IValue v;
        int64_t format = 1;
        if (archive.try_read("format", v)) format = v.toInt();
        archive.read("epoch", v);
        const int64_t epoch = v.toInt();
        archive.read("step", v);
        const int64_t step = v.toInt();
        archive.read("elapsed", v);
        const double elapsed = v.toDouble();
        torch::serialize::InputArchive model, optimizer;
        if (format >= 2) {
            archive.read("checksum", v);
            const auto want = static_cast<uint64_t>(v.toInt());
            torch::Tensor bytes;
            archive.read("state", bytes);
            bytes = bytes.contiguous();
            const auto size = static_cast<size_t>(bytes.numel());
            const auto* data = static_cast<const char*>(bytes.data_ptr());
            if (bytes.scalar_type() != torch::kUInt8 || checkpointChecksum(data, size) != want)
                throw Error(path + ": the checkpoint is damaged (its checksum does not match "
                                   "its contents)");
            torch::serialize::InputArchive inner;
            inner.load_from(data, size, m_device);
            inner.read("model", model);
            inner.read("optimizer", optimizer);
        } else {
            // Format 1 (before checksums): model and optimizer sit in the file itself.
            torch::serialize::InputArchive again;
            again.load_from(path, m_device);
            again.read("model", model);
            again.read("optimizer", optimizer);
        }
        m_model.load(model);
        m_optimizer.load(optimizer);
        // Saved on the evaluation weights: back to the training weights for the next step.
        if (m_evalWeights) m_evalWeights->swapToTrainWeights();
        m_startEpoch = epoch;
        m_startStep = step;
        m_elapsedBefore = elapsed;
    } catch (const c10::Error& e) {
        throw Error(path + ": not a readable checkpoint (" + e.what_without_backtrace() + ")");
    }
}

} // namespace alig::core
