// training.autocast = "bf16": the forward pass runs in bfloat16 under LibTorch's autocast
// (checked on CPU here; the same scope serves CUDA), the loss and ALI-G's step stay
// float32, and the switch leaves the thread's autocast state as it found it.

#include "common/test_support.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/run_session.h"

#include <ATen/autocast_mode.h>
#include <QtTest/QtTest>

using namespace alig::core;

namespace {

struct StepLog : TrainingObserver {
    std::vector<StepMetrics> steps;
    void onSteps(const std::vector<StepMetrics>& s) override {
        steps.insert(steps.end(), s.begin(), s.end());
    }
};

std::vector<StepMetrics> train(const std::string& autocast, RunResult& result) {
    nlohmann::json doc = loadPreset("spirals-mlp-alig");
    applyOverride(doc, "training.epochs=3");
    applyOverride(doc, "training.threads=1");
    applyOverride(doc, "training.device=cpu");
    doc["training"]["autocast"] = autocast;
    SessionOptions options;
    options.record = false;
    auto session = RunSession::create(ExperimentConfig::fromJson(doc), options);
    StepLog log;
    session->trainer().addObserver(&log);
    result = session->run();
    return log.steps;
}

} // namespace

class TestAutocast : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void bf16ForwardStaysCloseToFloat32();
    void unknownValueIsRefused();
};

void TestAutocast::bf16ForwardStaysCloseToFloat32() {
    RunResult plainResult, bf16Result;
    const auto plain = train("off", plainResult);
    const auto bf16 = train("bf16", bf16Result);
    QCOMPARE(plainResult.status, RunStatus::Completed);
    QCOMPARE(bf16Result.status, RunStatus::Completed);
    QCOMPARE(plain.size(), bf16.size());
    // Same weights and batch: the first loss differs only by bfloat16's rounding (8 bits of
    // mantissa: a relative error of about 4e-3 per operation), and it does differ.
    const double a = plain.front().loss, b = bf16.front().loss;
    QVERIFY2(std::abs(a - b) > 1e-7, qPrintable(QString("%1 vs %2").arg(a).arg(b)));
    QVERIFY2(std::abs(a - b) < 2e-2 * std::abs(a), qPrintable(QString("%1 vs %2").arg(a).arg(b)));
    // bfloat16 still learns the spirals.
    QVERIFY2(bf16Result.finalEpoch.testAccuracy > 0.6,
             qPrintable(QString::number(bf16Result.finalEpoch.testAccuracy)));
    for (const auto& s : bf16)
        QVERIFY(std::isfinite(s.loss) && std::isfinite(s.stepSize));
    // The scope restored the thread's state.
    QVERIFY(!at::autocast::is_cpu_enabled());
}

void TestAutocast::unknownValueIsRefused() {
    nlohmann::json doc = loadPreset("spirals-mlp-alig");
    doc["training"]["autocast"] = "fp8";
    const QString message =
        alig::test::errorOf([&] { ExperimentConfig::fromJson(doc).validate(); });
    QVERIFY2(message.contains("training.autocast"), qPrintable(message));
}

QTEST_GUILESS_MAIN(TestAutocast)
#include "tst_autocast.moc"
