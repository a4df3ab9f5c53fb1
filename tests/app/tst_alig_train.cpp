// alig-train end to end, as a user runs it: exit codes, messages, and the files a run
// leaves behind.

#include "common/test_support.h"
#include "core/experiment/run_store.h"
#include "core/train/blas_kernel.h"

#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <functional>

namespace fs = std::filesystem;

namespace {

struct Result {
    int exitCode = -1;
    QString out, err;
};

Result runTrain(const QStringList& args, int timeoutMs = 120000,
                const std::function<void(QProcessEnvironment&)>& adjust = {}) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_DATA_HOME", QString::fromStdString(alig::test::scratchDir("xdg-home")));
    if (adjust) adjust(env);
    p.setProcessEnvironment(env);
    p.start(ALIG_TRAIN_PATH, args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

} // namespace

class TestAligTrain : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void version();
    void listPresets();
    void printConfigAppliesOverrides();
    void trainsAPresetAndWritesTheRun();
    void defaultPresetLearnsFashionMnist();
    void resumeExtendsARun();
    void badInput_data();
    void badInput();
    void divergenceExitsNonZero();
    void ctrlCStopsCleanly();
    void openMpWaitsPassivelyUnlessTheUserChose();
    void libTorchLoadsOnceWhateverTheEnvironment();
    void blasKernelIsTheBestTheCpuSupports();
    void compareWritesRunsAndSummary();
    void sweepWritesCsvAndPlot();
};

void TestAligTrain::version() {
    const Result r = runTrain({"--version"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.startsWith("alig-train "), qPrintable(r.out));
    QVERIFY(r.out.contains("LibTorch"));
}

void TestAligTrain::listPresets() {
    const Result r = runTrain({"--list-presets"});
    QCOMPARE(r.exitCode, 0);
    for (const char* name : {"fashion-mnist-mlp-alig", "spirals-mlp-alig", "cifar10-wrn-16-4-alig"})
        QVERIFY2(r.out.contains(name), qPrintable(r.out));
}

void TestAligTrain::printConfigAppliesOverrides() {
    const Result r = runTrain({"--preset", "spirals-mlp-alig", "--set", "optimizer.max_lr=0.05",
                               "--set", "model.hidden=[16]", "--epochs", "7", "--print-config"});
    QCOMPARE(r.exitCode, 0);
    const auto j = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(j["optimizer"]["max_lr"].get<double>(), 0.05);
    QCOMPARE(j["model"]["hidden"], nlohmann::json::parse("[16]"));
    QCOMPARE(j["training"]["epochs"].get<int>(), 7);
    QCOMPARE(j["dataset"]["kind"].get<std::string>(), std::string("spirals"));
}

void TestAligTrain::trainsAPresetAndWritesTheRun() {
    const QString dir = alig::test::scratchPath("preset") + "/run";
    const Result r =
        runTrain({"--preset", "spirals-mlp-alig", "--epochs", "3", "--threads", "1", "--out", dir});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
    // Per-epoch lines and the summary table.
    QVERIFY2(r.out.contains("epoch   3/3"), qPrintable(r.out));
    QVERIFY(r.out.contains("test acc"));
    QVERIFY(r.out.contains("completed: completed 3 epochs"));
    const auto rec = alig::core::readRun(dir.toStdString());
    QCOMPARE(rec.epochs.size(), size_t{3});
    QCOMPARE(rec.steps.size(), size_t{3 * 25}); // 800 training samples, batch 32
    QCOMPARE(rec.info["program"]["name"].get<std::string>(), std::string("alig-train"));
    QVERIFY(fs::exists(dir.toStdString() + "/" + alig::core::kCheckpointFile));
}

void TestAligTrain::defaultPresetLearnsFashionMnist() {
    // The acceptance bar on the real Fashion-MNIST the machine ships: one epoch of the
    // default preset (ALI-G on an MLP) reaches at least 80% test accuracy.
    const QString dir = alig::test::scratchPath("default") + "/run";
    const Result r = runTrain({"--epochs", "1", "--out", dir, "--quiet"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
    QVERIFY(r.out.contains("Fashion-MNIST: 60000 train, 10000 test, 10 classes"));
    const auto rec = alig::core::readRun(dir.toStdString());
    QCOMPARE(rec.epochs.size(), size_t{1});
    QVERIFY2(rec.epochs[0].testAccuracy >= 0.80,
             qPrintable(QString::number(rec.epochs[0].testAccuracy)));
    QCOMPARE(rec.info["config"]["optimizer"]["name"].get<std::string>(), std::string("alig"));
    // ALI-G adapted its step: some steps were below max_lr, some clipped to it.
    size_t clipped = 0;
    for (const auto& s : rec.steps)
        clipped += s.clipped ? 1 : 0;
    QVERIFY(clipped > 0 && clipped < rec.steps.size());
}

void TestAligTrain::resumeExtendsARun() {
    const QString dir = alig::test::scratchPath("resume") + "/run";
    QCOMPARE(runTrain({"--preset", "spirals-mlp-alig", "--epochs", "2", "--threads", "1", "--out",
                       dir, "--quiet"})
                 .exitCode,
             0);
    const Result r = runTrain({"--resume", dir, "--epochs", "3", "--quiet"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
    QVERIFY(r.out.contains("resuming after epoch 2"));
    QCOMPARE(alig::core::readRun(dir.toStdString()).epochs.size(), size_t{3});
    // --resume keeps the run's own config.
    const Result bad = runTrain({"--resume", dir, "--set", "optimizer.max_lr=1"});
    QCOMPARE(bad.exitCode, 2);
}

void TestAligTrain::badInput_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("file");    // written to <scratch>/config.json when not empty
    QTest::addColumn<QString>("message"); // expected on stderr
    QTest::newRow("negative max_lr")
        << QStringList{"--preset", "spirals-mlp-alig", "--set", "optimizer.max_lr=-1"} << ""
        << "optimizer.max_lr: must be > 0, got -1";
    QTest::newRow("unknown preset") << QStringList{"--preset", "nope"} << ""
                                    << "no preset named \"nope\"";
    QTest::newRow("broken json") << QStringList{"@config"} << "{\"training\": {\"epochs\": }"
                                 << "config.json:1:";
    QTest::newRow("unknown key") << QStringList{"@config"} << "{\"trainig\": {}}"
                                 << "unknown key (did you mean \"training\"?)";
    QTest::newRow("missing config") << QStringList{"/no/such/config.json"} << ""
                                    << "/no/such/config.json: no such file";
    QTest::newRow("cuda without gpu")
        << QStringList{"--preset", "spirals-mlp-alig", "--device", "cuda"} << ""
        << "no CUDA device";
    QTest::newRow("missing dataset")
        << QStringList{"--preset", "spirals-mlp-alig",         "--set", "dataset.kind=mnist",
                       "--set",    "dataset.path=/no/such/dir"}
        << ""
        << "/no/such/dir";
    QTest::newRow("bad option value") << QStringList{"--epochs", "zero"} << ""
                                      << "--epochs";
}

void TestAligTrain::badInput() {
    QFETCH(QStringList, args);
    QFETCH(QString, file);
    QFETCH(QString, message);
    const QString dir = alig::test::scratchPath(QTest::currentDataTag());
    if (!file.isEmpty())
        alig::test::writeFile((dir + "/config.json").toStdString(), file.toStdString());
    args.replaceInStrings("@config", dir + "/config.json");
    args << "--out" << dir + "/run";
    const Result r = runTrain(args);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QVERIFY2(r.err.trimmed().count('\n') <= 1, qPrintable(r.err));  // a message, not a dump
    QVERIFY(!fs::exists((dir + "/run/metrics.csv").toStdString())); // refused before training
}

void TestAligTrain::divergenceExitsNonZero() {
    const QString dir = alig::test::scratchPath("diverge") + "/run";
    const Result r = runTrain({"--preset", "spirals-mlp-alig", "--set", "optimizer.name=sgd",
                               "--set", "optimizer.lr=1e30", "--set", "optimizer.momentum=0",
                               "--threads", "1", "--out", dir});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("diverged at step"), qPrintable(r.err));
    const auto rec = alig::core::readRun(dir.toStdString());
    QCOMPARE(rec.info["status"].get<std::string>(), std::string("diverged"));
    QVERIFY(!rec.steps.empty()); // everything up to the bad step is on disk
    QVERIFY(!std::isfinite(rec.steps.back().loss) || !std::isfinite(rec.steps.back().gradNorm));
}

void TestAligTrain::ctrlCStopsCleanly() {
    const QString dir = alig::test::scratchPath("sigint") + "/run";
    QProcess p;
    p.start(ALIG_TRAIN_PATH,
            {"--preset", "spirals-mlp-alig", "--epochs", "100000", "--threads", "1", "--out", dir});
    QVERIFY(p.waitForStarted());
    // Wait until steps reach the disk (at most flush_seconds after they happen).
    QTRY_VERIFY_WITH_TIMEOUT(fs::exists((dir + "/metrics.csv").toStdString()) &&
                                 fs::file_size((dir + "/metrics.csv").toStdString()) > 2000,
                             30000);
    ::kill(static_cast<pid_t>(p.processId()), SIGINT);
    QVERIFY(p.waitForFinished(alig::test::kPatienceMs));
    QCOMPARE(p.exitCode(), 130);
    const auto rec = alig::core::readRun(dir.toStdString());
    QCOMPARE(rec.info["status"].get<std::string>(), std::string("stopped"));
    QCOMPARE(rec.info["progress"]["steps"].get<int64_t>(), rec.steps.back().step);
}

void TestAligTrain::openMpWaitsPassivelyUnlessTheUserChose() {
    // Spinning OpenMP threads starve OpenBLAS's: alig-train re-executes itself once with
    // OMP_WAIT_POLICY=PASSIVE, but never overrides a value the user set.
    for (const QString& userValue : {QString(), QString("ACTIVE")}) {
        const QString dir =
            alig::test::scratchPath(userValue.isEmpty() ? "omp-unset" : "omp-active") + "/run";
        const Result r =
            runTrain({"--preset", "spirals-mlp-alig", "--epochs", "1", "--out", dir, "--quiet"},
                     120000, [&](QProcessEnvironment& env) {
                         env.remove("OMP_WAIT_POLICY");
                         env.remove("ALIG_RUNTIME_PREPARED");
                         if (!userValue.isEmpty()) env.insert("OMP_WAIT_POLICY", userValue);
                     });
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const auto info = alig::core::readRun(dir.toStdString()).info;
        QCOMPARE(QString::fromStdString(info["omp_wait_policy"].get<std::string>()),
                 userValue.isEmpty() ? QString("PASSIVE") : userValue);
    }
}

void TestAligTrain::libTorchLoadsOnceWhateverTheEnvironment() {
    // The command is a launcher without LibTorch: it sets the environment LibTorch's runtime
    // reads when it loads, then starts the program, which loads LibTorch once; --version is
    // answered by the launcher itself. The dynamic loader's own log (LD_DEBUG) counts the loads.
    auto loads = [](const Result& r) {
        int n = 0;
        for (const QString& line : r.err.split('\n'))
            if (line.contains("calling init:") && line.contains("libtorch_cpu.so")) ++n;
        return n;
    };
    auto bare = [](QProcessEnvironment& env) {
        env.remove("OMP_WAIT_POLICY");
        env.remove("ALIG_RUNTIME_PREPARED");
        env.insert("LD_DEBUG", "files");
    };
    Result r = runTrain({"--version"}, 60000, bare);
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.startsWith("alig-train "), qPrintable(r.out));
    QCOMPARE(loads(r), 0);
    const QString dir = alig::test::scratchPath("loads-once") + "/run";
    r = runTrain({"--preset", "spirals-mlp-alig", "--epochs", "1", "--out", dir, "--quiet"}, 120000,
                 bare);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err.right(2000)));
    QCOMPARE(loads(r), 1);
    QCOMPARE(QString::fromStdString(
                 alig::core::readRun(dir.toStdString()).info["omp_wait_policy"].get<std::string>()),
             QString("PASSIVE"));
}

void TestAligTrain::blasKernelIsTheBestTheCpuSupports() {
    using namespace alig::core;
    const std::string best = bestBlasKernel(cpuFeatures());
    if (best.empty()) QSKIP("not an x86-64 CPU: no OpenBLAS kernel ladder to check");
    auto kernelIn = [](const Result& r) {
        const QRegularExpressionMatch m =
            QRegularExpression("OpenBLAS (\\w+)[,)]").match(r.out.section('\n', 0, 0));
        return m.hasMatch() ? m.captured(1) : QString();
    };
    auto fresh = [](QProcessEnvironment& env) {
        env.remove("OPENBLAS_CORETYPE");
        env.remove("ALIG_RUNTIME_PREPARED");
        env.remove("ALIG_BLAS_DETECTED");
        env.remove("ALIG_TEST_BLAS_DETECTED");
    };

    // Left alone, the program runs a kernel at least as good as the best this CPU supports.
    Result r = runTrain({"--version"}, 60000, fresh);
    QCOMPARE(r.exitCode, 0);
    const QString own = kernelIn(r);
    if (own.isEmpty()) QSKIP("LibTorch does not use OpenBLAS here: nothing to choose");
    QVERIFY2(blasKernelLevel(own.toStdString()) >= blasKernelLevel(best), qPrintable(r.out));

    // A CPU that OpenBLAS does not know: it would run the generic Prescott kernel. The program
    // re-executes itself with the best kernel, says so, and records it in run.json.
    if (blasKernelLevel(best) > 1) {
        const QString dir = alig::test::scratchPath("blas-chosen") + "/run";
        r = runTrain({"--preset", "spirals-mlp-alig", "--epochs", "1", "--out", dir}, 120000,
                     [&](QProcessEnvironment& env) {
                         fresh(env);
                         env.insert("ALIG_TEST_BLAS_DETECTED", "Prescott");
                     });
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QString expected = QString("blas        %1 (chosen at start: OpenBLAS detected "
                                         "Prescott, a generic kernel)")
                                     .arg(QString::fromStdString(best));
        QVERIFY2(r.out.contains(expected), qPrintable(r.out));
        const auto info = readRun(dir.toStdString()).info;
        QCOMPARE(QString::fromStdString(info["blas"].get<std::string>()),
                 QString::fromStdString(best));
    }

    // A kernel the user chose is never overridden, even a slow one.
    r = runTrain({"--version"}, 60000, [&](QProcessEnvironment& env) {
        fresh(env);
        env.insert("OPENBLAS_CORETYPE", "Prescott");
        env.insert("ALIG_TEST_BLAS_DETECTED", "Prescott");
    });
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(kernelIn(r), QString("Prescott"));
    QVERIFY2(r.out.contains("set by OPENBLAS_CORETYPE"), qPrintable(r.out));
}

void TestAligTrain::compareWritesRunsAndSummary() {
    const QString dir = alig::test::scratchPath("compare") + "/out";
    const Result r = runTrain({"compare", "--preset", "spirals-mlp-alig", "--epochs", "2", "--set",
                               "dataset.samples=300", "--threads", "1", "--optimizers",
                               "alig:max_lr=0.1,sgd:lr=0.1,adam:lr=1e-3", "--out", dir});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
    QVERIFY(r.out.contains("[3/3]"));
    QVERIFY(r.out.contains("steps to"));
    QFile summary(dir + "/summary.csv");
    QVERIFY(summary.open(QIODevice::ReadOnly));
    const QStringList lines = QString(summary.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 4);
    QVERIFY(lines[0].startsWith("label,group,param,value,seed,status,steps,"));
    for (int i = 1; i < 4; ++i)
        QVERIFY2(lines[i].contains(",completed,"), qPrintable(lines[i]));
    // Each run is a normal run folder.
    QCOMPARE(alig::core::readRun((dir + "/adam_lr_1e-3_seed_1").toStdString()).epochs.size(),
             size_t{2});
    // A bad list is refused before anything trains.
    const Result bad = runTrain({"compare", "--optimizers", "alig,nope", "--out",
                                 alig::test::scratchPath("compare-bad") + "/out"});
    QCOMPARE(bad.exitCode, 2);
    QVERIFY2(bad.err.contains("unknown optimizer \"nope\""), qPrintable(bad.err));
}

void TestAligTrain::sweepWritesCsvAndPlot() {
    const QString dir = alig::test::scratchPath("sweep") + "/out";
    const Result r =
        runTrain({"sweep", "--preset", "spirals-mlp-alig", "--epochs", "2", "--set",
                  "dataset.samples=300", "--threads", "1", "--param", "learning_rate", "--values",
                  "0.01,0.1", "--seeds", "2", "--optimizers", "alig,sgd", "--out", dir});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
    QFile sweep(dir + "/sweep.csv");
    QVERIFY(sweep.open(QIODevice::ReadOnly));
    const QStringList lines = QString(sweep.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 1 + 2 * 2); // two curves, two values each
    QVERIFY(lines[1].startsWith("alig,learning_rate,0.01,"));
    QVERIFY(lines[1].endsWith(",2")); // both seeds completed
#ifdef ALIG_STUDIO_PATH
    // With the window built, alig-studio draws the plot beside the CSV.
    QVERIFY2(QFileInfo(dir + "/sweep.png").size() > 10000, qPrintable(r.out));
    QFile png(dir + "/sweep.png");
    QVERIFY(png.open(QIODevice::ReadOnly));
    const QByteArray head = png.read(24); // signature, then IHDR: width at bytes 16-19
    QVERIFY(head.startsWith("\x89PNG"));
    const auto width = (quint32(quint8(head[16])) << 24) | (quint32(quint8(head[17])) << 16) |
                       (quint32(quint8(head[18])) << 8) | quint32(quint8(head[19]));
    QVERIFY2(width >= 900, qPrintable(QString::number(width)));
    QFile pdf(dir + "/sweep.pdf");
    QVERIFY(pdf.open(QIODevice::ReadOnly));
    QVERIFY(pdf.read(4) == "%PDF");
#endif
}

QTEST_GUILESS_MAIN(TestAligTrain)
#include "tst_alig_train.moc"
