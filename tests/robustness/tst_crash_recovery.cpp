// alig-train pulled from under a run: SIGKILL at several moments (before the first
// checkpoint, mid-epoch, at an epoch's end), then the run folder reads back, lost at most
// the rows of the last flush interval, and --resume finishes it with exactly the metrics of
// an uninterrupted run. A file size limit (ulimit -f) stands in for a full disk: the run
// stops with a message, and what it wrote stays readable.

#include "common/test_support.h"
#include "common/train_process.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/run_store.h"

#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sys/resource.h>

namespace fs = std::filesystem;
using alig::core::readRun;
using alig::core::RunRecord;
using alig::test::checkConsistent;
using alig::test::Finished;
using alig::test::linesOf;
using alig::test::sizeOf;

namespace {

// The rows must reach the disk at least this often (output.flush_seconds of the test's run;
// the default of 2 s is the same mechanism, slower).
constexpr double kFlushSeconds = 0.25;
// What a loaded machine may add to the gap between two flushes: with the 0.25 s interval,
// rows still reach the disk within the 2 s the README promises.
constexpr double kSlackSeconds = 1.5;

// An MLP on a synthetic set, about 2 s long (0.5 s an epoch), one thread: the same every time.
std::string writeExperiment(const std::string& dir) {
    nlohmann::json doc = alig::core::loadPreset("spirals-mlp-alig");
    doc["name"] = "crash";
    doc["dataset"]["samples"] = 12000;
    doc["model"]["hidden"] = {512, 512};
    doc["training"]["epochs"] = 4;
    doc["training"]["batch_size"] = 16;
    doc["training"]["threads"] = 1;
    doc["output"] = {{"checkpoint_every", 1}, {"flush_seconds", kFlushSeconds}};
    const std::string path = dir + "/experiment.json";
    alig::test::writeFile(path, doc.dump(2));
    return path;
}

Finished runToEnd(const QStringList& args, const std::string& scratch,
                  std::function<void()> childSetup = {}) {
    return alig::test::runProcess(ALIG_TRAIN_PATH, args, scratch, std::move(childSetup));
}

// What must not differ between an interrupted-and-resumed run and an uninterrupted one.
void compareMetrics(const RunRecord& got, const RunRecord& want) {
    QCOMPARE(got.steps.size(), want.steps.size());
    for (size_t i = 0; i < want.steps.size(); ++i) {
        QCOMPARE(got.steps[i].loss, want.steps[i].loss);
        QCOMPARE(got.steps[i].stepSize, want.steps[i].stepSize);
        QCOMPARE(got.steps[i].accuracy, want.steps[i].accuracy);
    }
    QCOMPARE(got.epochs.size(), want.epochs.size());
    for (size_t i = 0; i < want.epochs.size(); ++i) {
        QCOMPARE(got.epochs[i].trainLoss, want.epochs[i].trainLoss);
        QCOMPARE(got.epochs[i].testLoss, want.epochs[i].testLoss);
        QCOMPARE(got.epochs[i].testAccuracy, want.epochs[i].testAccuracy);
    }
    QCOMPARE(got.info["status"].get<std::string>(), std::string("completed"));
    QCOMPARE(got.info["final_metrics"]["test_accuracy"],
             want.info["final_metrics"]["test_accuracy"]);
}

} // namespace

class TestCrashRecovery : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void sigkillThenResume_data();
    void sigkillThenResume();
    void fileSizeLimitStopsWithAMessage();

private:
    std::string m_experiment;
    RunRecord m_reference;
    double m_referenceSeconds = 0;
};

void TestCrashRecovery::initTestCase() {
    const std::string dir = alig::test::scratchDir("reference");
    m_experiment = writeExperiment(dir);
    QElapsedTimer clock;
    clock.start();
    const Finished r = runToEnd({QString::fromStdString(m_experiment), "--quiet", "--out",
                                 QString::fromStdString(dir + "/run")},
                                dir);
    m_referenceSeconds = clock.elapsed() / 1000.0;
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    m_reference = readRun(dir + "/run");
    QCOMPARE(m_reference.epochs.size(), size_t{4});
    qInfo("uninterrupted run: %zu steps in %.1f s", m_reference.steps.size(), m_referenceSeconds);
}

void TestCrashRecovery::sigkillThenResume_data() {
    QTest::addColumn<QString>("moment");
    // Before the first checkpoint: nothing to resume from but the start.
    QTest::newRow("first rows, no checkpoint yet") << "first-rows";
    QTest::newRow("mid-run") << "half";
    // Right as epoch 2's row lands: the checkpoint may be half written.
    QTest::newRow("at an epoch's end") << "epoch-2";
}

void TestCrashRecovery::sigkillThenResume() {
    QFETCH(QString, moment);
    const std::string scratch = alig::test::scratchDir("kill-" + moment.toStdString());
    const fs::path dir = scratch + "/run";
    QProcess p;
    p.setProcessEnvironment(alig::test::trainEnvironment(scratch));
    p.start(ALIG_TRAIN_PATH, {QString::fromStdString(m_experiment), "--quiet", "--out",
                              QString::fromStdString(dir)});
    QVERIFY(p.waitForStarted());

    // Watch the files grow: the longest time between two flushes is what a kill can lose.
    QElapsedTimer clock;
    clock.start();
    int64_t lastSize = -1;
    double lastGrowth = -1, longestGap = 0;
    bool killed = false;
    while (!killed && p.state() != QProcess::NotRunning && clock.elapsed() < 300000) {
        const double now = clock.elapsed() / 1000.0;
        const int64_t size = sizeOf(dir / "metrics.csv");
        if (size != lastSize) {
            if (lastGrowth >= 0 && lastSize > 0)
                longestGap = std::max(longestGap, now - lastGrowth);
            lastGrowth = now;
            lastSize = size;
        }
        // Moments are row counts, not times: a loaded machine trains slower, and the kill
        // must still come at the same place in the run.
        const bool firstRows = size > 200; // more than the header
        const bool due = moment == "first-rows" ? firstRows
                         : moment == "half"     ? linesOf(dir / "metrics.csv") >
                                                  static_cast<int64_t>(m_reference.steps.size() / 2)
                                            : linesOf(dir / "epochs.csv") >= 3;
        if (due) {
            ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
            killed = true;
        } else {
            p.waitForFinished(5);
        }
    }
    QVERIFY2(killed, "the run ended before the moment came: make it longer");
    QVERIFY(p.waitForFinished(alig::test::kPatienceMs));
    QCOMPARE(p.exitStatus(), QProcess::CrashExit);

    // What was on disk reads back: rows in order, none missing before the last flush.
    const RunRecord cut = readRun(dir.string());
    checkConsistent(cut);
    QCOMPARE(cut.info["status"].get<std::string>(), std::string("running"));
    QVERIFY(cut.steps.size() < m_reference.steps.size());
    QVERIFY2(longestGap <= kFlushSeconds + kSlackSeconds,
             qPrintable(QString("rows waited %1 s for the disk").arg(longestGap)));
    if (moment == "epoch-2") QVERIFY(cut.epochs.size() >= 2);
    // Whatever was recorded matches the uninterrupted run, step for step.
    for (size_t i = 0; i < cut.steps.size(); ++i)
        QCOMPARE(cut.steps[i].loss, m_reference.steps[i].loss);

    const Finished resumed =
        runToEnd({"--resume", QString::fromStdString(dir), "--quiet"}, scratch);
    QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.err));
    const RunRecord done = readRun(dir.string());
    checkConsistent(done);
    compareMetrics(done, m_reference);
    QVERIFY(!fs::exists(dir / "checkpoints" / "last.pt.partial"));
}

void TestCrashRecovery::fileSizeLimitStopsWithAMessage() {
    // No file of the run may grow past 32 KiB: metrics.csv reaches it after about 200 steps,
    // in the first epoch, like a disk that fills up mid-run.
    const std::string scratch = alig::test::scratchDir("disk-full");
    const fs::path dir = scratch + "/run";
    const Finished r = runToEnd(
        {QString::fromStdString(m_experiment), "--quiet", "--out", QString::fromStdString(dir)},
        scratch, [] {
            rlimit limit{32 * 1024, 32 * 1024};
            ::setrlimit(RLIMIT_FSIZE, &limit);
        });
    QCOMPARE(r.exitCode, 1); // the run failed; the program did not crash
    QVERIFY2(r.err.contains("metrics.csv") && r.err.contains("File too large"), qPrintable(r.err));
    const RunRecord rec = readRun(dir.string());
    checkConsistent(rec);
    QCOMPARE(rec.info["status"].get<std::string>(), std::string("failed"));
    QVERIFY(QString::fromStdString(rec.info["message"].get<std::string>()).contains("metrics.csv"));
    QVERIFY(!rec.steps.empty());
    QVERIFY(rec.steps.size() < m_reference.steps.size());
    for (size_t i = 0; i < rec.steps.size(); ++i)
        QCOMPARE(rec.steps[i].loss, m_reference.steps[i].loss);
}

QTEST_GUILESS_MAIN(TestCrashRecovery)
#include "tst_crash_recovery.moc"
