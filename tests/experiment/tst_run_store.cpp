// Run directories: written while training, read back, and resumed to the same numbers as
// a run that was never interrupted.

#include "common/test_support.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/run_session.h"
#include "core/experiment/run_store.h"
#include "core/optim/optimizer_catalogue.h"
#include "core/train/device.h"
#include "core/util/error.h"

#include <QtTest/QtTest>
#include <nlohmann/json.hpp>
#include <torch/version.h>

#include <filesystem>
#include <fstream>

using namespace alig::core;
namespace fs = std::filesystem;

namespace {

ExperimentConfig spiralsConfig(int64_t epochs, const std::string& dir) {
    ExperimentConfig c = alig::test::smallSpirals(epochs);
    c.model.dropout = 0.1; // so that resume must restore the random stream too
    c.output.dir = dir;
    return c;
}

struct StopAt : TrainingObserver {
    Trainer* trainer = nullptr;
    int64_t step = 0;
    void onSteps(const std::vector<StepMetrics>& s) override {
        if (!s.empty() && s.back().step >= step) trainer->stop();
    }
};

void compareRuns(const RunRecord& a, const RunRecord& b) {
    QCOMPARE(a.steps.size(), b.steps.size());
    for (size_t i = 0; i < a.steps.size(); ++i) {
        QCOMPARE(a.steps[i].step, b.steps[i].step);
        QCOMPARE(a.steps[i].loss, b.steps[i].loss);
        QCOMPARE(a.steps[i].stepSize, b.steps[i].stepSize);
        QCOMPARE(a.steps[i].gradNorm, b.steps[i].gradNorm);
        QCOMPARE(a.steps[i].accuracy, b.steps[i].accuracy);
    }
    QCOMPARE(a.epochs.size(), b.epochs.size());
    for (size_t i = 0; i < a.epochs.size(); ++i) {
        QCOMPARE(a.epochs[i].testLoss, b.epochs[i].testLoss);
        QCOMPARE(a.epochs[i].testAccuracy, b.epochs[i].testAccuracy);
        QCOMPARE(a.epochs[i].trainLoss, b.epochs[i].trainLoss);
    }
}

} // namespace

class TestRunStore : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { configureThreads(1); }
    void writesAndReadsBack();
    void resumeAfterCleanEndExtends();
    void resumeAfterStopMidEpochMatches();
    void resumeMatchesForEveryMethod_data();
    void resumeMatchesForEveryMethod();
    void resumeRefusesFinishedRun();
    void torn_lastLineIgnored();
    void malformedRowIsAnError();
    void existingRunIsNotOverwritten();
    void unwritableFolder();
    void defaultFolderIsUnderXdgData();
};

void TestRunStore::writesAndReadsBack() {
    const std::string dir = alig::test::scratchDir("written") + "/run";
    auto session = RunSession::create(spiralsConfig(3, dir));
    const RunResult r = session->run();
    QCOMPARE(r.status, RunStatus::Completed);

    const RunRecord rec = readRun(dir);
    const int64_t perEpoch = session->trainer().stepsPerEpoch();
    QCOMPARE(static_cast<int64_t>(rec.steps.size()), 3 * perEpoch);
    QCOMPARE(rec.epochs.size(), size_t{3});
    QCOMPARE(rec.steps.back().step, r.steps);
    QCOMPARE(rec.epochs.back().testAccuracy, r.finalEpoch.testAccuracy);
    QCOMPARE(rec.info["status"].get<std::string>(), std::string("completed"));
    QCOMPARE(rec.info["config"]["training"]["epochs"].get<int64_t>(), int64_t{3});
    QCOMPARE(rec.info["final_metrics"]["test_accuracy"].get<double>(), r.finalEpoch.testAccuracy);
    QCOMPARE(rec.info["libtorch"].get<std::string>(), std::string(TORCH_VERSION));
    QCOMPARE(rec.info["device"].get<std::string>(), std::string("cpu"));
    QVERIFY(!rec.info["start_time"].get<std::string>().empty());
    QVERIFY(!rec.info["end_time"].get<std::string>().empty());
    QCOMPARE(rec.info["dataset"]["train_size"].get<int64_t>(), int64_t{320});
    QVERIFY(rec.info["model"]["parameters"].get<int64_t>() > 0);
    QCOMPARE(rec.info["checkpoint"]["epoch"].get<int64_t>(), int64_t{3});
    QVERIFY(fs::exists(fs::path(dir) / kCheckpointFile));
    // The config in run.json is complete and valid on its own.
    ExperimentConfig again = ExperimentConfig::fromJson(rec.info["config"]);
    QCOMPARE(again.toJson(), session->config().toJson());
}

void TestRunStore::resumeAfterCleanEndExtends() {
    const std::string base = alig::test::scratchDir("extend");
    auto straight = RunSession::create(spiralsConfig(4, base + "/straight"));
    straight->run();
    auto first = RunSession::create(spiralsConfig(2, base + "/resumed"));
    first->run();
    auto resumed = RunSession::resume(base + "/resumed", 4);
    QCOMPARE(resumed->trainer().startEpoch(), int64_t{2});
    QCOMPARE(resumed->run().status, RunStatus::Completed);
    compareRuns(readRun(base + "/straight"), readRun(base + "/resumed"));
    const auto info = readRun(base + "/resumed").info;
    QCOMPARE(info["resumes"].size(), size_t{1});
    QCOMPARE(info["status"].get<std::string>(), std::string("completed"));
}

void TestRunStore::resumeAfterStopMidEpochMatches() {
    // Stopped in the middle of epoch 3 (as after a crash), rows past the epoch-2 checkpoint
    // are on disk; resuming drops them and replays to the same numbers.
    const std::string base = alig::test::scratchDir("midepoch");
    auto straight = RunSession::create(spiralsConfig(4, base + "/straight"));
    straight->run();
    auto first = RunSession::create(spiralsConfig(4, base + "/resumed"));
    StopAt stopper;
    stopper.trainer = &first->trainer();
    stopper.step = 2 * first->trainer().stepsPerEpoch() + 3;
    first->trainer().addObserver(&stopper);
    QCOMPARE(first->run().status, RunStatus::Stopped);
    QCOMPARE(static_cast<int64_t>(readRun(base + "/resumed").steps.size()), stopper.step);
    QCOMPARE(readRun(base + "/resumed").info["status"].get<std::string>(), std::string("stopped"));

    auto resumed = RunSession::resume(base + "/resumed");
    QCOMPARE(resumed->trainer().startEpoch(), int64_t{2});
    QCOMPARE(resumed->run().status, RunStatus::Completed);
    compareRuns(readRun(base + "/straight"), readRun(base + "/resumed"));
}

void TestRunStore::resumeMatchesForEveryMethod_data() {
    QTest::addColumn<QString>("name");
    for (const auto& e : optimizerCatalogue())
        QTest::newRow(e.name.c_str()) << QString::fromStdString(e.name);
}

void TestRunStore::resumeMatchesForEveryMethod() {
    // Every method's state survives the checkpoint: resumed after epoch 2, a run gives the
    // numbers of the one never interrupted (Schedule-Free's and DoG's checkpoints hold their
    // evaluation weights as the model, their training weights in the optimizer's state).
    QFETCH(QString, name);
    const std::string base = alig::test::scratchDir("every-" + name.toStdString());
    auto config = [&](int64_t epochs, const std::string& dir) {
        ExperimentConfig c = spiralsConfig(epochs, dir);
        c.optimizer.name = name.toStdString();
        setStepSize(c.optimizer, optimizerEntry(c.optimizer.name).demoStep);
        return c;
    };
    auto straight = RunSession::create(config(3, base + "/straight"));
    QCOMPARE(straight->run().status, RunStatus::Completed);
    auto first = RunSession::create(config(2, base + "/resumed"));
    QCOMPARE(first->run().status, RunStatus::Completed);
    auto resumed = RunSession::resume(base + "/resumed", 3);
    QCOMPARE(resumed->trainer().startEpoch(), int64_t{2});
    QCOMPARE(resumed->run().status, RunStatus::Completed);
    compareRuns(readRun(base + "/straight"), readRun(base + "/resumed"));
}

void TestRunStore::resumeRefusesFinishedRun() {
    const std::string dir = alig::test::scratchDir("finished") + "/run";
    RunSession::create(spiralsConfig(1, dir))->run();
    try {
        RunSession::resume(dir);
        QFAIL("resumed a finished run");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("already trained 1 of 1 epochs"), e.what());
    }
    QVERIFY_EXCEPTION_THROWN(RunSession::resume(dir + "-missing"), Error);
}

void TestRunStore::torn_lastLineIgnored() {
    const std::string dir = alig::test::scratchDir("torn") + "/run";
    RunSession::create(spiralsConfig(1, dir))->run();
    const size_t rows = readRun(dir).steps.size();
    {
        std::ofstream out(dir + "/metrics.csv", std::ios::app);
        out << "999,1,0.5,0.2"; // a row cut short by a crash mid-write
    }
    QCOMPARE(readRun(dir).steps.size(), rows);
}

void TestRunStore::malformedRowIsAnError() {
    const std::string dir = alig::test::scratchDir("malformed") + "/run";
    RunSession::create(spiralsConfig(1, dir))->run();
    std::ifstream in(dir + "/metrics.csv");
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    s.insert(s.find('\n') + 1, "not,a,row\n");
    alig::test::writeFile(dir + "/metrics.csv", s);
    try {
        readRun(dir);
        QFAIL("no error");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("metrics.csv:2: malformed row"), e.what());
    }
}

void TestRunStore::existingRunIsNotOverwritten() {
    const std::string dir = alig::test::scratchDir("existing") + "/run";
    RunSession::create(spiralsConfig(1, dir))->run();
    try {
        RunSession::create(spiralsConfig(1, dir));
        QFAIL("overwrote a run");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("already holds a run"), e.what());
    }
}

void TestRunStore::unwritableFolder() {
    // A folder below a regular file can never be made, even by root.
    const std::string base = alig::test::scratchDir("unwritable");
    alig::test::writeFile(base + "/file", "x");
    try {
        RunSession::create(spiralsConfig(1, base + "/file/run"));
        QFAIL("no error");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).startsWith(QString::fromStdString(base + "/file/run")),
                 e.what());
    }
}

void TestRunStore::defaultFolderIsUnderXdgData() {
    const std::string home = alig::test::scratchDir("xdg");
    qputenv("XDG_DATA_HOME", QByteArray::fromStdString(home));
    ExperimentConfig c = spiralsConfig(1, "");
    c.name = "my run";
    const std::string dir = createRunDir(c);
    QVERIFY2(
        QString::fromStdString(dir).startsWith(QString::fromStdString(home + "/alig-studio/runs/")),
        dir.c_str());
    QVERIFY2(QString::fromStdString(dir).endsWith("-my-run"), dir.c_str());
    const std::string second = createRunDir(c);
    QVERIFY(second != dir); // same second, same name: still a fresh folder
    qunsetenv("XDG_DATA_HOME");
}

QTEST_GUILESS_MAIN(TestRunStore)
#include "tst_run_store.moc"
