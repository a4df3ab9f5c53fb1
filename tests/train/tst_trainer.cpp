// The training loop on real (synthetic, generated) data: it learns, it is reproducible,
// it obeys stop / pause / step-once from another thread, and it catches divergence.

#include "common/test_support.h"
#include "core/data/dataset.h"
#include "core/models/model.h"
#include "core/models/module_model.h"
#include "core/optim/alig.h"
#include "core/optim/eval_weights.h"
#include "core/optim/lr_schedule.h"
#include "core/optim/optimizer_factory.h"
#include "core/train/device.h"
#include "core/train/parallel_parts.h"
#include "core/train/trainer.h"
#include "core/util/error.h"

#include <QtTest/QtTest>
#include <torch/torch.h>

#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>

using namespace alig::core;

namespace {

// Collects what the loop reports; optionally acts on a step (from the training thread).
struct Collector : TrainingObserver {
    std::mutex mutex;
    std::vector<StepMetrics> steps;
    std::vector<EpochMetrics> epochs;
    std::vector<size_t> batchSizes;
    RunResult result;
    std::function<void(const StepMetrics&)> onStep;
    void onSteps(const std::vector<StepMetrics>& s) override {
        std::lock_guard<std::mutex> lock(mutex);
        batchSizes.push_back(s.size());
        for (const auto& m : s) {
            steps.push_back(m);
            if (onStep) onStep(m);
        }
    }
    void onEpoch(const EpochMetrics& e) override {
        std::lock_guard<std::mutex> lock(mutex);
        epochs.push_back(e);
    }
    void onRunEnd(const RunResult& r) override { result = r; }
    size_t stepCount() {
        std::lock_guard<std::mutex> lock(mutex);
        return steps.size();
    }
};

// Everything one run needs, built the way RunSession builds it.
struct Setup {
    Dataset data;
    std::unique_ptr<Model> model;
    std::unique_ptr<torch::optim::Optimizer> optimizer;
    std::unique_ptr<Trainer> trainer;
    Collector collector;

    Setup(const DatasetConfig& dc, const ModelConfig& mc, const OptimizerConfig& oc,
          const TrainingConfig& tc) {
        data = loadDataset(dc);
        torch::manual_seed(tc.seed);
        model = makeModel(mc, data.inputShape, data.numClasses());
        optimizer = makeOptimizer(oc, model->parameters());
        trainer = std::make_unique<Trainer>(data, *model, *optimizer, tc, torch::kCPU);
        trainer->addObserver(&collector);
    }
};

DatasetConfig spirals() {
    DatasetConfig d;
    d.kind = "spirals";
    d.samples = 600;
    d.noise = 0.05;
    d.seed = 3;
    return d;
}

ModelConfig mlp(std::vector<int64_t> hidden = {64, 64}) {
    ModelConfig m;
    m.type = "mlp";
    m.hidden = std::move(hidden);
    return m;
}

OptimizerConfig aligConfig(double maxLr = 1.0, double momentum = 0.9) {
    OptimizerConfig o;
    o.name = "alig";
    o.maxLr = maxLr;
    o.momentum = momentum;
    return o;
}

TrainingConfig training(int64_t epochs, int64_t batch = 32, uint64_t seed = 1) {
    TrainingConfig t;
    t.epochs = epochs;
    t.batchSize = batch;
    t.seed = seed;
    return t;
}

} // namespace

class TestTrainer : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { configureThreads(2); }
    void aligLearnsSpirals();
    void metricsAreConsistent();
    void sameSeedSameMetrics();
    void stopFromAnotherThread();
    void pauseStepOnceResume();
    void stopsAfterAGivenStep();
    void scheduleScalesTheLearningRate();
    void adaptiveMethodsReportTheirStep();
    void effectiveStepLength_data();
    void effectiveStepLength();
    void nanLossStopsAtItsStep();
    void maxLrChangeTakesEffectNextStep();
    void evaluationIsDeterministicWithDropout();
    void hingeLoss();
    void cudaWithoutGpuIsAClearError();
    void threadsReachLibTorch();
    void interpolationMeter_data();
    void interpolationMeter();
    void interpolationMeterPerEpoch();
    void momentumStepIsTheMomentumTermsLength();
    void momentumTermOnlyMeasuredWhenShown();
    void batchSplitAcrossThreads();
    void partsRunOnTwoThreadsAtOnce();
    void scheduleFreeEvaluatesAtXWithItsBatchNormStatistics();
    void evaluationWeightsMethodsReportTheirQuantities();
};

void TestTrainer::aligLearnsSpirals() {
    // The interpolation regime ALI-G is built for: an MLP that can fit the spirals.
    TrainingConfig t = training(150);
    t.evalTrain = true;
    Setup s(spirals(), mlp(), aligConfig(0.1, 0.9), t);
    const RunResult r = s.trainer->run();
    QCOMPARE(r.status, RunStatus::Completed);
    QCOMPARE(r.epochsCompleted, int64_t{150});
    const EvalResult train = s.trainer->evaluate(s.data.trainX, s.data.trainY);
    QVERIFY2(train.accuracy >= 0.95, qPrintable(QString::number(train.accuracy)));
    QCOMPARE(s.collector.epochs.back().trainAccuracy, train.accuracy);
    // The loss fell by an order of magnitude, and ALI-G's step moved off max_lr.
    QVERIFY(s.collector.epochs.back().trainLoss < 0.1 * s.collector.epochs.front().trainLoss);
}

void TestTrainer::metricsAreConsistent() {
    Setup s(spirals(), mlp(), aligConfig(0.05, 0.0), training(2));
    s.trainer->run();
    const int64_t perEpoch = (480 + 31) / 32; // 600 samples, 20% held out
    QCOMPARE(s.trainer->stepsPerEpoch(), perEpoch);
    QCOMPARE(static_cast<int64_t>(s.collector.steps.size()), 2 * perEpoch);
    for (size_t i = 0; i < s.collector.steps.size(); ++i) {
        const auto& m = s.collector.steps[i];
        QCOMPARE(m.step, static_cast<int64_t>(i + 1));
        QCOMPARE(m.epoch, static_cast<int64_t>(i) / perEpoch + 1);
        // ALI-G's invariants: step = min(unclipped, max_lr), clipped iff unclipped > max_lr,
        // unclipped = loss / (||g||^2 + eps).
        ALIG_COMPARE_NEAR(m.stepSize, std::min(m.unclippedStepSize, 0.05), 1e-6);
        QCOMPARE(m.clipped, m.unclippedStepSize > 0.05);
        ALIG_COMPARE_NEAR(m.unclippedStepSize, m.loss / (m.gradNorm * m.gradNorm + 1e-5), 1e-4);
        QCOMPARE(m.maxLr, 0.05);
        QVERIFY(m.accuracy >= 0.0 && m.accuracy <= 1.0);
        if (i > 0) QVERIFY(m.elapsed >= s.collector.steps[i - 1].elapsed);
    }
    QCOMPARE(s.collector.epochs.size(), size_t{2});
    QCOMPARE(s.collector.epochs[1].step, 2 * perEpoch);
    // On CPU every step reaches the observers at once (one per batch).
    for (size_t n : s.collector.batchSizes)
        QCOMPARE(n, size_t{1});
}

void TestTrainer::sameSeedSameMetrics() {
    ModelConfig m = mlp({32});
    m.dropout = 0.2; // dropout draws random numbers too
    Setup a(spirals(), m, aligConfig(), training(3, 32, 5));
    Setup b(spirals(), m, aligConfig(), training(3, 32, 5));
    Setup c(spirals(), m, aligConfig(), training(3, 32, 6));
    a.trainer->run();
    b.trainer->run();
    c.trainer->run();
    QCOMPARE(a.collector.steps.size(), b.collector.steps.size());
    bool differs = false;
    for (size_t i = 0; i < a.collector.steps.size(); ++i) {
        QCOMPARE(a.collector.steps[i].loss, b.collector.steps[i].loss);
        QCOMPARE(a.collector.steps[i].stepSize, b.collector.steps[i].stepSize);
        differs = differs || a.collector.steps[i].loss != c.collector.steps[i].loss;
    }
    QCOMPARE(a.collector.epochs.back().testAccuracy, b.collector.epochs.back().testAccuracy);
    QVERIFY(differs); // another seed, another run
}

void TestTrainer::stopFromAnotherThread() {
    Setup s(spirals(), mlp(), aligConfig(), training(1000));
    RunResult result;
    std::thread worker([&] { result = s.trainer->run(); });
    while (s.collector.stepCount() < 40)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    s.trainer->stop();
    worker.join();
    QCOMPARE(result.status, RunStatus::Stopped);
    QVERIFY(result.message.find("stopped at step") != std::string::npos);
    // The step in flight finished and was recorded: the last reported step is the run's.
    QCOMPARE(s.collector.steps.back().step, result.steps);
    QVERIFY(result.steps < 1000 * s.trainer->stepsPerEpoch());
    QCOMPARE(s.collector.result.status, RunStatus::Stopped);
}

void TestTrainer::pauseStepOnceResume() {
    Setup s(spirals(), mlp(), aligConfig(), training(2));
    s.trainer->pause(); // paused before the first step: Step drives it from the start
    RunResult result;
    std::thread worker([&] { result = s.trainer->run(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    QCOMPARE(s.collector.stepCount(), size_t{0});
    for (int i = 1; i <= 3; ++i) {
        s.trainer->stepOnce();
        QTRY_COMPARE_WITH_TIMEOUT(s.collector.stepCount(), size_t(i), alig::test::kPatienceMs);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        QCOMPARE(s.collector.stepCount(), size_t(i)); // exactly one step each
    }
    QVERIFY(s.trainer->isPaused());
    s.trainer->resume();
    worker.join();
    QCOMPARE(result.status, RunStatus::Completed);
    QCOMPARE(static_cast<int64_t>(s.collector.stepCount()), 2 * s.trainer->stepsPerEpoch());
    // Paused time is not training time.
    QVERIFY(result.elapsed < 5.0);
}

void TestTrainer::stopsAfterAGivenStep() {
    Setup s(spirals(), mlp(), aligConfig(), training(5));
    s.trainer->stopAfterStep(7);
    const RunResult r = s.trainer->run();
    QCOMPARE(r.status, RunStatus::Stopped);
    QCOMPARE(r.steps, int64_t{7});
    QCOMPARE(s.collector.steps.size(), size_t{7});
}

void TestTrainer::scheduleScalesTheLearningRate() {
    // SGD at lr 0.05, divided by 10 after epoch 1 and again after epoch 2 (milestones 1, 2).
    OptimizerConfig o;
    o.name = "sgd";
    o.lr = 0.05;
    o.momentum = 0.0;
    o.schedule = "step";
    o.milestones = {1, 2};
    o.gamma = 0.1;
    Setup s(spirals(), mlp({16}), o, training(3));
    s.trainer->setSchedule(LrSchedule::fromConfig(o));
    s.trainer->run();
    for (const auto& m : s.collector.steps) {
        const double lr = 0.05 * std::pow(0.1, static_cast<double>(m.epoch - 1));
        ALIG_COMPARE_NEAR(m.stepSize, lr, 1e-12);
        ALIG_COMPARE_NEAR(m.effectiveStep, lr, 1e-3); // the weights really moved that much
    }
}

void TestTrainer::adaptiveMethodsReportTheirStep() {
    // SPS_max's step, recomputed from the recorded loss and ||g||: min(l / (c ||g||^2),
    // max_lr) with c = 0.5 and f* = 0.
    OptimizerConfig o;
    o.name = "sps";
    o.maxLr = 0.3;
    o.c = 0.5;
    Setup s(spirals(), mlp({16}), o, training(1));
    s.trainer->run();
    for (const auto& m : s.collector.steps) {
        const double expected = std::min(m.loss / (0.5 * m.gradNorm * m.gradNorm), 0.3);
        ALIG_COMPARE_NEAR(m.stepSize, expected, 1e-4);
        QCOMPARE(m.maxLr, 0.3);
        ALIG_COMPARE_NEAR(m.effectiveStep, m.stepSize, 1e-3); // no momentum: moved step * g
    }
}

void TestTrainer::effectiveStepLength_data() {
    QTest::addColumn<QString>("method");
    // ||w_new - w_old|| / ||g|| is, by hand: SGD without momentum moves lr * g, so lr;
    // ALI-G without momentum or projection moves step * g, so its step size.
    QTest::newRow("sgd") << "sgd";
    QTest::newRow("alig") << "alig";
    QTest::newRow("adam") << "adam";
}

void TestTrainer::effectiveStepLength() {
    QFETCH(QString, method);
    OptimizerConfig o = aligConfig(0.05, 0.0);
    o.name = method.toStdString();
    o.momentum = 0.0;
    o.lr = method == "adam" ? 1e-3 : 0.05;
    Setup s(spirals(), mlp({16}), o, training(1));
    s.trainer->run();
    QVERIFY(!s.collector.steps.empty());
    for (const auto& m : s.collector.steps) {
        if (method == "adam") {
            // Adam's step is lr * m / sqrt(v): not lr * g. Only check it is a real length.
            QVERIFY(m.effectiveStep > 0.0 && std::isfinite(m.effectiveStep));
            continue;
        }
        const double expected = method == "sgd" ? 0.05 : m.stepSize;
        ALIG_COMPARE_NEAR(m.effectiveStep, expected, 1e-3); // float32 weights
    }
}

void TestTrainer::nanLossStopsAtItsStep() {
    // A NaN planted in sample 100 of a fixed-order run poisons exactly the batch that holds
    // it: batch 100 / 32 = 3, i.e. step 4.
    Setup s(spirals(), mlp(), aligConfig(), [] {
        TrainingConfig t = training(3);
        t.shuffle = false;
        return t;
    }());
    s.data.trainX[100][0] = std::nan("");
    Trainer trainer(
        s.data, *s.model, *s.optimizer,
        [] {
            TrainingConfig t = training(3);
            t.shuffle = false;
            return t;
        }(),
        torch::kCPU);
    Collector collector;
    trainer.addObserver(&collector);
    const RunResult r = trainer.run();
    QCOMPARE(r.status, RunStatus::Diverged);
    QVERIFY2(r.message.rfind("diverged at step 4 (epoch 1): the loss is nan", 0) == 0,
             r.message.c_str());
    QCOMPARE(collector.steps.size(), size_t{4}); // the steps before it are all kept
    QVERIFY(std::isfinite(collector.steps[2].loss));
    QVERIFY(std::isnan(collector.steps[3].loss));
    QVERIFY(collector.epochs.empty());
}

void TestTrainer::maxLrChangeTakesEffectNextStep() {
    Setup s(spirals(), mlp(), aligConfig(1.0, 0.0), training(1));
    s.collector.onStep = [&](const StepMetrics& m) {
        if (m.step == 5) s.trainer->setMaxLr(1e-4);
    };
    s.trainer->run();
    const auto& steps = s.collector.steps;
    QCOMPARE(steps[4].maxLr, 1.0);
    QCOMPARE(steps[5].maxLr, 1e-4);
    QVERIFY(steps[5].clipped);
    ALIG_COMPARE_NEAR(steps[5].stepSize, 1e-4, 1e-6); // float32 weights: a float32 step
    QVERIFY_EXCEPTION_THROWN(s.trainer->setMaxLr(-1.0), Error);
}

void TestTrainer::evaluationIsDeterministicWithDropout() {
    ModelConfig m = mlp({64});
    m.dropout = 0.5;
    Setup s(spirals(), m, aligConfig(), training(1));
    const EvalResult a = s.trainer->evaluate(s.data.testX, s.data.testY);
    const EvalResult b = s.trainer->evaluate(s.data.testX, s.data.testY);
    QCOMPARE(a.loss, b.loss); // eval mode: dropout off
    // And under no_grad: evaluating builds no graph, leaves no gradients.
    for (const auto& p : s.model->parameters())
        QVERIFY(!p.grad().defined());
}

void TestTrainer::hingeLoss() {
    // Crammer-Singer: max_j (s_j + [j != y]) - s_y, computed by hand for two samples.
    DatasetConfig d = spirals();
    TrainingConfig t = training(1);
    t.loss = "multiclass_hinge";
    Setup s(d, mlp({8}), aligConfig(), t);
    const RunResult r = s.trainer->run();
    QCOMPARE(r.status, RunStatus::Completed);
    // Sample losses are >= 0 and the loop used them: the first batch's loss is the mean of
    // max(s_other + 1 - s_y, 0) over a fresh model's scores, which we recompute here.
    torch::manual_seed(1);
    auto model = makeModel(mlp({8}), s.data.inputShape, s.data.numClasses());
    torch::NoGradGuard g;
    model->train(false);
    auto scores = model->forward(s.data.testX.slice(0, 0, 2));
    auto y = s.data.testY.slice(0, 0, 2);
    double expected = 0.0;
    for (int i = 0; i < 2; ++i) {
        const int64_t yi = y[i].item<int64_t>();
        double best = -1e300;
        for (int j = 0; j < 2; ++j)
            best = std::max(best, scores[i][j].item<double>() + (j == yi ? 0.0 : 1.0));
        expected += (best - scores[i][yi].item<double>()) / 2.0;
    }
    Trainer probe(s.data, *model, *s.optimizer, t, torch::kCPU);
    const EvalResult e = probe.evaluate(s.data.testX.slice(0, 0, 2), y);
    ALIG_COMPARE_NEAR(e.loss, expected, 1e-6);
    QVERIFY(e.loss >= 0.0);
}

void TestTrainer::cudaWithoutGpuIsAClearError() {
    if (torch::cuda::is_available()) QSKIP("this machine has CUDA");
    for (const char* spec : {"cuda", "cuda:0", "cuda:3"}) {
        try {
            resolveDevice(spec);
            QFAIL(spec);
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("no CUDA device"), e.what());
        }
    }
    QCOMPARE(resolveDevice("auto").type(), torch::kCPU);
    QCOMPARE(resolveDevice("cpu").type(), torch::kCPU);
}

void TestTrainer::threadsReachLibTorch() {
    QCOMPARE(configureThreads(1), 1);
    QCOMPARE(torch::get_num_threads(), 1);
    QCOMPARE(configureThreads(2), 2);
    QCOMPARE(torch::get_num_threads(), 2);
    QVERIFY(configureThreads(0) >= 1);
}

void TestTrainer::interpolationMeter_data() {
    QTest::addColumn<double>("threshold");
    QTest::addColumn<qint64>("samples");
    QTest::addColumn<double>("expected");
    // Logits (5 x0, -5 x0) for label 0: the loss of a sample is log(1 + exp(-10 x0)).
    // x0 = 1, 2, -1, 0.1 gives 4.5e-5, 2.1e-9, 10.00005, 0.3133.
    QTest::newRow("0.01 of all") << 0.01 << qint64(0) << 0.5;
    QTest::newRow("0.5 of all") << 0.5 << qint64(0) << 0.75;
    QTest::newRow("20 of all") << 20.0 << qint64(0) << 1.0;
    // 2.1e-9 may round to 0 in float32: either way only x0 = 2 is below 1e-6.
    QTest::newRow("1e-6 of all") << 1e-6 << qint64(0) << 0.25;
    QTest::newRow("0.01 of the first 2") << 0.01 << qint64(2) << 1.0;
    QTest::newRow("0.01 of the first 3") << 0.01 << qint64(3) << 2.0 / 3.0;
    QTest::newRow("off") << 0.0 << qint64(0) << double(NAN);
}

void TestTrainer::interpolationMeter() {
    QFETCH(double, threshold);
    QFETCH(qint64, samples);
    QFETCH(double, expected);
    Dataset d;
    d.trainX = torch::tensor({1.0f, 0.0f, 2.0f, 0.0f, -1.0f, 0.0f, 0.1f, 0.0f}).reshape({4, 2});
    d.trainY = torch::zeros({4}, torch::kLong);
    d.testX = d.trainX.clone();
    d.testY = d.trainY.clone();
    d.inputShape = {2};
    d.classNames = {"a", "b"};
    ModelConfig mc;
    mc.type = "linear";
    auto model = makeModel(mc, d.inputShape, 2);
    {
        torch::NoGradGuard noGrad;
        auto params = model->parameters();
        for (auto& p : params) {
            if (p.dim() == 2)
                p.copy_(torch::tensor({5.0f, 0.0f, -5.0f, 0.0f}).reshape({2, 2}));
            else
                p.zero_();
        }
    }
    auto optimizer = makeOptimizer(aligConfig(0.1, 0.0), model->parameters());
    TrainingConfig t = training(1);
    t.interpolationThreshold = threshold;
    t.interpolationSamples = samples;
    Trainer trainer(d, *model, *optimizer, t, torch::kCPU);
    const double fraction = trainer.interpolationFraction();
    if (std::isnan(expected))
        QVERIFY(std::isnan(fraction));
    else
        ALIG_COMPARE_NEAR(fraction, expected, 1e-12);
}

void TestTrainer::interpolationMeterPerEpoch() {
    // An MLP that fits the spirals: the meter rises epoch by epoch, and it counts exactly the
    // training samples an independent pass finds below the threshold.
    TrainingConfig t = training(80);
    t.interpolationSamples = 0;
    Setup s(spirals(), mlp(), aligConfig(0.1, 0.9), t);
    s.trainer->run();
    const auto& e = s.collector.epochs;
    QCOMPARE(int(e.size()), 80);
    for (const auto& m : e)
        QVERIFY(m.interpolation >= 0.0 && m.interpolation <= 1.0);
    QVERIFY2(
        e.back().interpolation > e.front().interpolation + 0.1,
        qPrintable(
            QStringLiteral("%1 -> %2").arg(e.front().interpolation).arg(e.back().interpolation)));
    torch::NoGradGuard noGrad;
    s.model->train(false);
    const auto losses = torch::nn::functional::cross_entropy(
        s.model->forward(s.data.trainX), s.data.trainY,
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
    const double below = (losses < 0.01).sum().item<double>() / double(s.data.trainSize());
    ALIG_COMPARE_NEAR(e.back().interpolation, below, 1e-12);
}

void TestTrainer::momentumStepIsTheMomentumTermsLength() {
    // Without momentum there is none; with it, ||w_new - w_old + step g|| from the
    // reference's update is mu ||v||, at most the whole move plus the gradient step.
    Setup plain(spirals(), mlp(), aligConfig(0.05, 0.0), training(1));
    plain.trainer->run();
    for (const auto& m : plain.collector.steps)
        QCOMPARE(m.momentumStep, 0.0);
    Setup heavy(spirals(), mlp(), aligConfig(0.05, 0.9), training(1));
    heavy.trainer->run();
    const auto& st = heavy.collector.steps;
    // The first step: v = -step g, so mu v has length mu step ||g||.
    ALIG_COMPARE_NEAR(st[0].momentumStep, 0.9 * st[0].stepSize * st[0].gradNorm, 1e-3);
    for (const auto& m : st) {
        const double move = m.effectiveStep * m.gradNorm;
        QVERIFY(m.momentumStep <= move + m.stepSize * m.gradNorm + 1e-6);
    }
    QVERIFY(st.back().momentumStep > 0.0);
}

void TestTrainer::momentumTermOnlyMeasuredWhenShown() {
    // An observer that does not show the momentum term (the run folder, a terminal): ALI-G
    // skips its measurement, and the training is the same number for number.
    struct NotShown : Collector {
        bool showsMomentumTerm() const override { return false; }
    };
    Setup shown(spirals(), mlp(), aligConfig(0.05, 0.9), training(1));
    Setup hidden(spirals(), mlp(), aligConfig(0.05, 0.9), training(1));
    NotShown quiet;
    hidden.trainer = std::make_unique<Trainer>(hidden.data, *hidden.model, *hidden.optimizer,
                                               training(1), torch::kCPU);
    hidden.trainer->addObserver(&quiet);
    shown.trainer->run();
    hidden.trainer->run();
    QCOMPARE(quiet.steps.size(), shown.collector.steps.size());
    for (size_t i = 0; i < quiet.steps.size(); ++i) {
        QCOMPARE(quiet.steps[i].loss, shown.collector.steps[i].loss);
        QCOMPARE(quiet.steps[i].momentumStep, 0.0);
    }
    QVERIFY(shown.collector.steps.back().momentumStep > 0.0);
}

// With 2 threads an MLP's batch is split across them: the same numbers every run, close to
// the whole batch's; with 1 thread nothing is split, so a run is number for number what an
// unsplittable copy of the model gives.
void TestTrainer::batchSplitAcrossThreads() {
    auto run = [](int threads, bool splittable) {
        configureThreads(threads);
        auto s = std::make_unique<Setup>(spirals(), mlp(), aligConfig(0.5, 0.9), training(2));
        if (!splittable) dynamic_cast<ModuleModel&>(*s->model).setReplicate({});
        s->trainer->run();
        return s;
    };
    const auto weightsEqual = [](Setup& a, Setup& b) {
        const auto pa = a.model->parameters(), pb = b.model->parameters();
        for (size_t i = 0; i < pa.size(); ++i)
            if (!torch::equal(pa[i], pb[i])) return false;
        return true;
    };
    const auto one = run(1, true), oneWhole = run(1, false);
    const auto two = run(2, true), twoAgain = run(2, true), twoWhole = run(2, false);
    configureThreads(2);
    QCOMPARE(one->collector.steps.size(), oneWhole->collector.steps.size());
    for (size_t i = 0; i < one->collector.steps.size(); ++i)
        QCOMPARE(one->collector.steps[i].loss, oneWhole->collector.steps[i].loss);
    QVERIFY(weightsEqual(*one, *oneWhole));
    for (size_t i = 0; i < two->collector.steps.size(); ++i) {
        QCOMPARE(two->collector.steps[i].loss, twoAgain->collector.steps[i].loss);
        QCOMPARE(two->collector.steps[i].stepSize, twoAgain->collector.steps[i].stepSize);
    }
    QVERIFY(weightsEqual(*two, *twoAgain));
    // The split batch's loss and step are the whole batch's, to float rounding.
    const auto& split = two->collector.steps.front();
    const auto& whole = twoWhole->collector.steps.front();
    ALIG_COMPARE_NEAR(split.loss, whole.loss, 1e-5 * whole.loss);
    ALIG_COMPARE_NEAR(split.gradNorm, whole.gradNorm, 1e-4 * whole.gradNorm);
    ALIG_COMPARE_NEAR(split.stepSize, whole.stepSize, 1e-4 * whole.stepSize);
    QCOMPARE(split.accuracy, whole.accuracy);
}

// The parts of a split batch run side by side, not one after the other: with 2 threads,
// each part waits until the other has started, which only finishes if both run at once
// (the bound keeps a broken build from hanging: it then fails). An exception in a part
// reaches the caller.
void TestTrainer::partsRunOnTwoThreadsAtOnce() {
    configureThreads(2);
    QVERIFY(partsRunInParallel());
    std::atomic<int> started{0};
    std::mutex m;
    std::vector<std::thread::id> ids;
    std::atomic<bool> sawOther{true};
    forEachPartInParallel(2, [&](int64_t) {
        {
            std::lock_guard<std::mutex> lock(m);
            ids.push_back(std::this_thread::get_id());
        }
        ++started;
        // Spins on the other part starting (a condition, no clock): 2^24 yields at most.
        for (int64_t spins = 0; started.load() < 2; ++spins) {
            if (spins > (int64_t{1} << 24)) {
                sawOther = false;
                break;
            }
            std::this_thread::yield();
        }
    });
    QVERIFY(sawOther.load());
    QCOMPARE(ids.size(), size_t{2});
    QVERIFY(ids[0] != ids[1]);
    bool caught = false;
    try {
        forEachPartInParallel(2, [](int64_t k) {
            if (k == 1) throw Error("part 1 failed");
        });
    } catch (const std::exception& e) {
        caught = std::string(e.what()).find("part 1 failed") != std::string::npos;
    }
    QVERIFY(caught);
}

void TestTrainer::scheduleFreeEvaluatesAtXWithItsBatchNormStatistics() {
    // Schedule-Free takes its gradients at y and is evaluated at the average x; BatchNorm's
    // running statistics, gathered during training at y, must be gathered anew at x first.
    const Dataset data = loadDataset(spirals());
    torch::manual_seed(5);
    torch::nn::Sequential net(torch::nn::Linear(2, 32), torch::nn::BatchNorm1d(32),
                              torch::nn::Functional(torch::relu), torch::nn::Linear(32, 2));
    auto model = ModuleModel::wrap(net, "MLP 2-32-2 with BatchNorm");
    OptimizerConfig o;
    o.name = "sf_sgd";
    o.lr = 1.0;
    // Without interpolation y is z, away from the average x.
    o.momentum = 0.0;
    auto optimizer = makeOptimizer(o, model->parameters());
    // Full batches (480 training points), so that each batch the statistics are gathered from
    // is the whole training set: what they must come to is then known exactly.
    Trainer trainer(data, *model, *optimizer, training(12, 480), torch::kCPU);
    Collector collector;
    trainer.addObserver(&collector);
    QCOMPARE(trainer.run().status, RunStatus::Completed);

    auto& weights = dynamic_cast<EvalWeights&>(*optimizer);
    QVERIFY(!weights.holdsEvalWeights()); // training weights y between evaluations
    auto bn = net[1]->as<torch::nn::BatchNorm1d>();
    auto firstLayer = net[0]->as<torch::nn::Linear>();
    const torch::Tensor runningVar = bn->running_var.clone();
    torch::NoGradGuard noGrad;
    // BatchNorm's input varies as the first layer's weights (its bias gets no gradient:
    // BatchNorm takes the mean out), so the variance tells x's statistics from y's.
    const torch::Tensor varAtY = firstLayer->forward(data.trainX).var(0);
    const EvalResult atY = trainer.evaluate(data.testX, data.testY);
    weights.swapToEvalWeights();
    const torch::Tensor varAtX = firstLayer->forward(data.trainX).var(0);
    // The last epoch's test loss is the loss at x, with the statistics the model holds now.
    const EvalResult atX = trainer.evaluate(data.testX, data.testY);
    const EvalResult trainAtX = trainer.evaluate(data.trainX, data.trainY);
    weights.swapToTrainWeights();
    QCOMPARE(collector.epochs.back().testLoss, atX.loss);
    QVERIFY(atX.loss != atY.loss);
    // The epoch's training loss is measured at x too; its batch loss is at y, where the
    // gradient was taken: with one full batch per epoch, that step's loss.
    QCOMPARE(collector.epochs.back().trainLoss, trainAtX.loss);
    QCOMPARE(collector.epochs.back().batchLoss, collector.steps.back().loss);
    QVERIFY(collector.epochs.back().batchLoss != collector.epochs.back().trainLoss);
    // Those statistics are x's: 50 batches with BatchNorm's momentum 0.1 leave 0.9^50 = 0.5%
    // of the statistics gathered while training (at y), the rest is the variance of its input
    // at x over the training set.
    const double offX = (runningVar - varAtX).norm().item<double>();
    const double xy = (varAtX - varAtY).norm().item<double>();
    QVERIFY2(xy > 1e-3 && offX < 0.02 * xy, qPrintable(QString("%1 %2").arg(offX).arg(xy)));
}

void TestTrainer::evaluationWeightsMethodsReportTheirQuantities() {
    // DoG through the loop: its extra quantities reach the step metrics by name, and the
    // epoch's test loss is the averaged weights' one.
    OptimizerConfig o;
    o.name = "dog";
    o.lr = 1.0;
    Setup s(spirals(), mlp({16}), o, training(2));
    QCOMPARE(s.trainer->run().status, RunStatus::Completed);
    const StepMetrics& last = s.collector.steps.back();
    QCOMPARE(last.extras.size(), size_t{2});
    QCOMPARE(last.extras[0].first, std::string("rbar"));
    QCOMPARE(last.extras[1].first, std::string("grad_sum_sq"));
    ALIG_COMPARE_NEAR(last.stepSize, last.extras[0].second / std::sqrt(last.extras[1].second),
                      1e-12);
    auto& weights = dynamic_cast<EvalWeights&>(*s.optimizer);
    const EvalResult atTrain = s.trainer->evaluate(s.data.testX, s.data.testY);
    weights.swapToEvalWeights();
    const EvalResult atAverage = s.trainer->evaluate(s.data.testX, s.data.testY);
    weights.swapToTrainWeights();
    QCOMPARE(s.collector.epochs.back().testLoss, atAverage.loss);
    QVERIFY(atAverage.loss != atTrain.loss);
}

QTEST_GUILESS_MAIN(TestTrainer)
#include "tst_trainer.moc"
