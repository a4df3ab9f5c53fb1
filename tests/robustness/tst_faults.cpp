// alig-train under real faults, as a hostile world makes them: a file system that fills up
// (a small tmpfs the test mounts when it may, RLIMIT_FSIZE otherwise) at each kind of file,
// two writers on one run folder, signals at start-up and mid-run, a closed stdout, rows that
// wait for the disk, damaged folders handed to --resume, weights that go non-finite, and
// flags that contradict each other. Every wait is on a condition (a row, a file, an exit),
// never on a moment.

#include "common/test_support.h"
#include "common/train_process.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/run_schema.h"
#include "core/experiment/run_store.h"

#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>

namespace fs = std::filesystem;
using alig::core::readRun;
using alig::core::RunRecord;
using alig::test::checkConsistent;
using alig::test::finish;
using alig::test::Finished;
using alig::test::kPatienceMs;
using alig::test::linesOf;
using alig::test::sizeOf;
using alig::test::SmallFileSystem;

namespace {

// The spirals MLP, one thread, changed by `edit`: small runs that give the same numbers
// every time.
std::string writeExperiment(const std::string& dir,
                            const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json doc = alig::core::loadPreset("spirals-mlp-alig");
    doc["name"] = "faults";
    doc["training"]["threads"] = 1;
    doc["training"]["epochs"] = 3;
    doc["output"] = {{"checkpoint_every", 1}, {"flush_seconds", 0.25}};
    if (edit) edit(doc);
    const std::string path = dir + "/experiment.json";
    alig::test::writeFile(path, doc.dump(2));
    return path;
}

Finished runTrain(const QStringList& args, const std::string& scratch,
                  std::function<void()> childSetup = {}) {
    return alig::test::runProcess(ALIG_TRAIN_PATH, args, scratch, std::move(childSetup));
}

QStringList q(std::initializer_list<std::string> args) {
    QStringList list;
    for (const auto& a : args)
        list << QString::fromStdString(a);
    return list;
}

std::string readText(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Whether a process has a handler for `signal` (its SigCgt mask): the moment from which a
// signal is the program's to handle.
bool catches(qint64 pid, int signal) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("SigCgt:", 0) == 0)
            return (std::stoull(line.substr(7), nullptr, 16) >> (signal - 1)) & 1u;
    return false;
}

// Copies a folder off the small file system, to resume it where there is room.
void copyFolder(const fs::path& from, const fs::path& to) {
    fs::remove_all(to);
    fs::copy(from, to, fs::copy_options::recursive);
}

} // namespace

class TestFaults : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void fullDiskAtMetrics();
    void fullDiskAtALaterCheckpoint();
    void fullDiskAtRunJson();
    void fileSizeLimitAtTheCheckpoint();
    void epochsCsvThatCannotBeWritten();
    void batchFileThatCannotBeWritten_data();
    void batchFileThatCannotBeWritten();
    void secondWriterIsRefused();
    void freshRunsOnOneOutTakeTurns();
    void staleLockIsTakenOver();
    void signalsStopCleanly_data();
    void signalsStopCleanly();
    void closedStdoutNeverKillsTheRun();
    void rowsReachTheDiskWhateverTheMetricsInterval();
    void slowEvaluationDoesNotHoldRows();
    void resumeRefusesMissingRowsAndRepairs();
    void resumeRefusesADamagedCheckpoint();
    void resumeWarnsAboutAnotherThreadCount();
    void nonFiniteWeightsEndAsDiverged();
    void overflowNamesTheStepAndTheSetting();
    void modelTooLargeNamesTheSetting();
    void firstStepOutOfMemoryNamesTheSettings();
    void dataThatCannotTrainIsRefused_data();
    void dataThatCannotTrainIsRefused();
    void conflictingFlagsAreRefused();
};

// A file system that fills up while metrics.csv grows: one long epoch, no checkpoint yet.
void TestFaults::fullDiskAtMetrics() {
    const std::string scratch = alig::test::scratchDir("full-metrics");
    const std::string experiment = writeExperiment(scratch, [](nlohmann::json& d) {
        d["dataset"]["samples"] = 20000;
        d["training"]["batch_size"] = 1; // 16000 rows in the first epoch: about 2 MB
        d["output"]["checkpoint_every"] = 0;
    });
    fs::create_directories(scratch + "/small");
    SmallFileSystem small(scratch + "/small", "size=512k");
    if (!small.mounted()) QSKIP("may not mount a tmpfs here; fileSizeLimit* cover the limit");
    const fs::path dir = scratch + "/small/run";
    const Finished r = runTrain(q({experiment, "--quiet", "--out", dir.string()}), scratch);
    QCOMPARE(r.exitCode, 1); // failed, not crashed, not "bad input"
    QVERIFY2(r.err.contains("metrics.csv") && r.err.contains("No space left on device"),
             qPrintable(r.err));
    const RunRecord rec = readRun(dir.string());
    checkConsistent(rec);
    QCOMPARE(rec.info["status"].get<std::string>(), std::string("failed"));
    QVERIFY(QString::fromStdString(rec.info["message"].get<std::string>()).contains("metrics.csv"));
    QVERIFY(rec.steps.size() > 100);
    QVERIFY(!fs::exists(dir / "run.json.partial"));
}

// The first checkpoint fits, the second (written beside the first) does not: the run fails
// with the checkpoint's name, and the first checkpoint still resumes the run elsewhere.
void TestFaults::fullDiskAtALaterCheckpoint() {
    const std::string scratch = alig::test::scratchDir("full-checkpoint");
    const std::string experiment = writeExperiment(scratch, [](nlohmann::json& d) {
        d["model"]["hidden"] = {512, 512}; // a checkpoint of about 2 MB (weights and momentum)
        d["training"]["epochs"] = 4;
    });
    // How big one checkpoint is, measured on a disk with room.
    const Finished probe =
        runTrain(q({experiment, "--quiet", "--epochs", "1", "--out", scratch + "/probe"}), scratch);
    QVERIFY2(probe.exitCode == 0, qPrintable(probe.err));
    const int64_t checkpoint = sizeOf(scratch + "/probe/checkpoints/last.pt");
    QVERIFY(checkpoint > 1000000);
    // Room for one checkpoint and the rest of the folder, not for two checkpoints.
    const int64_t bytes = checkpoint * 3 / 2 + 256 * 1024;
    fs::create_directories(scratch + "/small");
    SmallFileSystem small(scratch + "/small", "size=" + std::to_string(bytes / 1024) + "k");
    if (!small.mounted()) QSKIP("may not mount a tmpfs here");
    const fs::path dir = scratch + "/small/run";
    const Finished r = runTrain(q({experiment, "--quiet", "--out", dir.string()}), scratch);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("last.pt") && r.err.contains("No space left on device"),
             qPrintable(r.err));
    QVERIFY2(!r.err.contains("terminate"), qPrintable(r.err));
    const RunRecord rec = readRun(dir.string());
    checkConsistent(rec);
    QCOMPARE(rec.info["status"].get<std::string>(), std::string("failed"));
    QVERIFY(QString::fromStdString(rec.info["message"].get<std::string>()).contains("last.pt"));
    QVERIFY(!fs::exists(dir / "checkpoints" / "last.pt.partial"));
    QCOMPARE(rec.info["checkpoint"]["epoch"].get<int64_t>(), int64_t{1});
    QVERIFY(rec.epochs.size() >= 2);

    // The first checkpoint is whole: the run resumes from it where there is room.
    const fs::path moved = scratch + "/moved";
    copyFolder(dir, moved);
    const Finished resumed = runTrain(q({"--resume", moved.string(), "--quiet"}), scratch);
    QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.err));
    const RunRecord done = readRun(moved.string());
    checkConsistent(done);
    QCOMPARE(done.epochs.size(), size_t{4});
}

// No inode left: appending rows still works, but run.json (replaced through a new file at
// each epoch) cannot be written. The run fails naming run.json, and run.json says so.
void TestFaults::fullDiskAtRunJson() {
    const std::string scratch = alig::test::scratchDir("full-run-json");
    const std::string experiment = writeExperiment(scratch, [](nlohmann::json& d) {
        d["training"]["epochs"] = 1000000;
        d["output"]["checkpoint_every"] = 0;
    });
    fs::create_directories(scratch + "/small");
    SmallFileSystem small(scratch + "/small", "size=64m,nr_inodes=4096");
    if (!small.mounted()) QSKIP("may not mount a tmpfs here");
    const fs::path dir = scratch + "/small/run";
    QProcess p;
    p.setProcessEnvironment(alig::test::trainEnvironment(scratch));
    p.start(ALIG_TRAIN_PATH, q({experiment, "--quiet", "--out", dir.string()}));
    QVERIFY(p.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(linesOf(dir / "epochs.csv") >= 2, kPatienceMs);
    // Take every inode that is left.
    for (int i = 0;; ++i) {
        const std::string f = scratch + "/small/filler-" + std::to_string(i);
        const int fd = ::open(f.c_str(), O_CREAT | O_WRONLY, 0644);
        if (fd < 0) break;
        ::close(fd);
    }
    const Finished r = finish(p);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("run.json") && r.err.contains("No space left on device"),
             qPrintable(r.err));
    const RunRecord rec = readRun(dir.string());
    checkConsistent(rec);
    QCOMPARE(rec.info["status"].get<std::string>(), std::string("failed"));
    QVERIFY(QString::fromStdString(rec.info["message"].get<std::string>()).contains("run.json"));
    QVERIFY(!fs::exists(dir / "run.json.partial"));
}

// Where no tmpfs may be mounted, a file size limit is the full disk: the checkpoint (about
// 2 MB) passes the limit that the rows stay under. LibTorch's writer used to end the
// program here (terminate, SIGABRT) with run.json left "running".
void TestFaults::fileSizeLimitAtTheCheckpoint() {
    const std::string scratch = alig::test::scratchDir("limit-checkpoint");
    const std::string experiment = writeExperiment(scratch, [](nlohmann::json& d) {
        d["model"]["hidden"] = {512, 512};
    });
    const fs::path dir = scratch + "/run";
    const Finished r = runTrain(q({experiment, "--quiet", "--out", dir.string()}), scratch, [] {
        rlimit limit{512 * 1024, 512 * 1024};
        ::setrlimit(RLIMIT_FSIZE, &limit);
    });
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("last.pt") && r.err.contains("File too large"), qPrintable(r.err));
    const RunRecord rec = readRun(dir.string());
    checkConsistent(rec);
    QCOMPARE(rec.info["status"].get<std::string>(), std::string("failed"));
    QCOMPARE(rec.epochs.size(), size_t{1});
    QVERIFY(!fs::exists(dir / "checkpoints" / "last.pt.partial"));
    QVERIFY(!fs::exists(dir / "checkpoints" / "last.pt"));
}

// epochs.csv alone fails (it is /dev/full, which takes the open and refuses every write): the
// run fails naming epochs.csv, and every step's row is on disk.
void TestFaults::epochsCsvThatCannotBeWritten() {
    const std::string scratch = alig::test::scratchDir("epochs-csv");
    const std::string experiment = writeExperiment(scratch, {});
    const fs::path dir = scratch + "/run";
    fs::create_directories(dir);
    fs::create_symlink("/dev/full", dir / "epochs.csv");
    const Finished r = runTrain(q({experiment, "--quiet", "--out", dir.string()}), scratch);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("epochs.csv") && r.err.contains("No space left on device"),
             qPrintable(r.err));
    QVERIFY2(!r.err.contains("terminate"), qPrintable(r.err));
    // What was written to epochs.csv went nowhere: give it back its header to read the rest.
    fs::remove(dir / "epochs.csv");
    alig::test::writeFile((dir / "epochs.csv").string(),
                          alig::core::csvHeader(alig::core::epochColumns()) + "\n");
    const RunRecord rec = readRun(dir.string());
    checkConsistent(rec);
    QCOMPARE(rec.info["status"].get<std::string>(), std::string("failed"));
    QVERIFY(QString::fromStdString(rec.info["message"].get<std::string>()).contains("epochs.csv"));
    // The first epoch's rows all reached metrics.csv before its epoch row failed.
    QCOMPARE(static_cast<int64_t>(rec.steps.size()), rec.info["steps_per_epoch"].get<int64_t>());
}

void TestFaults::batchFileThatCannotBeWritten_data() {
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("file");
    QTest::newRow("compare: summary.csv") << "compare"
                                          << "summary.csv";
    QTest::newRow("sweep: summary.csv") << "sweep"
                                        << "summary.csv";
    QTest::newRow("sweep: sweep.csv") << "sweep"
                                      << "sweep.csv";
}

// The batch's own files are replaced through "<file>.partial"; a folder in its place makes
// the write fail. The batch fails naming the file, and every run it trained stays whole.
void TestFaults::batchFileThatCannotBeWritten() {
    QFETCH(QString, command);
    QFETCH(QString, file);
    const std::string scratch = alig::test::scratchDir(
        "batch-" + std::string(QTest::currentDataTag()).substr(0, 5) + "-" + file.toStdString());
    const fs::path out = scratch + "/out";
    fs::create_directories(out / (file.toStdString() + ".partial"));
    QStringList args{command,
                     "--preset",
                     "spirals-mlp-alig",
                     "--epochs",
                     "1",
                     "--set",
                     "dataset.samples=300",
                     "--threads",
                     "1",
                     "--optimizers",
                     "alig,sgd",
                     "--out",
                     QString::fromStdString(out)};
    if (command == "sweep")
        args << "--param"
             << "learning_rate"
             << "--values"
             << "0.01,0.1";
    const Finished r = runTrain(args, scratch);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(file + ": cannot write"), qPrintable(r.err));
    QVERIFY2(!r.err.contains("terminate"), qPrintable(r.err));
    int runs = 0;
    for (const auto& entry : fs::directory_iterator(out)) {
        if (!fs::exists(entry.path() / "run.json")) continue;
        const RunRecord rec = readRun(entry.path().string());
        QCOMPARE(rec.info["status"].get<std::string>(), std::string("completed"));
        QCOMPARE(rec.epochs.size(), size_t{1});
        ++runs;
    }
    QCOMPARE(runs, command == "sweep" ? 4 : 2);
}

// A run still training, then a --resume of its folder: refused, naming the holder; once
// the first has stopped, the resume is let in.
void TestFaults::secondWriterIsRefused() {
    const std::string scratch = alig::test::scratchDir("second-writer");
    const std::string experiment =
        writeExperiment(scratch, [](nlohmann::json& d) { d["training"]["epochs"] = 1000000; });
    const fs::path dir = scratch + "/run";
    QProcess first;
    first.setProcessEnvironment(alig::test::trainEnvironment(scratch));
    first.start(ALIG_TRAIN_PATH, q({experiment, "--quiet", "--out", dir.string()}));
    QVERIFY(first.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(linesOf(dir / "epochs.csv") >= 2, kPatienceMs);

    // Refused at once; it used to train beside the first (so give it a minute, not more).
    QProcess resume;
    resume.setProcessEnvironment(alig::test::trainEnvironment(scratch));
    resume.start(ALIG_TRAIN_PATH, q({"--resume", dir.string(), "--quiet"}));
    const Finished second = finish(resume, 60000);
    QCOMPARE(second.exitCode, 2);
    QVERIFY2(second.err.contains("in use by") &&
                 second.err.contains("pid " + QString::number(first.processId())),
             qPrintable(second.err));
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    QVERIFY2(second.err.contains(QString::fromLocal8Bit(host)), qPrintable(second.err));

    ::kill(static_cast<pid_t>(first.processId()), SIGINT);
    QCOMPARE(finish(first).exitCode, 130);
    const RunRecord stopped = readRun(dir.string());
    checkConsistent(stopped);
    QCOMPARE(stopped.info["status"].get<std::string>(), std::string("stopped"));

    // Now the folder is free: a resume trains (and is stopped in its turn).
    QProcess again;
    again.setProcessEnvironment(alig::test::trainEnvironment(scratch));
    again.start(ALIG_TRAIN_PATH, q({"--resume", dir.string(), "--quiet"}));
    QVERIFY(again.waitForStarted());
    const int64_t before = linesOf(dir / "epochs.csv");
    QTRY_VERIFY_WITH_TIMEOUT(linesOf(dir / "epochs.csv") > before, kPatienceMs);
    ::kill(static_cast<pid_t>(again.processId()), SIGINT);
    QCOMPARE(finish(again).exitCode, 130);
    checkConsistent(readRun(dir.string()));
}

// Two fresh runs started together on one --out: one trains, the other is refused (by the
// lock, or by the run the first left there), never both into one folder.
void TestFaults::freshRunsOnOneOutTakeTurns() {
    const std::string scratch = alig::test::scratchDir("same-out");
    const std::string experiment = writeExperiment(scratch, {});
    const fs::path dir = scratch + "/run";
    QProcess a, b;
    for (QProcess* p : {&a, &b}) {
        p->setProcessEnvironment(alig::test::trainEnvironment(scratch));
        p->start(ALIG_TRAIN_PATH, q({experiment, "--quiet", "--out", dir.string()}));
    }
    const Finished ra = finish(a), rb = finish(b);
    QVERIFY2((ra.exitCode == 0) != (rb.exitCode == 0), qPrintable(ra.err + "\n" + rb.err));
    const Finished& refused = ra.exitCode == 0 ? rb : ra;
    QCOMPARE(refused.exitCode, 2);
    QVERIFY2(refused.err.contains("in use by") || refused.err.contains("already holds a run"),
             qPrintable(refused.err));
    const RunRecord rec = readRun(dir.string());
    checkConsistent(rec);
    QCOMPARE(rec.epochs.size(), size_t{3});
    QCOMPARE(rec.info["status"].get<std::string>(), std::string("completed"));
}

// A lock file left by a killed run (its holder is dead) does not block the resume.
void TestFaults::staleLockIsTakenOver() {
    const std::string scratch = alig::test::scratchDir("stale-lock");
    const std::string experiment = writeExperiment(scratch, {});
    const fs::path dir = scratch + "/run";
    QVERIFY(runTrain(q({experiment, "--quiet", "--epochs", "2", "--out", dir.string()}), scratch)
                .exitCode == 0);
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    alig::test::writeFile((dir / "writer.lock").string(),
                          "alig pid 999999 on host " + std::string(host) + "\n");
    const Finished r = runTrain(q({"--resume", dir.string(), "--quiet", "--epochs", "3"}), scratch);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QCOMPARE(readRun(dir.string()).epochs.size(), size_t{3});
}

void TestFaults::signalsStopCleanly_data() {
    QTest::addColumn<int>("signal");
    QTest::addColumn<bool>("atStartUp");
    QTest::addColumn<int>("exitCode");
    QTest::newRow("SIGINT while the data loads") << SIGINT << true << 130;
    QTest::newRow("SIGTERM while the data loads") << SIGTERM << true << 130;
    QTest::newRow("SIGHUP while the data loads") << SIGHUP << true << 129;
    QTest::newRow("SIGHUP mid-run") << SIGHUP << false << 129;
    QTest::newRow("SIGTERM mid-run") << SIGTERM << false << 130;
}

void TestFaults::signalsStopCleanly() {
    QFETCH(int, signal);
    QFETCH(bool, atStartUp);
    QFETCH(int, exitCode);
    const std::string scratch = alig::test::scratchDir("signal-" + std::to_string(signal) +
                                                       (atStartUp ? "-start" : "-mid"));
    // A CSV of 300000 rows takes a while to read: the signal comes while it loads.
    const std::string csv = scratch + "/data.csv";
    {
        std::ofstream out(csv);
        out << "x,y,label\n";
        for (int i = 0; i < 300000; ++i)
            out << (i % 97) * 0.01 << ',' << (i % 89) * 0.02 << ',' << (i % 2) << '\n';
    }
    const std::string experiment = writeExperiment(scratch, [&](nlohmann::json& d) {
        d["dataset"] = {{"kind", "csv"}, {"path", csv}, {"test_fraction", 0.1}};
        d["training"]["epochs"] = 1000;
        d["training"]["batch_size"] = 256;
    });
    const fs::path dir = scratch + "/run";
    QProcess p;
    p.setProcessEnvironment(alig::test::trainEnvironment(scratch));
    p.start(ALIG_TRAIN_PATH, q({experiment, "--quiet", "--out", dir.string()}));
    QVERIFY(p.waitForStarted());
    if (atStartUp) {
        // Polled closely: the signal must come while the data loads, right after the handler
        // is there.
        QElapsedTimer clock;
        clock.start();
        while (!catches(p.processId(), signal) && p.state() == QProcess::Running &&
               clock.elapsed() < 60000)
            p.waitForFinished(1);
        QVERIFY2(catches(p.processId(), signal), "the program never handled the signal");
    } else
        QTRY_VERIFY_WITH_TIMEOUT(sizeOf(dir / "metrics.csv") > 2000, kPatienceMs);
    ::kill(static_cast<pid_t>(p.processId()), signal);
    const Finished r = finish(p);
    QVERIFY2(r.exitCode == exitCode, qPrintable(QString::number(r.exitCode) + " " + r.err));
    const RunRecord rec = readRun(dir.string());
    checkConsistent(rec);
    QCOMPARE(rec.info["status"].get<std::string>(), std::string("stopped"));
    if (atStartUp) {
        // Caught while loading: not one step was taken.
        QVERIFY2(rec.steps.empty(), qPrintable(QString::number(rec.steps.size())));
        QCOMPARE(QString::fromStdString(rec.info["message"].get<std::string>()),
                 QString("stopped before the first step"));
    } else {
        QCOMPARE(rec.info["progress"]["steps"].get<int64_t>(), rec.steps.back().step);
    }
}

// `alig-train ... | head -3`: the reader is gone. Printing ends; training and recording go
// on to the end (it used to die of SIGPIPE with run.json "running").
void TestFaults::closedStdoutNeverKillsTheRun() {
    const std::string scratch = alig::test::scratchDir("closed-stdout");
    const std::string experiment = writeExperiment(scratch, {});
    const fs::path dir = scratch + "/run";
    int fds[2];
    QVERIFY(::pipe(fds) == 0);
    ::close(fds[0]); // nobody reads: every write to stdout fails with EPIPE
    const std::string program = ALIG_TRAIN_PATH;
    const std::string out = dir.string();
    const std::string xdg = "XDG_DATA_HOME=" + scratch + "/xdg";
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(fds[1], 1);
        ::close(fds[1]);
        ::putenv(const_cast<char*>(xdg.c_str()));
        ::signal(SIGPIPE, SIG_DFL); // as a shell leaves it
        ::execl(program.c_str(), program.c_str(), experiment.c_str(), "--out", out.c_str(),
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(fds[1]);
    QVERIFY(pid > 0);
    int status = 0;
    pid_t done = 0;
    // Waits on the child's exit (a condition), not on a clock.
    const bool exited = QTest::qWaitFor(
        [&] { return (done = ::waitpid(pid, &status, WNOHANG)) != 0; }, kPatienceMs);
    if (!exited) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        QFAIL("timed out");
    }
    QVERIFY2(WIFEXITED(status), qPrintable(QString("killed by signal %1").arg(WTERMSIG(status))));
    QCOMPARE(WEXITSTATUS(status), 0);
    const RunRecord rec = readRun(dir.string());
    checkConsistent(rec);
    QCOMPARE(rec.info["status"].get<std::string>(), std::string("completed"));
    QCOMPARE(rec.epochs.size(), size_t{3});
}

// A metrics_interval far longer than the epoch: rows still reach the disk every
// flush_seconds, not only when the epoch ends. Counted: how often metrics.csv grew before
// the first epoch's row landed. The epoch's 20 rows (3 KB) fit one stdio buffer, so rows
// held until the epoch's end land in one write: one growth.
void TestFaults::rowsReachTheDiskWhateverTheMetricsInterval() {
    const std::string scratch = alig::test::scratchDir("metrics-interval");
    const std::string experiment = writeExperiment(scratch, [](nlohmann::json& d) {
        d["dataset"]["samples"] = 6400;
        d["model"]["hidden"] = {2048, 2048}; // a few tenths of a second a step
        d["training"]["batch_size"] = 256;   // 20 steps in the epoch
        d["training"]["epochs"] = 1;
        d["training"]["metrics_interval"] = 1000000;
        d["output"]["flush_seconds"] = 0.25;
    });
    const fs::path dir = scratch + "/run";
    QProcess p;
    p.setProcessEnvironment(alig::test::trainEnvironment(scratch));
    p.start(ALIG_TRAIN_PATH, q({experiment, "--quiet", "--out", dir.string()}));
    QVERIFY(p.waitForStarted());
    int growths = 0;
    int64_t last = -1;
    QElapsedTimer clock;
    clock.start();
    while (linesOf(dir / "epochs.csv") < 2 && p.state() != QProcess::NotRunning &&
           clock.elapsed() < kPatienceMs) {
        const int64_t size = sizeOf(dir / "metrics.csv");
        if (size != last && last > 0) ++growths;
        last = size;
        p.waitForFinished(5);
    }
    QVERIFY2(growths >= 3,
             qPrintable(QString("metrics.csv grew %1 times in the epoch").arg(growths)));
    QCOMPARE(finish(p).exitCode, 0);
    checkConsistent(readRun(dir.string()));
}

// An evaluation far longer than the epoch's steps (a test set nine times the training set):
// every step's row is on disk while the evaluation runs, before the epoch's row. The rows
// of the last flush_seconds used to wait for the evaluation to end.
void TestFaults::slowEvaluationDoesNotHoldRows() {
    const std::string scratch = alig::test::scratchDir("slow-evaluation");
    const std::string experiment = writeExperiment(scratch, [](nlohmann::json& d) {
        d["dataset"]["samples"] = 200000;
        d["dataset"]["test_fraction"] = 0.9; // 180000 test samples, 20000 to train on
        d["model"]["hidden"] = {512, 512};
        d["training"]["batch_size"] = 2000; // 10 steps in the epoch
        d["training"]["epochs"] = 1;
        d["output"]["flush_seconds"] = 2; // the most: the rows wait unless evaluation flushes
    });
    const fs::path dir = scratch + "/run";
    QProcess p;
    p.setProcessEnvironment(alig::test::trainEnvironment(scratch));
    p.start(ALIG_TRAIN_PATH, q({experiment, "--quiet", "--out", dir.string()}));
    QVERIFY(p.waitForStarted());
    bool rowsBeforeEpoch = false;
    QElapsedTimer clock;
    clock.start();
    while (linesOf(dir / "epochs.csv") < 2 && p.state() != QProcess::NotRunning &&
           clock.elapsed() < kPatienceMs) {
        const int64_t rows = linesOf(dir / "metrics.csv") - 1;
        if (rows >= 10 && linesOf(dir / "epochs.csv") < 2) rowsBeforeEpoch = true;
        p.waitForFinished(5);
    }
    QVERIFY2(rowsBeforeEpoch, "the epoch's rows reached the disk only with the epoch's row");
    QCOMPARE(finish(p).exitCode, 0);
    checkConsistent(readRun(dir.string()));
}

// metrics.csv cut before the checkpoint's step: resume refuses, naming the file and the
// missing steps and how to recover; --repair drops what cannot be trusted, says so, and
// trains again to the numbers of an uninterrupted run.
void TestFaults::resumeRefusesMissingRowsAndRepairs() {
    const std::string scratch = alig::test::scratchDir("missing-rows");
    const std::string experiment = writeExperiment(scratch, {});
    const fs::path reference = scratch + "/reference", dir = scratch + "/run";
    QVERIFY(
        runTrain(q({experiment, "--quiet", "--epochs", "4", "--out", reference.string()}), scratch)
            .exitCode == 0);
    QVERIFY(runTrain(q({experiment, "--quiet", "--epochs", "3", "--out", dir.string()}), scratch)
                .exitCode == 0);
    // Keep the header and the first 30 rows of the 75.
    std::ifstream in(dir / "metrics.csv");
    std::string line, kept;
    for (int i = 0; i < 31 && std::getline(in, line); ++i)
        kept += line + "\n";
    in.close();
    alig::test::writeFile((dir / "metrics.csv").string(), kept);

    const Finished refused =
        runTrain(q({"--resume", dir.string(), "--quiet", "--epochs", "4"}), scratch);
    QCOMPARE(refused.exitCode, 2);
    QVERIFY2(refused.err.contains("metrics.csv") && refused.err.contains("steps 31-75") &&
                 refused.err.contains("--repair"),
             qPrintable(refused.err));
    QCOMPARE(linesOf(dir / "metrics.csv"), int64_t{31}); // refused means untouched

    const Finished repaired =
        runTrain(q({"--resume", dir.string(), "--quiet", "--epochs", "4", "--repair"}), scratch);
    QVERIFY2(repaired.exitCode == 0, qPrintable(repaired.err));
    QVERIFY2(repaired.err.contains("repair:") && repaired.err.contains("dropped"),
             qPrintable(repaired.err));
    const RunRecord got = readRun(dir.string()), want = readRun(reference.string());
    checkConsistent(got);
    QCOMPARE(got.steps.size(), want.steps.size());
    for (size_t i = 0; i < want.steps.size(); ++i)
        QCOMPARE(got.steps[i].loss, want.steps[i].loss);
    QCOMPARE(got.epochs.size(), size_t{4});
}

// Bytes scrambled in the middle of the checkpoint: it fails its checksum, and resume says
// so instead of training from it.
void TestFaults::resumeRefusesADamagedCheckpoint() {
    const std::string scratch = alig::test::scratchDir("damaged-checkpoint");
    const std::string experiment = writeExperiment(scratch, {});
    const fs::path dir = scratch + "/run";
    QVERIFY(runTrain(q({experiment, "--quiet", "--epochs", "2", "--out", dir.string()}), scratch)
                .exitCode == 0);
    const fs::path checkpoint = dir / "checkpoints" / "last.pt";
    std::string bytes = readText(checkpoint);
    QVERIFY(bytes.size() > 4096);
    for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 64; ++i)
        bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
    alig::test::writeFile(checkpoint.string(), bytes);
    const Finished r = runTrain(q({"--resume", dir.string(), "--quiet", "--epochs", "3"}), scratch);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("last.pt") && r.err.contains("damaged") && r.err.contains("--repair"),
             qPrintable(r.err));
}

// Results are reproducible for a seed and a thread count: a resume with another count says
// so, and records the count it used.
void TestFaults::resumeWarnsAboutAnotherThreadCount() {
    const std::string scratch = alig::test::scratchDir("threads");
    const std::string experiment = writeExperiment(scratch, {});
    const fs::path dir = scratch + "/run";
    QVERIFY(runTrain(q({experiment, "--quiet", "--epochs", "1", "--out", dir.string()}), scratch)
                .exitCode == 0);
    const Finished r = runTrain(
        q({"--resume", dir.string(), "--quiet", "--epochs", "2", "--threads", "2"}), scratch);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.err.contains("trained with 1 threads and resumes with 2"), qPrintable(r.err));
    const RunRecord rec = readRun(dir.string());
    QCOMPARE(rec.info["threads"].get<int>(), 2);
    QCOMPARE(rec.info["resumes"].back()["threads"].get<int>(), 2);
}

// One step with a step size so large that the weights overflow: the step's own loss was
// finite, but the run must not end "completed" with a checkpoint of non-finite weights.
void TestFaults::nonFiniteWeightsEndAsDiverged() {
    const std::string scratch = alig::test::scratchDir("nonfinite-weights");
    const std::string experiment = writeExperiment(scratch, [](nlohmann::json& d) {
        d["dataset"]["samples"] = 40;
        d["training"]["batch_size"] = 64; // one step an epoch
        d["training"]["epochs"] = 1;
        d["optimizer"] = {{"name", "sgd"}, {"lr", 1e30}};
    });
    const fs::path dir = scratch + "/run";
    const Finished r = runTrain(q({experiment, "--quiet", "--out", dir.string()}), scratch);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("diverged at step 1 (epoch 1)"), qPrintable(r.err));
    const RunRecord rec = readRun(dir.string());
    QCOMPARE(rec.info["status"].get<std::string>(), std::string("diverged"));
    QVERIFY(!fs::exists(dir / "checkpoints" / "last.pt"));
}

// A step size that does not fit the weights' float type: the message names the step and
// the settings to look at (it used to name neither).
void TestFaults::overflowNamesTheStepAndTheSetting() {
    const std::string scratch = alig::test::scratchDir("overflow");
    const std::string experiment = writeExperiment(scratch, [](nlohmann::json& d) {
        d["training"]["epochs"] = 1;
        d["optimizer"] = {{"name", "sgd"}, {"lr", 1e300}};
    });
    const fs::path dir = scratch + "/run";
    const Finished r = runTrain(q({experiment, "--quiet", "--out", dir.string()}), scratch);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("at step 1 (epoch 1)") && r.err.contains("optimizer.lr"),
             qPrintable(r.err));
    QCOMPARE(readRun(dir.string()).info["status"].get<std::string>(), std::string("failed"));
}

// A model too large for any machine: refused before training, naming model.hidden and what
// it needs (it was LibTorch's allocator text alone).
void TestFaults::modelTooLargeNamesTheSetting() {
    std::ifstream policy("/proc/sys/vm/overcommit_memory");
    int mode = -1;
    policy >> mode;
    // With overcommit "always", a 4 TB allocation would succeed and its first touch would
    // bring the OOM killer: only where the kernel refuses it.
    if (mode != 0 && mode != 2) QSKIP("the kernel overcommits without limit here");
    const std::string scratch = alig::test::scratchDir("model-too-large");
    const std::string experiment = writeExperiment(scratch, [](nlohmann::json& d) {
        d["model"]["hidden"] = {1000000, 1000000}; // 1e12 weights: 4 TB
    });
    const Finished r = runTrain(q({experiment, "--quiet", "--out", scratch + "/run"}), scratch);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("model.hidden: [1000000, 1000000] needs 4000") &&
                 r.err.contains("ran out of memory"),
             qPrintable(r.err));
}

// A model that fits but whose first forward pass does not (a batch of 100000 through a layer of
// a million units: 400 GB of activations): the run fails at step 1 naming the batch size and
// the model's width, not with the allocator's text alone.
void TestFaults::firstStepOutOfMemoryNamesTheSettings() {
    std::ifstream policy("/proc/sys/vm/overcommit_memory");
    int mode = -1;
    policy >> mode;
    if (mode != 0 && mode != 2) QSKIP("the kernel overcommits without limit here");
    const std::string scratch = alig::test::scratchDir("first-step-oom");
    const std::string experiment = writeExperiment(scratch, [](nlohmann::json& d) {
        d["dataset"]["samples"] = 125000; // 100000 to train on
        d["model"]["hidden"] = {1000000}; // 4 million weights: 16 MB
        d["training"]["batch_size"] = 100000;
        d["training"]["epochs"] = 1;
    });
    const fs::path dir = scratch + "/run";
    const Finished r = runTrain(q({experiment, "--quiet", "--out", dir.string()}), scratch);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("at step 1 (epoch 1)") && r.err.contains("training.batch_size") &&
                 r.err.contains("model.hidden") && r.err.contains("batch 100000"),
             qPrintable(r.err));
    QCOMPARE(readRun(dir.string()).info["status"].get<std::string>(), std::string("failed"));
}

void TestFaults::dataThatCannotTrainIsRefused_data() {
    QTest::addColumn<QString>("csv");
    QTest::addColumn<QString>("reason");
    QString oneClass = "x,y,label\n", twoWays = "x,y,label\n", twoRows = "x,y,label\n";
    for (int i = 0; i < 50; ++i) {
        oneClass += QString("%1,%2,cat\n").arg(i).arg(i * 2);
        twoWays += QString("%1,%2,%3\n").arg(i).arg(i * 2).arg(i % 2 ? "1" : "1.0");
    }
    twoRows += "0,1,a\n1,0,b\n";
    QTest::newRow("all one class") << oneClass << "at least two classes";
    QTest::newRow("1 and 1.0") << twoWays << "same number written two ways";
    QTest::newRow("no row left for testing") << twoRows << "no row for testing";
}

// Before the first step, naming the file and the reason: it used to train to "100 %", make
// two classes of 1 and 1.0, or report a test accuracy of 0 % over no test rows.
void TestFaults::dataThatCannotTrainIsRefused() {
    QFETCH(QString, csv);
    QFETCH(QString, reason);
    const std::string scratch =
        alig::test::scratchDir("data-" + std::string(QTest::currentDataTag()));
    const std::string path = scratch + "/data.csv";
    alig::test::writeFile(path, csv.toStdString());
    const std::string experiment = writeExperiment(scratch, [&](nlohmann::json& d) {
        d["dataset"] = {{"kind", "csv"}, {"path", path}, {"test_fraction", 0.2}};
    });
    const Finished r = runTrain(q({experiment, "--quiet", "--out", scratch + "/run"}), scratch);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("data.csv") && r.err.contains(reason), qPrintable(r.err));
    QVERIFY(!fs::exists(scratch + "/run/metrics.csv"));
}

void TestFaults::conflictingFlagsAreRefused() {
    const std::string scratch = alig::test::scratchDir("flags");
    const std::string experiment = writeExperiment(scratch, {});
    const fs::path dir = scratch + "/run";
    QVERIFY(runTrain(q({experiment, "--quiet", "--epochs", "1", "--out", dir.string()}), scratch)
                .exitCode == 0);
    const Finished r =
        runTrain(q({"--resume", dir.string(), "--print-config", "--epochs", "2"}), scratch);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("--print-config") && r.err.contains("--resume"), qPrintable(r.err));
    QCOMPARE(readRun(dir.string()).epochs.size(), size_t{1}); // nothing trained
    const Finished repairAlone = runTrain(q({experiment, "--repair"}), scratch);
    QCOMPARE(repairAlone.exitCode, 2);
    QVERIFY2(repairAlone.err.contains("--repair"), qPrintable(repairAlone.err));
}

QTEST_GUILESS_MAIN(TestFaults)
#include "tst_faults.moc"
