// Data-parallel alig-train on loopback, as torchrun or `--nproc` run it: two processes
// with batch B per process give the numbers of one process with batch 2B on the same data
// order; a stop on one rank stops both; a killed or stalled rank ends the others with an
// error instead of a hang; bad launcher variables are refused.

#include "common/test_support.h"
#include "core/distributed/communicator.h"
#include "core/distributed/distributed_env.h"
#include "core/experiment/run_store.h"

#include <QtTest/QtTest>

#include <csignal>
#include <filesystem>
#include <memory>

namespace fs = std::filesystem;

namespace {

struct Result {
    int exitCode = -1;
    QString out, err;
};

QProcessEnvironment baseEnvironment() {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_DATA_HOME", QString::fromStdString(alig::test::scratchDir("xdg-home")));
    for (const char* v : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                          "MASTER_PORT", "SLURM_NTASKS", "SLURM_PROCID"})
        env.remove(v);
    return env;
}

Result finish(QProcess& p, int timeoutMs) {
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return {-2, QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError()) + "\n(timed out)"};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

Result runTrain(const QStringList& args, const QProcessEnvironment& env = baseEnvironment(),
                int timeoutMs = 240000) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(ALIG_TRAIN_PATH, args);
    return finish(p, timeoutMs);
}

// One rank of a job of `world` processes, started the way torchrun starts it.
std::unique_ptr<QProcess> startRank(int rank, int world, int port, const QStringList& args) {
    QProcessEnvironment env = baseEnvironment();
    env.insert("RANK", QString::number(rank));
    env.insert("LOCAL_RANK", QString::number(rank));
    env.insert("WORLD_SIZE", QString::number(world));
    env.insert("LOCAL_WORLD_SIZE", QString::number(world));
    env.insert("MASTER_ADDR", "127.0.0.1");
    env.insert("MASTER_PORT", QString::number(port));
    auto p = std::make_unique<QProcess>();
    p->setProcessEnvironment(env);
    p->start(ALIG_TRAIN_PATH, args);
    return p;
}

// The spirals preset (800 training points): with 24 per process the last step of each
// epoch has 32 points, 16 per rank.
QStringList spirals(int batch, const QString& out, int epochs = 3) {
    return {"--preset",  "spirals-mlp-alig",
            "--epochs",  QString::number(epochs),
            "--threads", "1",
            "--set",     "training.batch_size=" + QString::number(batch),
            "--out",     out,
            "--quiet"};
}

// Every step's and epoch's numbers agree within `tol` (absolute and relative).
void compareRuns(const alig::core::RunRecord& a, const alig::core::RunRecord& b, double tol,
                 size_t steps = 0) {
    if (steps == 0) {
        QCOMPARE(a.steps.size(), b.steps.size());
        QCOMPARE(a.epochs.size(), b.epochs.size());
        steps = a.steps.size();
    }
    QVERIFY(a.steps.size() >= steps && b.steps.size() >= steps);
    for (size_t i = 0; i < steps; ++i) {
        const auto &x = a.steps[i], &y = b.steps[i];
        QCOMPARE(x.step, y.step);
        QCOMPARE(x.epoch, y.epoch);
        ALIG_COMPARE_NEAR(x.loss, y.loss, tol);
        ALIG_COMPARE_NEAR(x.accuracy, y.accuracy, tol);
        ALIG_COMPARE_NEAR(x.gradNorm, y.gradNorm, tol);
        ALIG_COMPARE_NEAR(x.stepSize, y.stepSize, tol);
        // NaN for a method without a cap (L4): on every rank alike.
        QCOMPARE(std::isnan(x.unclippedStepSize), std::isnan(y.unclippedStepSize));
        if (!std::isnan(x.unclippedStepSize))
            ALIG_COMPARE_NEAR(x.unclippedStepSize, y.unclippedStepSize, tol);
        QCOMPARE(x.clipped, y.clipped);
    }
    for (size_t i = 0; i < std::min(a.epochs.size(), b.epochs.size()); ++i) {
        if (a.epochs[i].step > static_cast<int64_t>(steps)) break;
        ALIG_COMPARE_NEAR(a.epochs[i].testLoss, b.epochs[i].testLoss, tol);
        ALIG_COMPARE_NEAR(a.epochs[i].testAccuracy, b.epochs[i].testAccuracy, tol);
        ALIG_COMPARE_NEAR(a.epochs[i].trainLoss, b.epochs[i].trainLoss, tol);
        ALIG_COMPARE_NEAR(a.epochs[i].trainAccuracy, b.epochs[i].trainAccuracy, tol);
    }
}

// Waits until rank 0 has written a few steps of the run in `dir`.
bool waitForSteps(const QString& dir, int timeoutMs) {
    QElapsedTimer t;
    t.start();
    const fs::path metrics = (dir + "/metrics.csv").toStdString();
    while (t.elapsed() < timeoutMs) {
        if (fs::exists(metrics) && fs::file_size(metrics) > 2000) return true;
        QThread::msleep(100);
    }
    return false;
}

} // namespace

class TestDataParallel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void twoRanksMatchOneProcessWithTwiceTheBatch_data();
    void twoRanksMatchOneProcessWithTwiceTheBatch();
    void nprocStartsTheRanksItself();
    void aStopOnOneRankStopsAll();
    void killedRankEndsTheOthers();
    void stalledRankTimesOut();
    void badLauncherVariables_data();
    void badLauncherVariables();
};

void TestDataParallel::initTestCase() {
    if (!alig::core::distributedSupported())
        QSKIP("this build has no c10d process groups (libgloo-dev missing at build time)");
}

void TestDataParallel::twoRanksMatchOneProcessWithTwiceTheBatch_data() {
    QTest::addColumn<QStringList>("extra");
    // The preset: ALI-G, max_lr 0.1, the reference's Nesterov momentum 0.9.
    QTest::newRow("alig-momentum") << QStringList{};
    QTest::newRow("alig-adjusted-projected") << QStringList{
        "--set", "optimizer.momentum_form=adjusted", "--set", "optimizer.projection_radius=5"};
    QTest::newRow("sgd") << QStringList{"--set", "optimizer.name=sgd", "--set",
                                        "optimizer.lr=0.05"};
    // The other steps computed from the loss: the loss averaged over the ranks is the global
    // batch's, so the ranks take the single process's steps.
    QTest::newRow("sps") << QStringList{"--set", "optimizer.name=sps"};
    QTest::newRow("decsps") << QStringList{"--set", "optimizer.name=decsps", "--set",
                                           "optimizer.max_lr=1"};
    QTest::newRow("polyak") << QStringList{"--set", "optimizer.name=polyak"};
    QTest::newRow("l4mom") << QStringList{"--set", "optimizer.name=l4mom"};
    QTest::newRow("momo") << QStringList{"--set", "optimizer.name=momo", "--set", "optimizer.lr=1"};
    QTest::newRow("momo_adam") << QStringList{"--set", "optimizer.name=momo_adam", "--set",
                                              "optimizer.lr=0.01"};
}

void TestDataParallel::twoRanksMatchOneProcessWithTwiceTheBatch() {
    QFETCH(QStringList, extra);
    const QString one = alig::test::scratchPath("one") + "/run",
                  two = alig::test::scratchPath("two") + "/run";
    const Result single = runTrain(spirals(48, one) + extra);
    QVERIFY2(single.exitCode == 0, qPrintable(single.err));

    const int port = alig::core::freeLocalPort();
    auto r0 = startRank(0, 2, port, spirals(24, two) + extra);
    auto r1 = startRank(1, 2, port, spirals(24, two) + extra);
    const Result a = finish(*r0, 240000), b = finish(*r1, 240000);
    QVERIFY2(a.exitCode == 0, qPrintable(a.err));
    QVERIFY2(b.exitCode == 0, qPrintable(b.err));
    // Only rank 0 prints and records.
    QVERIFY2(a.out.contains("2 processes (gloo), batch 24 per process = 48 per step"),
             qPrintable(a.out));
    QVERIFY2(b.out.isEmpty(), qPrintable(b.out));

    const auto x = alig::core::readRun(one.toStdString());
    const auto y = alig::core::readRun(two.toStdString());
    QCOMPARE(x.steps.size(), size_t{3 * 17});
    compareRuns(x, y, 1e-5);
    QCOMPARE(y.info["distributed"]["world_size"].get<int>(), 2);
    QCOMPARE(y.info["distributed"]["global_batch"].get<int>(), 48);
}

void TestDataParallel::nprocStartsTheRanksItself() {
    const QString one = alig::test::scratchPath("nproc-one") + "/run",
                  two = alig::test::scratchPath("nproc-two") + "/run";
    const Result single = runTrain(spirals(48, one, 2));
    QVERIFY2(single.exitCode == 0, qPrintable(single.err));
    const Result r = runTrain(QStringList{"--nproc", "2"} + spirals(24, two, 2));
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("2 processes (gloo)"), qPrintable(r.out));
    compareRuns(alig::core::readRun(one.toStdString()), alig::core::readRun(two.toStdString()),
                1e-5);
}

void TestDataParallel::aStopOnOneRankStopsAll() {
    const QString dir = alig::test::scratchPath("stop") + "/run";
    const int port = alig::core::freeLocalPort();
    const QStringList args = spirals(8, dir, 1000);
    auto r0 = startRank(0, 2, port, args);
    auto r1 = startRank(1, 2, port, args);
    QVERIFY2(waitForSteps(dir, 120000), "rank 0 recorded no steps");
    // Ctrl-C on rank 1 alone: both finish the same step and stop, as one process would.
    ::kill(static_cast<pid_t>(r1->processId()), SIGINT);
    const Result a = finish(*r0, 60000), b = finish(*r1, 60000);
    QVERIFY2(a.exitCode == 130, qPrintable(a.err));
    QVERIFY2(b.exitCode == 130, qPrintable(b.err));
    const auto rec = alig::core::readRun(dir.toStdString());
    QCOMPARE(QString::fromStdString(rec.info["status"].get<std::string>()), QString("stopped"));
}

void TestDataParallel::killedRankEndsTheOthers() {
    const QString dir = alig::test::scratchPath("killed") + "/run";
    const int port = alig::core::freeLocalPort();
    const QStringList args = spirals(8, dir, 1000);
    auto r0 = startRank(0, 2, port, args);
    auto r1 = startRank(1, 2, port, args);
    QVERIFY2(waitForSteps(dir, 120000), "rank 0 recorded no steps");
    QElapsedTimer t;
    t.start();
    ::kill(static_cast<pid_t>(r1->processId()), SIGKILL);
    const Result a = finish(*r0, 60000);
    finish(*r1, 10000);
    QVERIFY2(a.exitCode == 1, qPrintable(QString::number(a.exitCode) + ": " + a.err));
    QVERIFY2(a.err.contains("alig-train [rank 0/2]") && a.err.contains("data parallel"),
             qPrintable(a.err));
    QVERIFY2(t.elapsed() < 30000, qPrintable(QString::number(t.elapsed())));
    const auto rec = alig::core::readRun(dir.toStdString());
    QCOMPARE(QString::fromStdString(rec.info["status"].get<std::string>()), QString("failed"));
}

void TestDataParallel::stalledRankTimesOut() {
    const QString dir = alig::test::scratchPath("stalled") + "/run";
    const int port = alig::core::freeLocalPort();
    const QStringList args = QStringList{"--dist-timeout", "8"} + spirals(8, dir, 1000);
    auto r0 = startRank(0, 2, port, args);
    auto r1 = startRank(1, 2, port, args);
    QVERIFY2(waitForSteps(dir, 120000), "rank 0 recorded no steps");
    // A rank that hangs (here: stopped) without closing its connections: only the process
    // group's timeout can notice.
    ::kill(static_cast<pid_t>(r1->processId()), SIGSTOP);
    QElapsedTimer t;
    t.start();
    const Result a = finish(*r0, 60000);
    ::kill(static_cast<pid_t>(r1->processId()), SIGKILL);
    ::kill(static_cast<pid_t>(r1->processId()), SIGCONT);
    finish(*r1, 10000);
    QVERIFY2(a.exitCode == 1, qPrintable(QString::number(a.exitCode) + ": " + a.err));
    QVERIFY2(a.err.contains("did not answer within 8 s"), qPrintable(a.err));
    QVERIFY2(t.elapsed() < 30000, qPrintable(QString::number(t.elapsed())));
}

void TestDataParallel::badLauncherVariables_data() {
    QTest::addColumn<QStringList>("variables");
    QTest::addColumn<QString>("message");
    QTest::newRow("no-rank") << QStringList{"WORLD_SIZE=2"} << "RANK is not set";
    QTest::newRow("rank-too-big") << QStringList{"WORLD_SIZE=2", "RANK=2"}
                                  << "RANK: must be an integer in [0, 1]";
    QTest::newRow("no-master") << QStringList{"WORLD_SIZE=2", "RANK=1"}
                               << "MASTER_ADDR and MASTER_PORT must be set";
    QTest::newRow("nproc-inside-a-job")
        << QStringList{"WORLD_SIZE=2", "RANK=0", "NPROC=1"} << "--nproc starts its own processes";
}

void TestDataParallel::badLauncherVariables() {
    QFETCH(QStringList, variables);
    QFETCH(QString, message);
    QProcessEnvironment env = baseEnvironment();
    QStringList args = spirals(8, alig::test::scratchPath("bad") + "/run", 1);
    for (const QString& v : variables) {
        if (v == "NPROC=1") {
            args.prepend("2");
            args.prepend("--nproc");
            continue;
        }
        env.insert(v.section('=', 0, 0), v.section('=', 1));
    }
    const Result r = runTrain(args, env, 60000);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
}

QTEST_GUILESS_MAIN(TestDataParallel)
#include "tst_data_parallel.moc"
