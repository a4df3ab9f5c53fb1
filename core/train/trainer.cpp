#include "core/train/trainer.h"

#include "core/distributed/communicator.h"
#include "core/models/model.h"
#include "core/optim/alig.h"
#include "core/optim/alig_fused.h"
#include "core/optim/grad_norm.h"
#include "core/optim/l4.h"
#include "core/optim/step_size_reporter.h"
#include "core/train/device.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/autocast_mode.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <limits>

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
    torch::Tensor moveSquaredNorm; // ||w_new - w_old||^2
    torch::Tensor moveDotGrad;     // <w_old - w_new, g>: ALI-G with momentum only
    torch::Tensor momentumSquaredNorm; // ||momentum term||^2, when ALI-G measured it itself
};

Trainer::Trainer(const Dataset& dataset, Model& model, torch::optim::Optimizer& optimizer,
                 TrainingConfig config, torch::Device device)
    : m_dataset(dataset)
    , m_model(model)
    , m_optimizer(optimizer)
    , m_config(std::move(config))
    , m_device(device) {
    if (dataset.trainSize() == 0) throw Error("the training set is empty");
    // One copy of the data on the device; batches are index selections into it.
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

int64_t Trainer::stepsPerEpoch() const {
    const int64_t n = m_trainX.size(0);
    const int64_t perStep = m_config.batchSize * (m_comm ? m_comm->worldSize() : 1);
    return (n + perStep - 1) / perStep;
}

void Trainer::broadcastModel() {
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> tensors = m_model.parameters();
    for (const auto& b : m_model.buffers())
        tensors.push_back(b);
    m_comm->broadcast(tensors, 0);
}

void Trainer::checkReplicasAgree(int64_t epoch) {
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> buffers = m_model.buffers();
    if (!buffers.empty()) m_comm->broadcast(buffers, 0);
    // Two numbers per rank: the sum of the weights and the sum of their bit patterns (exact,
    // so any difference in any bit of a weight shows unless it cancels out elsewhere).
    const int world = m_comm->worldSize(), rank = m_comm->rank();
    auto values = torch::zeros({world}, torch::TensorOptions(torch::kFloat64).device(m_device));
    auto bits = torch::zeros({world}, torch::TensorOptions(torch::kLong).device(m_device));
    for (const auto& p : m_model.parameters()) {
        auto flat = p.detach().contiguous().view({-1});
        const auto asInt = flat.element_size() == 8   ? torch::kLong
                           : flat.element_size() == 4 ? torch::kInt
                           : flat.element_size() == 2 ? torch::kShort
                                                      : torch::kChar;
        values[rank] += flat.to(torch::kFloat64).sum();
        bits[rank] += flat.view(asInt).to(torch::kLong).sum();
    }
    std::vector<torch::Tensor> sums{values, bits};
    m_comm->allReduceSum(sums);
    const auto v = values.cpu(), b = bits.cpu();
    for (int r = 1; r < world; ++r)
        if (b[r].item<int64_t>() != b[0].item<int64_t>() ||
            v[r].item<double>() != v[0].item<double>())
            throw Error("data parallel: after epoch " + std::to_string(epoch) +
                        " the weights of rank " + std::to_string(r) +
                        " differ from rank 0's (weight sums " +
                        std::to_string(v[r].item<double>()) + " and " +
                        std::to_string(v[0].item<double>()) + "): the replicas drifted apart");
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
    if (m_comm) return !m_globalStop && !(limit > 0 && stepsDone >= limit);
    if (m_stop || (limit > 0 && stepsDone >= limit)) return false;
    if (!m_paused) return true;
    const auto since = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(m_mutex);
    m_wake.wait(lock, [&] { return m_stop || !m_paused || m_stepsAllowed > 0; });
    m_pausedSeconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
    if (m_stop) return false;
    if (m_paused && m_stepsAllowed > 0) --m_stepsAllowed;
    return true;
}

torch::Tensor Trainer::sampleLossesOf(const torch::Tensor& logits,
                                      const torch::Tensor& labels) const {
    if (m_config.loss == "multiclass_hinge") {
        auto margin = 1.0 - torch::one_hot(labels, logits.size(1)).to(logits.dtype());
        auto top = (logits + margin).amax(1);
        return top - logits.gather(1, labels.unsqueeze(1)).squeeze(1);
    }
    return torch::nn::functional::cross_entropy(
        logits, labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
}

torch::Tensor Trainer::lossOf(const torch::Tensor& logits, const torch::Tensor& labels) const {
    if (m_config.loss == "multiclass_hinge") {
        // Crammer-Singer multi-class hinge, as in DFW and ALI-G's SVM experiments:
        // max_j (s_j + [j != y]) - s_y, averaged over the batch.
        auto margin = 1.0 - torch::one_hot(labels, logits.size(1)).to(logits.dtype());
        auto top = (logits + margin).amax(1);
        return (top - logits.gather(1, labels.unsqueeze(1)).squeeze(1)).mean();
    }
    return torch::nn::functional::cross_entropy(logits, labels);
}

torch::Tensor Trainer::forward(const torch::Tensor& x) {
    const bool autocast = m_config.autocast == "bf16";
    torch::Tensor logits;
    {
        AutocastScope scope(autocast, m_device.type());
        logits = m_model.forward(x);
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

bool Trainer::flushSteps() {
    if (m_pending.empty()) return true;
    constexpr int kColumns = 9;
    auto columnsOf = [](const PendingStep& p) {
        return std::array<const torch::Tensor*, kColumns>{
            &p.loss,      &p.correct,         &p.gradSquaredNorm,
            &p.stepSize,  &p.unclipped,       &p.clipped,
            &p.moveSquaredNorm, &p.moveDotGrad, &p.momentumSquaredNorm};
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
        if (p.stepSize.defined()) {
            m.stepSize = row[3];
            m.unclippedStepSize = row[4];
            m.clipped = row[5] != 0.0;
        } else {
            m.stepSize = m.unclippedStepSize = p.hostStepSize;
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

RunResult Trainer::run() {
    m_result = RunResult{};
    m_result.status = RunStatus::Running;
    m_result.steps = m_startStep;
    m_result.epochsCompleted = m_startEpoch;
    m_clockStart = std::chrono::steady_clock::now();
    m_pausedSeconds = 0.0;

    auto* alig = dynamic_cast<AliG*>(&m_optimizer);
    bool aligMomentum = false;
    if (alig)
        for (size_t g = 0; g < alig->param_groups().size(); ++g)
            aligMomentum = aligMomentum || alig->groupOptions(g).momentum() > 0.0;
    const auto* reporter = dynamic_cast<const StepSizeReporter*>(&m_optimizer);
    const std::vector<torch::Tensor> params = m_model.parameters();
    const int64_t n = m_trainX.size(0);
    const int64_t batchSize = m_config.batchSize;
    const int64_t perEpoch = stepsPerEpoch();
    const int world = m_comm ? m_comm->worldSize() : 1;
    const int rank = m_comm ? m_comm->rank() : 0;
    const int64_t globalBatch = batchSize * world;
    m_globalStop = false;
    if (m_comm) broadcastModel();

    RunStartInfo start{m_config.epochs, m_startEpoch, m_startStep, perEpoch, m_device.str()};
    for (auto* o : m_observers)
        o->onRunStart(start);

    int64_t step = m_startStep;
    for (int64_t epoch = m_startEpoch + 1;
         epoch <= m_config.epochs && m_result.status == RunStatus::Running; ++epoch) {
        const auto epochStart = std::chrono::steady_clock::now();
        const double pausedAtEpochStart = m_pausedSeconds;
        // The data order comes from a generator of this run's own, so runs training side by
        // side (compare, sweep) see the same order; dropout and augmentation draw from the
        // seeded default generator.
        const uint64_t seed = epochSeed(m_config.seed, epoch);
        {
            // Ranks draw different dropout and augmentation; the order is the same for all.
            std::lock_guard<std::mutex> lock(defaultGeneratorMutex());
            torch::manual_seed(seed + static_cast<uint64_t>(rank));
        }
        auto orderGenerator = at::make_generator<at::CPUGeneratorImpl>(seed);
        torch::Tensor order = m_config.shuffle ? torch::randperm(n, orderGenerator, torch::kLong)
                                               : torch::arange(n, torch::kLong);
        order = order.to(m_device);
        m_model.train(true);
        m_epochLossSum = 0.0;
        m_epochCorrect = 0.0;
        m_epochCount = 0;

        for (int64_t b = 0; b < perEpoch; ++b) {
            if (!waitForGo(step)) {
                m_result.status = RunStatus::Stopped;
                // The epoch of the last step taken: a stop at an epoch boundary belongs to the
                // epoch that just ended.
                m_result.message = step == 0
                                       ? std::string("stopped before the first step")
                                       : "stopped at step " + std::to_string(step) + " (epoch " +
                                             std::to_string(b == 0 ? epoch - 1 : epoch) + ")";
                break;
            }
            if (m_maxLrChanged.exchange(false) && reporter) {
                // A live max_lr edit: it becomes the new base that the schedule scales.
                std::lock_guard<std::mutex> lock(m_mutex);
                const double value =
                    m_newMaxLr ? *m_newMaxLr : std::numeric_limits<double>::infinity();
                for (size_t g = 0; g < m_optimizer.param_groups().size(); ++g) {
                    if (alig)
                        alig->groupOptions(g).max_lr(m_newMaxLr);
                    else
                        m_optimizer.param_groups()[g].options().set_lr(value);
                    m_baseLr[g] = value;
                }
            }
            if (!m_schedule.isConstant()) {
                const double f = m_schedule.factor(step, perEpoch, m_config.epochs * perEpoch);
                for (size_t g = 0; g < m_baseLr.size(); ++g)
                    if (std::isfinite(m_baseLr[g]))
                        m_optimizer.param_groups()[g].options().set_lr(m_baseLr[g] * f);
            }
            // The step's samples; data parallel: this rank's share of them (all ranks
            // share the order, and an uneven last batch is split as evenly as it goes).
            const int64_t first = b * globalBatch;
            const int64_t count = std::min(n, first + globalBatch) - first;
            const int64_t lo = first + count * rank / world;
            const int64_t hi = first + count * (rank + 1) / world;
            auto idx = order.slice(0, lo, hi);

            m_optimizer.zero_grad();
            torch::Tensor logits, loss, y;
            if (hi > lo) {
                auto x = m_trainX.index_select(0, idx);
                y = m_trainY.index_select(0, idx);
                if (m_dataset.augmentation.enabled()) x = augmentBatch(x, m_dataset.augmentation);
                logits = forward(x);
                loss = lossOf(logits, y);
                loss.backward();
            }
            torch::Tensor stepLoss, correct;
            if (m_comm) {
                // Gradients, loss and correct count summed over the ranks in one bucketed
                // all-reduce, each rank weighted by its share of the batch: every rank then
                // holds the batch's mean gradient and loss, takes the same step, and keeps the
                // same weights.
                torch::NoGradGuard noGrad;
                const double share = static_cast<double>(hi - lo) / static_cast<double>(count);
                std::vector<torch::Tensor> reduced;
                for (auto& w : params) {
                    if (!w.grad().defined()) w.mutable_grad() = torch::zeros_like(w);
                    reduced.push_back(w.grad());
                }
                if (share != 1.0) torch::_foreach_mul_(reduced, share);
                const auto options = torch::TensorOptions(torch::kFloat64).device(m_device);
                torch::Tensor stats = torch::zeros({3}, options);
                if (hi > lo) {
                    stats[0] = loss.detach().to(torch::kFloat64) * share;
                    stats[1] = (logits.detach().argmax(1) == y).sum().to(torch::kFloat64);
                }
                if (m_stop) stats[2] = 1.0;
                reduced.push_back(stats);
                m_comm->allReduceSum(reduced);
                stepLoss = stats[0];
                correct = stats[1];
                // Read back only where every rank looks: at metric read-backs and epoch ends.
                if ((step + 1) % m_metricsInterval == 0 || b + 1 == perEpoch)
                    m_globalStop = stats[2].item<double>() > 0.0;
            } else {
                stepLoss = loss.detach();
                correct = (logits.detach().argmax(1) == y).sum();
            }

            PendingStep p;
            p.step = ++step;
            p.epoch = epoch;
            p.batchSize = count;
            const double groupLr = m_optimizer.param_groups().front().options().get_lr();
            if (!alig) {
                torch::NoGradGuard noGrad;
                p.gradSquaredNorm = squaredNorm(definedGrads(params));
                p.hostStepSize = groupLr;
            }
            // The cap of the adaptive-step methods (ALI-G, SPS, Polyak, DFW): scheduled, or
            // edited live. L4's "lr" is its alpha, not a cap.
            if (reporter && !dynamic_cast<const L4*>(&m_optimizer))
                p.maxLr = std::isfinite(groupLr) ? groupLr : NAN;
            const torch::Tensor detached = stepLoss;
            // ALI-G's fused CPU step measures ||w_new - w_old|| in its own pass; for the
            // others keep w_old: one copy into buffers made once.
            const bool moveMeasured = alig && alig->measuresMove();
            if (!moveMeasured) {
                torch::NoGradGuard noGrad;
                if (m_before.size() != params.size()) {
                    m_before.clear();
                    for (const auto& w : params)
                        m_before.push_back(torch::empty_like(w));
                }
                for (size_t i = 0; i < params.size(); ++i)
                    m_before[i].copy_(params[i]);
            }
            m_optimizer.step([&] { return detached; });
            if (!moveMeasured) {
                torch::NoGradGuard noGrad;
                torch::_foreach_sub_(m_before, params);
                p.moveSquaredNorm = squaredNorm(m_before);
                if (aligMomentum) {
                    // For the step anatomy: the momentum term's length (see flushSteps).
                    torch::Tensor dot = torch::zeros({}, p.moveSquaredNorm.options());
                    for (size_t i = 0; i < params.size(); ++i)
                        if (params[i].grad().defined())
                            dot += (m_before[i] * params[i].grad()).sum().to(dot.dtype());
                    p.moveDotGrad = dot;
                }
            }
            if (alig) {
                const auto& s = alig->lastStats();
                p.gradSquaredNorm = s.gradSquaredNorm;
                p.stepSize = s.stepSize;
                p.unclipped = s.unclipped;
                p.clipped = s.clipped;
                if (moveMeasured) {
                    p.moveSquaredNorm = s.moveSquaredNorm;
                    if (aligMomentum) p.momentumSquaredNorm = s.momentumSquaredNorm;
                }
            } else if (reporter) {
                // SPS, Polyak, L4, DFW: the step they chose, on the device like ALI-G's.
                p.stepSize = reporter->lastStepSizeTensor();
                p.unclipped = p.stepSize;
            }
            p.loss = detached;
            p.correct = correct;
            p.elapsed = elapsedSeconds();
            m_pending.push_back(std::move(p));

            const bool due = static_cast<int64_t>(m_pending.size()) >= m_metricsInterval ||
                             (m_comm ? m_globalStop : m_paused || m_stop);
            if (due && !flushSteps()) break;
        }
        if (!flushSteps() || m_result.status != RunStatus::Running) break;
        if (m_comm) checkReplicasAgree(epoch);

        EpochMetrics em;
        em.epoch = epoch;
        em.step = step;
        // Data parallel: the replicas are identical, so rank 0 alone evaluates.
        const bool evaluating = rank == 0;
        const EvalResult test = evaluating ? evaluate(m_testX, m_testY) : EvalResult{};
        em.testLoss = test.loss;
        em.testAccuracy = test.accuracy;
        if (m_config.evalTrain && evaluating) {
            const EvalResult train = evaluate(m_trainX, m_trainY);
            em.trainLoss = train.loss;
            em.trainAccuracy = train.accuracy;
        } else {
            em.trainLoss = m_epochLossSum / static_cast<double>(std::max<int64_t>(1, m_epochCount));
            em.trainAccuracy =
                m_epochCorrect / static_cast<double>(std::max<int64_t>(1, m_epochCount));
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
        for (auto* o : m_observers)
            o->onEpoch(em);

        const bool last = epoch == m_config.epochs;
        const bool due = m_checkpointEvery > 0 && epoch % m_checkpointEvery == 0;
        if (!m_checkpointPath.empty() && (due || last)) {
            saveCheckpoint(m_checkpointPath, epoch, step, em.elapsed);
            for (auto* o : m_observers)
                o->onCheckpoint({epoch, step, m_checkpointPath});
        }
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

void Trainer::saveCheckpoint(const std::string& path, int64_t epoch, int64_t step, double elapsed) {
    torch::serialize::OutputArchive archive;
    archive.write("format", c10::IValue(int64_t{1}));
    archive.write("epoch", c10::IValue(epoch));
    archive.write("step", c10::IValue(step));
    archive.write("elapsed", c10::IValue(elapsed));
    torch::serialize::OutputArchive model;
    m_model.save(model);
    archive.write("model", model);
    torch::serialize::OutputArchive optimizer;
    m_optimizer.save(optimizer);
    archive.write("optimizer", optimizer);
    // Written beside, then renamed: a crash mid-write never leaves a half checkpoint behind.
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    replaceFileAtomically(path, [&](const std::string& partial) {
        try {
            archive.save_to(partial);
        } catch (const c10::Error& e) {
            // A full disk or a size limit: the previous checkpoint stays.
            throw Error(path + ": cannot write the checkpoint (" + e.what_without_backtrace() +
                        ")");
        }
    });
}

void Trainer::loadCheckpoint(const std::string& path) {
    if (!std::filesystem::exists(path)) throw Error(path + ": no such checkpoint");
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(path, m_device);
        c10::IValue v;
        archive.read("epoch", v);
        const int64_t epoch = v.toInt();
        archive.read("step", v);
        const int64_t step = v.toInt();
        archive.read("elapsed", v);
        const double elapsed = v.toDouble();
        torch::serialize::InputArchive model, optimizer;
        archive.read("model", model);
        m_model.load(model);
        archive.read("optimizer", optimizer);
        m_optimizer.load(optimizer);
        m_startEpoch = epoch;
        m_startStep = step;
        m_elapsedBefore = elapsed;
    } catch (const c10::Error& e) {
        throw Error(path + ": not a readable checkpoint (" + e.what_without_backtrace() + ")");
    }
}

} // namespace alig::core
