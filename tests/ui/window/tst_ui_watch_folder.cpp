// Watching run folders that other processes write (File > Watch Run Folder): alig-train
// started here as a separate process, a killed writer, a PyTorch loop logging through the
// Python module, a paused run of another window. The window's run receives every complete
// row the writer put on disk (never a half-written one), follows the status in run.json,
// says "stale" when a writer dies, and writes nothing into the folder.

#include "common/test_support.h"
#include "common/train_process.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/run_store.h"
#include "ui/config/experiment_panel.h"
#include "ui/plots/loss_plot.h"
#include "ui/plots/plots_view.h"
#include "ui/plots/step_size_plot.h"
#include "ui/run/run.h"
#include "ui/window/main_window.h"
#include "ui/window/run_library.h"
#include "ui/window/run_watcher.h"

#include <nlohmann/json.hpp>

#include <QtTest/QtTest>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>

#include <signal.h>
#include <sys/stat.h>

using namespace alig;
using alig::test::kPatienceMs;
using alig::test::linesOf;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<ui::MainWindow> makeWindow(const std::string& name, bool restore = false) {
    auto w = std::make_unique<ui::MainWindow>(alig::test::scratchPath(name), restore);
    w->setDialogsEnabled(false);
    w->resize(1400, 900);
    w->show();
    return w;
}

// alig-train on the small spirals, started and left running.
void startTraining(QProcess& p, const std::string& scratch, const std::string& dir,
                   const QString& epochs) {
    p.setProcessEnvironment(alig::test::trainEnvironment(scratch));
    p.start(ALIG_TRAIN_PATH,
            {"--preset", "spirals-mlp-alig", "--epochs", epochs, "--set", "dataset.samples=400",
             "--quiet", "--out", QString::fromStdString(dir)});
    QVERIFY(p.waitForStarted(kPatienceMs));
}

// alig-train on the small spirals, to its end; its exit code.
int trainToTheEnd(const std::string& scratch, const std::string& dir, const QString& epochs) {
    return alig::test::runProcess(ALIG_TRAIN_PATH,
                                  {"--preset", "spirals-mlp-alig", "--epochs", epochs, "--set",
                                   "dataset.samples=200", "--quiet", "--out",
                                   QString::fromStdString(dir)},
                                  scratch)
        .exitCode;
}

// Complete rows in a CSV file: its line ends less the header's.
size_t completeRows(const std::string& path) {
    return static_cast<size_t>(std::max<int64_t>(0, linesOf(path) - 1));
}

// Every file in the folder with its size and modification time.
std::map<std::string, std::pair<uintmax_t, fs::file_time_type>> snapshot(const std::string& dir) {
    std::map<std::string, std::pair<uintmax_t, fs::file_time_type>> files;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) files[e.path().string()] = {e.file_size(), e.last_write_time()};
    return files;
}

// run.json's status, or "" while it is not there yet.
std::string statusIn(const std::string& dir) {
    try {
        return core::readJsonObjectFile(dir + "/run.json").value("status", std::string());
    } catch (const core::Error&) {
        return {};
    }
}

void compareSteps(const std::vector<core::StepMetrics>& shown,
                  const std::vector<core::StepMetrics>& recorded) {
    QCOMPARE(shown.size(), recorded.size());
    for (size_t i = 0; i < shown.size(); ++i) {
        QCOMPARE(shown[i].step, recorded[i].step);
        QCOMPARE(shown[i].loss, recorded[i].loss);
        QCOMPARE(shown[i].stepSize, recorded[i].stepSize);
        QCOMPARE(shown[i].unclippedStepSize, recorded[i].unclippedStepSize);
        QCOMPARE(shown[i].gradNorm, recorded[i].gradNorm);
        QCOMPARE(shown[i].accuracy, recorded[i].accuracy);
    }
}

} // namespace

class TestUiWatchFolder : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { alig::test::isolateSettings(); }

    void everyRowOfAnotherProcess() {
        const std::string scratch = alig::test::scratchDir("every-row");
        const std::string dir = scratch + "/run";
        QProcess p;
        startTraining(p, scratch, dir, "40");
        QTRY_VERIFY_WITH_TIMEOUT(completeRows(dir + "/metrics.csv") > 30, kPatienceMs);
        // Held still, so that what the window shows can be compared with the disk.
        ::kill(static_cast<pid_t>(p.processId()), SIGSTOP);
        auto w = makeWindow("every-row-store");
        ui::RunWatcher* watcher = w->watchRunFolder(QString::fromStdString(dir));
        QVERIFY2(watcher, qPrintable(w->lastError()));
        ui::Run* run = watcher->run();
        QVERIFY(run->isWatched());
        QCOMPARE(w->registry()->find(ui::RunWatcher::idFor(QString::fromStdString(dir))), run);
        QCOMPARE(run->steps().size(), completeRows(dir + "/metrics.csv"));
        QCOMPARE(run->activity(), QString("training"));
        QCOMPARE(run->status(), core::RunStatus::Running);
        QCOMPARE(w->watchRunFolder(QString::fromStdString(dir)), watcher); // once per folder

        ::kill(static_cast<pid_t>(p.processId()), SIGCONT);
        const alig::test::Finished end = alig::test::finish(p);
        QVERIFY2(end.exitCode == 0, qPrintable(end.err));
        QTRY_COMPARE_WITH_TIMEOUT(run->status(), core::RunStatus::Completed, kPatienceMs);
        const core::RunRecord recorded = core::readRun(dir);
        QTRY_COMPARE_WITH_TIMEOUT(run->steps().size(), recorded.steps.size(), kPatienceMs);
        compareSteps(run->steps(), recorded.steps);
        QCOMPARE(run->epochs().size(), size_t{40});
        QCOMPARE(run->epochs().back().testAccuracy, recorded.epochs.back().testAccuracy);
        QCOMPARE(run->activity(), QString());
        QCOMPARE(run->stepsPerEpoch(), recorded.info["steps_per_epoch"].get<int64_t>());
        // Every plot follows it.
        w->plotsView()->flush();
        const int steps = static_cast<int>(recorded.steps.size());
        QCOMPARE(w->plotsView()->lossPlot()->pointCount(run, ui::Series::RawLoss), steps);
        QCOMPARE(w->plotsView()->stepSizePlot()->pointCount(run, ui::Series::StepSize), steps);
        for (ui::MetricPlot* plot : w->plotsView()->plots())
            for (ui::Series s : plot->series())
                QVERIFY(plot->pointCount(run, s) >= 0); // the run is in every plot
    }

    void killedWriterIsStale() {
        const std::string scratch = alig::test::scratchDir("killed");
        const std::string dir = scratch + "/run";
        QProcess p;
        startTraining(p, scratch, dir, "100000");
        QTRY_VERIFY_WITH_TIMEOUT(completeRows(dir + "/metrics.csv") > 30, kPatienceMs);
        auto w = makeWindow("killed-store");
        ui::RunWatcher* watcher = w->watchRunFolder(QString::fromStdString(dir));
        QVERIFY2(watcher, qPrintable(w->lastError()));
        watcher->setStaleSeconds(1.0);
        watcher->setPollInterval(50);
        ui::Run* run = watcher->run();
        const size_t first = run->steps().size();
        QTRY_VERIFY_WITH_TIMEOUT(run->steps().size() > first + 20, kPatienceMs); // live rows
        QCOMPARE(run->activity(), QString("training"));

        p.kill();
        QVERIFY(p.waitForFinished(kPatienceMs));
        const auto before = snapshot(dir);
        QTRY_COMPARE_WITH_TIMEOUT(run->activity(), QString("stale"), kPatienceMs);
        QCOMPARE(run->status(), core::RunStatus::Running); // run.json still says so
        QCOMPARE(run->steps().size(), completeRows(dir + "/metrics.csv"));
        std::vector<core::StepMetrics> recorded = core::readRun(dir).steps;
        recorded.resize(run->steps().size()); // readRun may take a cut last row that parses
        compareSteps(run->steps(), recorded);
        // The window wrote nothing there: renaming stays in the window, deleting is refused.
        ui::renameRunOnDisk(*run, "renamed");
        QVERIFY(alig::test::errorOf([&] {
                    ui::deleteRunFromDisk(*run);
                }).contains("watched run's folder"));
        QVERIFY(snapshot(dir) == before);
        // Stop Watching (the runs table's menu) takes it out of the window only.
        w->stopWatching(QString::fromStdString(dir));
        QVERIFY(!w->registry()->find(ui::RunWatcher::idFor(QString::fromStdString(dir))));
        QTRY_VERIFY_WITH_TIMEOUT(w->watchers().isEmpty(), kPatienceMs);
        QVERIFY(snapshot(dir) == before);
    }

    // A writer that died before the window looked: its folder is stale at once.
    void longSilentFolderIsStale() {
        const std::string scratch = alig::test::scratchDir("silent");
        const std::string dir = scratch + "/run";
        QCOMPARE(trainToTheEnd(scratch, dir, "1"), 0);
        // As a kill would leave it: run.json still says running, an hour ago.
        nlohmann::json info = core::readJsonObjectFile(dir + "/run.json");
        info["status"] = "running";
        alig::test::writeFile(dir + "/run.json", info.dump(2));
        const auto hourAgo = fs::file_time_type::clock::now() - std::chrono::hours(1);
        for (const char* f : {"/run.json", "/metrics.csv", "/epochs.csv"})
            fs::last_write_time(dir + f, hourAgo);
        auto w = makeWindow("silent-store");
        ui::RunWatcher* watcher = w->watchRunFolder(QString::fromStdString(dir));
        QVERIFY2(watcher, qPrintable(w->lastError()));
        QCOMPARE(watcher->run()->activity(), QString("stale"));
        QCOMPARE(watcher->run()->steps().size(), completeRows(dir + "/metrics.csv"));
    }

    // Point 3's test: a tiny PyTorch training logs through alig_studio while the window
    // watches, and the window gets every row it logged, exactly.
    void pythonLoopWatched() {
        const std::string dir = alig::test::scratchDir("python") + "/run";
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("PYTHONPATH", ALIG_PYTHON_DIR);
        env.insert("OMP_NUM_THREADS", "1");
        p.setProcessEnvironment(env);
        // The loop holds after its first epoch until the window has shown that epoch's rows:
        // the window watches a run that is still training, whatever the machine's speed.
        const std::string hold = dir + ".hold";
        QVERIFY(::mkfifo(hold.c_str(), 0600) == 0);
        p.start(ALIG_PYTHON3,
                {ALIG_TESTS_PYTHON_DIR "/tiny_torch_training.py", QString::fromStdString(dir),
                 "--epochs", "3", "--hold-after-epoch", QString::fromStdString(hold)});
        QTRY_VERIFY_WITH_TIMEOUT(fs::exists(dir + "/run.json"), kPatienceMs);
        auto w = makeWindow("python-store");
        ui::RunWatcher* watcher = w->watchRunFolder(QString::fromStdString(dir));
        QVERIFY2(watcher, qPrintable(w->lastError()));
        ui::Run* run = watcher->run();
        QTRY_COMPARE_WITH_TIMEOUT(run->epochs().size(), size_t{1}, kPatienceMs);
        QCOMPARE(run->status(), core::RunStatus::Running); // live: the loop is holding
        {
            std::ofstream go(hold, std::ios::binary); // the loop's open returns: let it go on
            go.put('1');
        }
        const alig::test::Finished end = alig::test::finish(p);
        QVERIFY2(end.exitCode == 0, qPrintable(end.err));
        QTRY_COMPARE_WITH_TIMEOUT(run->status(), core::RunStatus::Completed, kPatienceMs);
        QTRY_COMPARE_WITH_TIMEOUT(run->steps().size(), size_t{24}, kPatienceMs);
        QTRY_COMPARE_WITH_TIMEOUT(run->epochs().size(), size_t{3}, kPatienceMs);
        std::ifstream in(dir + ".expected.json");
        const nlohmann::json expected = nlohmann::json::parse(in);
        for (size_t i = 0; i < run->steps().size(); ++i) {
            const auto& s = run->steps()[i];
            const auto& e = expected["steps"][i];
            QCOMPARE(s.loss, e["loss"].get<double>());
            QCOMPARE(s.stepSize, e["step_size"].get<double>());
            QCOMPARE(s.unclippedStepSize, e["unclipped_step_size"].get<double>());
            QCOMPARE(s.gradNorm, e["grad_norm"].get<double>());
        }
        QCOMPARE(run->epochs().back().trainLoss, expected["epochs"][2]["train_loss"].get<double>());
        QCOMPARE(run->optimizerSummary(), QString("alig_studio.py: alig"));
        QCOMPARE(run->totalEpochs(), int64_t{3});
    }

    // A run paused in another window says "paused" in run.json; the watcher shows it.
    void pausedRunOfAnotherWindow() {
        auto writer = makeWindow("paused-writer");
        writer->experimentPanel()->setConfig(alig::test::smallSpirals(3));
        ui::Run* source = writer->startRun(/*paused=*/true);
        QVERIFY(source);
        QTRY_VERIFY_WITH_TIMEOUT(!source->runDir().isEmpty(), kPatienceMs);
        const QString dir = source->runDir();
        auto watcherWindow = makeWindow("paused-watcher");
        QTRY_COMPARE_WITH_TIMEOUT(statusIn(dir.toStdString()), std::string("paused"), kPatienceMs);
        ui::RunWatcher* watcher = watcherWindow->watchRunFolder(dir);
        QVERIFY2(watcher, qPrintable(watcherWindow->lastError()));
        watcher->setPollInterval(50);
        QCOMPARE(watcher->run()->activity(), QString("paused"));
        writer->pauseAction()->trigger(); // resume
        QTRY_COMPARE_WITH_TIMEOUT(watcher->run()->status(), core::RunStatus::Completed,
                                  kPatienceMs);
        QTRY_COMPARE_WITH_TIMEOUT(watcher->run()->steps().size(), source->steps().size(),
                                  kPatienceMs);
    }

    // The watched folders are a setting: a window started later watches them again.
    void watchedFoldersAreRemembered() {
        const std::string scratch = alig::test::scratchDir("remembered");
        const std::string dir = scratch + "/run";
        QCOMPARE(trainToTheEnd(scratch, dir, "2"), 0);
        const QString absolute = QFileInfo(QString::fromStdString(dir)).absoluteFilePath();
        {
            auto w = makeWindow("remembered-store", /*restore=*/true);
            QVERIFY(w->watchRunFolder(absolute));
            QVERIFY(!w->watchRunFolder(QString::fromStdString(scratch))); // no run.json
            QVERIFY(w->lastError().contains("not a run folder"));
        }
        QCOMPARE(QSettings().value("watch/folders").toStringList(), QStringList{absolute});
        auto again = makeWindow("remembered-store", /*restore=*/true);
        QCOMPARE(again->watchers().size(), 1);
        QCOMPARE(again->watchers().front()->dir(), absolute);
        QCOMPARE(again->watchers().front()->run()->status(), core::RunStatus::Completed);
        again->stopWatching(absolute);
        QCOMPARE(QSettings().value("watch/folders").toStringList(), QStringList{});
        QVERIFY(fs::exists(dir + "/run.json"));
    }
};

QTEST_MAIN(TestUiWatchFolder)
#include "tst_ui_watch_folder.moc"
