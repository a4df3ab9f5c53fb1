// The Python logger (python/alig_studio) writes the run folder format exactly: a tiny
// PyTorch training (python3-torch) logs through it, and the C++ reader (readRun, what the
// window and `alig-train --resume` read with) gets every value it logged, bit for bit.

#include "common/test_support.h"
#include "core/experiment/run_store.h"

#include <nlohmann/json.hpp>

#include <QProcess>
#include <QtTest/QtTest>

#include <cmath>
#include <fstream>

using alig::test::kPatienceMs;
using nlohmann::json;

namespace {

// Runs tests/python/<script> with the build tree's alig_studio on the Python path.
int runPython(const QStringList& args, QString* err = nullptr) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("PYTHONPATH", ALIG_PYTHON_DIR);
    env.insert("OMP_NUM_THREADS", "1");
    p.setProcessEnvironment(env);
    p.start(ALIG_PYTHON3, args);
    if (!p.waitForFinished(kPatienceMs)) {
        p.kill();
        p.waitForFinished();
        return -2;
    }
    if (err) *err = QString::fromUtf8(p.readAllStandardError());
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

double number(const json& v) {
    return v.is_null() ? std::nan("") : v.get<double>();
}

} // namespace

class TestPythonLogger : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void torchTrainingReadsBackExactly() {
        const std::string dir = alig::test::scratchDir("torch") + "/run";
        QString err;
        const int code = runPython({ALIG_TESTS_PYTHON_DIR "/tiny_torch_training.py",
                                    QString::fromStdString(dir), "--epochs", "3"},
                                   &err);
        QVERIFY2(code == 0, qPrintable(err));
        std::ifstream in(dir + ".expected.json");
        const json expected = json::parse(in);
        const alig::core::RunRecord r = alig::core::readRun(dir);

        QCOMPARE(r.steps.size(), expected["steps"].size());
        QCOMPARE(r.steps.size(), size_t{24}); // 256 points, batches of 32, 3 epochs
        double elapsed = 0.0;
        for (size_t i = 0; i < r.steps.size(); ++i) {
            const auto& s = r.steps[i];
            const json& e = expected["steps"][i];
            QCOMPARE(s.step, static_cast<int64_t>(i + 1));
            QCOMPARE(s.epoch, static_cast<int64_t>(i / 8 + 1));
            QCOMPARE(s.loss, e["loss"].get<double>());
            QCOMPARE(s.accuracy, e["accuracy"].get<double>());
            QCOMPARE(s.gradNorm, e["grad_norm"].get<double>());
            QCOMPARE(s.stepSize, e["step_size"].get<double>());
            QCOMPARE(s.unclippedStepSize, e["unclipped_step_size"].get<double>());
            QCOMPARE(s.clipped, e["clipped"].get<bool>());
            QCOMPARE(s.clipped, s.stepSize < s.unclippedStepSize);
            QCOMPARE(s.maxLr, 2.0);
            QVERIFY(std::isnan(s.effectiveStep)); // not logged
            QVERIFY(s.elapsed >= elapsed);
            elapsed = s.elapsed;
        }
        // ALI-G took some steps at max_lr and some below: both branches were logged.
        QVERIFY(std::any_of(r.steps.begin(), r.steps.end(), [](auto& s) { return s.clipped; }));
        QVERIFY(std::any_of(r.steps.begin(), r.steps.end(), [](auto& s) { return !s.clipped; }));

        QCOMPARE(r.epochs.size(), size_t{3});
        for (size_t i = 0; i < r.epochs.size(); ++i) {
            const auto& e = r.epochs[i];
            QCOMPARE(e.epoch, static_cast<int64_t>(i + 1));
            QCOMPARE(e.step, static_cast<int64_t>(8 * (i + 1)));
            QCOMPARE(e.trainLoss, number(expected["epochs"][i]["train_loss"]));
            QCOMPARE(e.trainAccuracy, number(expected["epochs"][i]["train_accuracy"]));
            QVERIFY(std::isnan(e.testLoss) && std::isnan(e.interpolation));
        }
        QCOMPARE(r.info["status"].get<std::string>(), std::string("completed"));
        QCOMPARE(r.info["program"]["name"].get<std::string>(), std::string("alig_studio.py"));
        QCOMPARE(r.info["config"]["optimizer"].get<std::string>(), std::string("alig"));
        QCOMPARE(r.info["steps_per_epoch"].get<int64_t>(), int64_t{8});
        QCOMPARE(r.info["final_metrics"]["train_loss"].get<double>(), r.epochs.back().trainLoss);
    }

    // The logger's own checks and statuses (Python's unittest, the standard library only).
    void loggerApi() {
        QString err;
        const int code = runPython({ALIG_TESTS_PYTHON_DIR "/test_python_logger.py"}, &err);
        QVERIFY2(code == 0, qPrintable(err));
    }
};

QTEST_GUILESS_MAIN(TestPythonLogger)
#include "tst_python_logger.moc"
