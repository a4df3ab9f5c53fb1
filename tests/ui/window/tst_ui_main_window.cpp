// The window as a user drives it, offscreen: short real runs on a synthetic set, the
// toolbar's controls, a live max_lr change, export, the run store, closing mid-run.

#include "common/test_support.h"
#include "core/experiment/run_store.h"
#include "core/optim/optimizer_factory.h"
#include "ui/config/experiment_panel.h"
#include "ui/plots/loss_plot.h"
#include "ui/plots/plot_settings.h"
#include "ui/plots/plots_view.h"
#include "ui/plots/step_size_plot.h"
#include "ui/plots/sweep_plot.h"
#include "ui/run/run.h"
#include "ui/run/run_controller.h"
#include "ui/window/batch_panel.h"
#include "ui/window/main_window.h"
#include "ui/window/runs_table.h"

#include <QtTest/QtTest>

using namespace alig;

namespace {

core::ExperimentConfig spirals(int64_t epochs) {
    return alig::test::smallSpirals(epochs);
}

std::unique_ptr<ui::MainWindow> makeWindow(const QString& runsDir, int64_t epochs) {
    auto w = std::make_unique<ui::MainWindow>(runsDir, /*restoreSettings=*/false);
    w->setDialogsEnabled(false);
    w->resize(1400, 900);
    w->show();
    w->experimentPanel()->setConfig(spirals(epochs));
    return w;
}

} // namespace

class TestUiMainWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { alig::test::isolateSettings(); }
    void plotsHoldWhatTheRunStoreRecorded();
    void invalidFieldBlocksStart();
    void stepPauseResumeStop();
    void maxLrChangeMidRunShowsInMetrics();
    void exportWritesEveryStep();
    void runsTableRestoresFromTheStore();
    void closingDuringARunKeepsTheRecords();
    void divergenceIsReportedAndPlotsKeepTheSteps();
    void badModelFileIsReportedAndTheAppGoesOn();
    void fullDiskFailsTheRunAndKeepsItsRows();
    void severalRunsTrainAtOnce();
    void settingsAndExperimentFilesComeBack();
    void renameAndDeleteReachTheDisk();
    void everyOptimizerTrainsFromTheWindow_data();
    void everyOptimizerTrainsFromTheWindow();
    void compareFromTheWindow();
    void sweepFromTheWindowFillsItsPlot();
};

void TestUiMainWindow::plotsHoldWhatTheRunStoreRecorded() {
    auto w = makeWindow(alig::test::scratchPath("plots"), 3);
    QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
    ui::Run* run = w->startRun();
    QVERIFY(run);
    QVERIFY(finished.wait(alig::test::kPatienceMs));
    QCOMPARE(run->status(), core::RunStatus::Completed);
    const auto rec = core::readRun(run->runDir().toStdString());
    QCOMPARE(run->steps().size(), rec.steps.size());
    auto* loss = w->plotsView()->lossPlot();
    auto* step = w->plotsView()->stepSizePlot();
    QCOMPARE(loss->pointCount(run, ui::Series::RawLoss), static_cast<int>(rec.steps.size()));
    QCOMPARE(loss->pointCount(run, ui::Series::TestLoss), static_cast<int>(rec.epochs.size()));
    QCOMPARE(step->pointCount(run, ui::Series::StepSize), static_cast<int>(rec.steps.size()));
    int clipped = 0;
    for (const auto& s : rec.steps)
        clipped += s.clipped ? 1 : 0;
    QCOMPARE(step->pointCount(run, ui::Series::ClippedSteps), clipped);
    // The runs table shows it with its result.
    const int row = w->runsTable()->rowOf(run);
    QVERIFY(row >= 0);
    QCOMPARE(w->runsTable()->item(row, ui::RunsTable::Status)->text(), QString("completed"));
    QVERIFY(w->runsTable()->item(row, ui::RunsTable::BestAccuracy)->text().endsWith("%"));
}

void TestUiMainWindow::invalidFieldBlocksStart() {
    auto w = makeWindow(alig::test::scratchPath("invalid"), 1);
    core::ExperimentConfig bad = spirals(1);
    bad.model.type = "resnet";
    bad.model.depth = 21;
    w->experimentPanel()->setConfig(bad);
    QVERIFY(!w->experimentPanel()->isValid());
    QVERIFY(!w->startAction()->isEnabled());
    QVERIFY2(w->startAction()->toolTip().contains("model.depth"),
             qPrintable(w->startAction()->toolTip()));
    QVERIFY(w->startRun() == nullptr);
    QVERIFY(w->lastError().contains("6n+2"));
    QVERIFY(w->registry()->runs().isEmpty());
    w->experimentPanel()->setConfig(spirals(1));
    QVERIFY(w->startAction()->isEnabled());
}

void TestUiMainWindow::stepPauseResumeStop() {
    auto w = makeWindow(alig::test::scratchPath("controls"), 100000);
    QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
    // Step with no run: a paused run starts and takes exactly one step.
    w->stepAction()->trigger();
    QVERIFY(w->currentController());
    ui::Run* run = w->currentController()->run();
    QTRY_COMPARE_WITH_TIMEOUT(run->steps().size(), size_t{1}, alig::test::kPatienceMs);
    w->stepAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(run->steps().size(), size_t{2}, alig::test::kPatienceMs);
    QTest::qWait(100);
    QCOMPARE(run->steps().size(), size_t{2});
    QCOMPARE(w->pauseAction()->text(), QString("&Resume"));
    w->pauseAction()->trigger(); // resume
    QTRY_VERIFY_WITH_TIMEOUT(run->steps().size() > 60, alig::test::kPatienceMs);
    w->pauseAction()->trigger(); // pause
    QTest::qWait(200);
    const size_t pausedAt = run->steps().size();
    QTest::qWait(200);
    QCOMPARE(run->steps().size(), pausedAt);
    w->stopAction()->trigger();
    QVERIFY(finished.wait(alig::test::kPatienceMs));
    QCOMPARE(run->status(), core::RunStatus::Stopped);
    QCOMPARE(core::readRun(run->runDir().toStdString()).steps.size(), run->steps().size());
}

void TestUiMainWindow::maxLrChangeMidRunShowsInMetrics() {
    auto w = makeWindow(alig::test::scratchPath("maxlr"), 100000);
    w->stepAction()->trigger();
    ui::Run* run = w->currentController()->run();
    QTRY_COMPARE_WITH_TIMEOUT(run->steps().size(), size_t{1}, alig::test::kPatienceMs);
    // The explicit act on this run (its Runs-table row's "Change max_lr").
    QVERIFY(w->changeMaxLr(run, 2e-3));
    w->stepAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(run->steps().size(), size_t{2}, alig::test::kPatienceMs);
    QCOMPARE(run->steps()[0].maxLr, 0.1);
    QCOMPARE(run->steps()[1].maxLr, 2e-3);
    // Its label says so, with the step after which it changed.
    QVERIFY2(run->optimizerSummary().contains("→ 0.002 (live, after step 1)"),
             qPrintable(run->optimizerSummary()));
    QVERIFY(!w->changeMaxLr(run, -1.0));
    QVERIFY(w->lastError().contains("must be > 0"));
    QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
    w->stopAction()->trigger();
    QVERIFY(finished.wait(alig::test::kPatienceMs));
    QCOMPARE(core::readRun(run->runDir().toStdString()).steps[1].maxLr, 2e-3);
}

void TestUiMainWindow::exportWritesEveryStep() {
    auto w = makeWindow(alig::test::scratchPath("export"), 2);
    QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
    ui::Run* run = w->startRun();
    QVERIFY(finished.wait(alig::test::kPatienceMs));
    const QString path = alig::test::scratchPath("export-out") + "/metrics.csv";
    QVERIFY(w->exportMetrics(path));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), static_cast<int>(run->steps().size()) + 1);
    QVERIFY(lines[0].startsWith("run_id,run,step,epoch,loss,"));
    QVERIFY(lines[1].startsWith('"' + run->id() + "\",\"" + run->name() + "\",1,1,"));
    const QStringList last = lines.last().split(',');
    QCOMPARE(last[2].toLongLong(), run->steps().back().step);
    QCOMPARE(last[4].toDouble(), run->steps().back().loss);
    QFile epochs(alig::test::scratchPath("export-out") + "/metrics-epochs.csv");
    QVERIFY(!epochs.exists() || epochs.size() > 0);
}

void TestUiMainWindow::runsTableRestoresFromTheStore() {
    const QString store = alig::test::scratchPath("store");
    QString dir;
    size_t steps = 0;
    {
        auto w = makeWindow(store, 2);
        QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
        ui::Run* run = w->startRun();
        QVERIFY(finished.wait(alig::test::kPatienceMs));
        dir = run->runDir();
        steps = run->steps().size();
    }
    auto w = makeWindow(store, 1);
    QCOMPARE(w->registry()->runs().size(), 1);
    ui::Run* restored = w->registry()->runs().front();
    QCOMPARE(restored->runDir(), dir);
    QCOMPARE(restored->steps().size(), steps);
    QCOMPARE(restored->status(), core::RunStatus::Completed);
    QVERIFY(!restored->isVisible()); // past runs start hidden
    QCOMPARE(w->runsTable()->rowCount(), 1);
    // Ticking its box shows it in the plots.
    w->runsTable()->item(0, ui::RunsTable::Show)->setCheckState(Qt::Checked);
    QVERIFY(restored->isVisible());
    QCOMPARE(w->plotsView()->lossPlot()->pointCount(restored, ui::Series::RawLoss),
             static_cast<int>(steps));
}

void TestUiMainWindow::closingDuringARunKeepsTheRecords() {
    auto w = makeWindow(alig::test::scratchPath("close"), 100000);
    ui::Run* run = w->startRun();
    // The run learns its folder from the worker's first message; steps may be drained first.
    QTRY_VERIFY_WITH_TIMEOUT(run->steps().size() > 30 && !run->runDir().isEmpty(),
                             alig::test::kPatienceMs);
    const QString dir = run->runDir();
    w->close();
    const auto rec = core::readRun(dir.toStdString());
    QCOMPARE(rec.info["status"].get<std::string>(), std::string("stopped"));
    QVERIFY(rec.steps.size() >= run->steps().size());
    w.reset(); // no hang, no crash on destruction
}

void TestUiMainWindow::divergenceIsReportedAndPlotsKeepTheSteps() {
    auto w = makeWindow(alig::test::scratchPath("diverge"), 5);
    core::ExperimentConfig c = spirals(5);
    c.optimizer.name = "sgd";
    c.optimizer.lr = 1e30;
    c.optimizer.momentum = 0.0;
    w->experimentPanel()->setConfig(c);
    QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
    ui::Run* run = w->startRun();
    QVERIFY(finished.wait(alig::test::kPatienceMs));
    QCOMPARE(run->status(), core::RunStatus::Diverged);
    QVERIFY2(w->lastError().contains("diverged at step"), qPrintable(w->lastError()));
    QVERIFY(!run->steps().empty());
    w->plotsView()->lossPlot()->flush();
    QCOMPARE(w->plotsView()->lossPlot()->pointCount(run, ui::Series::RawLoss) +
                 /* the non-finite loss has no point */ 1,
             static_cast<int>(run->steps().size()));
}

void TestUiMainWindow::badModelFileIsReportedAndTheAppGoesOn() {
    const QString dir = alig::test::scratchPath("badmodel");
    alig::test::writeFile((dir + "/model.pt").toStdString(), "this is not a TorchScript file");
    auto w = makeWindow(dir + "/runs", 1);
    core::ExperimentConfig c = spirals(1);
    c.model.type = "torchscript";
    c.model.path = (dir + "/model.pt").toStdString();
    w->experimentPanel()->setConfig(c);
    QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
    QSignalSpy failed(w->startRun() ? w->currentController() : nullptr, &ui::RunController::failed);
    QVERIFY(failed.wait(alig::test::kPatienceMs));
    QVERIFY2(w->lastError().contains("model.pt") && w->lastError().contains("TorchScript"),
             qPrintable(w->lastError()));
    QCOMPARE(w->currentController()->run()->status(), core::RunStatus::Failed);
    // The window goes on: a good experiment trains.
    w->experimentPanel()->setConfig(spirals(1));
    ui::Run* good = w->startRun();
    QTRY_COMPARE_WITH_TIMEOUT(good->status(), core::RunStatus::Completed, alig::test::kPatienceMs);
}

// The runs folder on a disk that fills up during the first epoch: the run ends "failed" with
// the file and the error on screen, what reached the disk reads back whole, and the window
// goes on to train where there is room.
void TestUiMainWindow::fullDiskFailsTheRunAndKeepsItsRows() {
    const std::string scratch = alig::test::scratchDir("full-disk");
    alig::test::SmallFileSystem small(scratch + "/small", "size=512k");
    if (!small.mounted()) QSKIP("may not mount a tmpfs here (tst_faults covers the CLI)");
    auto w = makeWindow(QString::fromStdString(scratch + "/small/runs"), 1);
    core::ExperimentConfig c = spirals(1);
    c.dataset.samples = 20000;
    c.training.batchSize = 1; // 16000 rows of about 130 bytes: more than 512 KB
    c.output.checkpointEvery = 0;
    w->experimentPanel()->setConfig(c);
    QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
    ui::Run* run = w->startRun();
    QVERIFY(run);
    QVERIFY(finished.wait(alig::test::kPatienceMs));
    QCOMPARE(run->status(), core::RunStatus::Failed);
    QVERIFY2(w->lastError().contains("metrics.csv") &&
                 w->lastError().contains("No space left on device"),
             qPrintable(w->lastError()));
    const auto rec = core::readRun(run->runDir().toStdString());
    QCOMPARE(rec.info["status"].get<std::string>(), std::string("failed"));
    QVERIFY(rec.steps.size() > 100);
    for (size_t i = 0; i < rec.steps.size(); ++i)
        QCOMPARE(rec.steps[i].step, static_cast<int64_t>(i + 1));
    QVERIFY(rec.steps.size() <= run->steps().size()); // the window holds what the disk lost
    // The table says so too.
    const int row = w->runsTable()->rowOf(run);
    QVERIFY(row >= 0);
    QCOMPARE(w->runsTable()->item(row, ui::RunsTable::Status)->text(), QString("failed"));
}

void TestUiMainWindow::severalRunsTrainAtOnce() {
    auto w = makeWindow(alig::test::scratchPath("concurrent"), 3);
    QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
    ui::Run* a = w->startRun();
    core::ExperimentConfig c = spirals(3);
    c.optimizer.maxLr = 0.01;
    w->experimentPanel()->setConfig(c);
    ui::Run* b = w->startRun();
    QVERIFY(a && b && a != b);
    QVERIFY(a->isLive() && b->isLive()); // both training at the same time
    QVERIFY(a->color() != b->color());
    // Generous: a loaded machine may take long, and the wait ends as soon as both are done.
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, alig::test::kPatienceMs);
    QCOMPARE(a->status(), core::RunStatus::Completed);
    QCOMPARE(b->status(), core::RunStatus::Completed);
    QCOMPARE(b->steps().front().maxLr, 0.01);
    QVERIFY(a->runDir() != b->runDir());
}

void TestUiMainWindow::settingsAndExperimentFilesComeBack() {
    const QString dir = alig::test::scratchPath("settings");
    core::ExperimentConfig c = spirals(7);
    c.name = "remember-me";
    {
        ui::MainWindow w(dir + "/runs", /*restoreSettings=*/true);
        w.setDialogsEnabled(false);
        w.experimentPanel()->setConfig(c);
        ui::PlotSettings p = w.plotsView()->settings();
        p.smoothing = 0.9;
        p.xAxis = ui::XAxisMode::Epoch;
        w.plotsView()->setSettings(p);
        QVERIFY(w.saveExperiment(dir + "/exp.json"));
        w.close(); // saves the settings
    }
    ui::MainWindow w(dir + "/runs", true);
    QCOMPARE(QString::fromStdString(w.experimentPanel()->config().name), QString("remember-me"));
    QCOMPARE(w.experimentPanel()->config().training.epochs, int64_t{7});
    QCOMPARE(w.plotsView()->settings().smoothing, 0.9);
    QVERIFY(w.plotsView()->settings().xAxis == ui::XAxisMode::Epoch);
    QVERIFY(QSettings().value("recentFiles").toStringList().contains(dir + "/exp.json"));
    // The saved file is what alig-train reads, and opens back into the panel.
    w.experimentPanel()->setConfig(spirals(1));
    QVERIFY(w.openExperiment(dir + "/exp.json"));
    QCOMPARE(w.experimentPanel()->config().toJson(), c.toJson());
    alig::test::writeFile((dir + "/broken.json").toStdString(), "{ not json");
    QVERIFY(!w.openExperiment(dir + "/broken.json"));
    QVERIFY2(w.lastError().contains("broken.json:1:"), qPrintable(w.lastError()));
    QCOMPARE(w.experimentPanel()->config().toJson(), c.toJson()); // untouched by the failure
}

void TestUiMainWindow::renameAndDeleteReachTheDisk() {
    auto w = makeWindow(alig::test::scratchPath("rename"), 1);
    QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
    ui::Run* run = w->startRun();
    QVERIFY(finished.wait(alig::test::kPatienceMs));
    const QString dir = run->runDir();
    // Typing a new name into the table renames the run and its run.json.
    const int row = w->runsTable()->rowOf(run);
    w->runsTable()->item(row, ui::RunsTable::Name)->setText("baseline");
    QCOMPARE(run->name(), QString("baseline"));
    QCOMPARE(core::readRun(dir.toStdString()).info["name"].get<std::string>(),
             std::string("baseline"));
    // Deleting (confirmed; dialogs are off here) removes the folder and the row.
    Q_EMIT w->runsTable()->deleteRequested({run});
    QVERIFY(!QFileInfo::exists(dir));
    QCOMPARE(w->runsTable()->rowCount(), 0);
    QVERIFY(w->registry()->runs().isEmpty());
}

void TestUiMainWindow::everyOptimizerTrainsFromTheWindow_data() {
    QTest::addColumn<QString>("name");
    for (const auto& n : core::optimizerNames())
        QTest::newRow(n.c_str()) << QString::fromStdString(n);
}

void TestUiMainWindow::everyOptimizerTrainsFromTheWindow() {
    QFETCH(QString, name);
    // The default preset (the MLP on the real Fashion-MNIST), on a subset to keep it short.
    auto w = makeWindow(alig::test::scratchPath("methods"), 1);
    core::ExperimentConfig c =
        core::ExperimentConfig::fromJson(core::loadPreset(core::kDefaultPreset));
    c.dataset.subset = 1024;
    c.dataset.testSubset = 512;
    c.training.epochs = 1;
    c.training.threads = 1;
    c.optimizer.name = name.toStdString();
    // Every method at its own defaults (lr included: 1e-3 for Adam, 1 for Prodigy, ...).
    c.optimizer.momentum = name == "rmsprop" ? 0.0 : c.optimizer.momentum;
    if (name == "dfw") c.training.loss = "multiclass_hinge"; // DFW is built for the hinge loss
    // DoG grows its distance from r_eps = 1e-6 (1 + ||x0||), which takes tens of steps, more
    // than these 8, so it starts from 1e-2 here.
    if (name == "dog") c.optimizer.dogRepsRel = 1e-2;
    w->experimentPanel()->setConfig(c);
    QVERIFY2(w->experimentPanel()->isValid(),
             qPrintable(w->experimentPanel()->validationMessage()));
    QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
    ui::Run* run = w->startRun();
    QVERIFY(run);
    QVERIFY(finished.wait(alig::test::kPatienceMs));
    QVERIFY2(run->status() == core::RunStatus::Completed, qPrintable(run->message()));
    QCOMPARE(run->epochs().size(), size_t{1});
    // It learnt: twice chance (10 classes) after 8 steps, at the method's own defaults. The
    // methods evaluated on an average (Schedule-Free's x, DoG's) lag their iterate here.
    QVERIFY2(run->epochs().front().testAccuracy > 0.2,
             qPrintable(QString::number(run->epochs().front().testAccuracy)));
    for (const auto& m : run->steps()) // every method reports a real step on one scale
        QVERIFY(std::isfinite(m.stepSize) && m.effectiveStep >= 0.0);
}

void TestUiMainWindow::compareFromTheWindow() {
    auto w = makeWindow(alig::test::scratchPath("compare"), 2);
    ui::BatchRequest request;
    request.optimizers = "alig:max_lr=0.1\nsgd:lr=0.1:momentum=0.9";
    request.parallel = 2;
    QSignalSpy done(w->batchPanel(), &ui::BatchPanel::allFinished);
    QVERIFY(w->startBatch(request));
    QVERIFY(done.wait(alig::test::kPatienceMs));
    const auto& s = w->batchPanel()->summaries();
    QCOMPARE(s.size(), size_t{2});
    QCOMPARE(s[0].status, core::RunStatus::Completed);
    QCOMPARE(s[1].status, core::RunStatus::Completed);
    QCOMPARE(w->batchPanel()->table()->item(1, 1)->text(), QString("completed"));
    QVERIFY(QFileInfo::exists(w->batchPanel()->parentDir() + "/summary.csv"));
    // Both curves are in the plots, from the same start.
    QCOMPARE(w->registry()->runs().size(), 2);
    const auto* a = w->registry()->runs()[0];
    const auto* b = w->registry()->runs()[1];
    QCOMPARE(a->steps().front().loss, b->steps().front().loss);
    QVERIFY(a->isVisible() && b->isVisible());
    // A bad request is refused with a message and starts nothing.
    request.optimizers = "alig\nnope";
    QVERIFY(!w->startBatch(request));
    QVERIFY(w->lastError().contains("unknown optimizer \"nope\""));
    QCOMPARE(w->registry()->runs().size(), 2);
}

void TestUiMainWindow::sweepFromTheWindowFillsItsPlot() {
    auto w = makeWindow(alig::test::scratchPath("sweep"), 1);
    ui::BatchRequest request;
    request.sweep = true;
    request.optimizers = "alig\nsgd";
    request.param = "learning_rate";
    request.values = "0.01,0.1";
    request.parallel = 2;
    QSignalSpy done(w->batchPanel(), &ui::BatchPanel::allFinished);
    QVERIFY(w->startBatch(request));
    QVERIFY(done.wait(alig::test::kPatienceMs));
    QCOMPARE(w->batchPanel()->summaries().size(), size_t{4});
    QCOMPARE(w->batchPanel()->sweepPlot()->curveCount(), 2);
    QVERIFY(w->batchPanel()->sweepPlot()->isVisibleTo(w.get()));
    QVERIFY(QFileInfo(w->batchPanel()->parentDir() + "/sweep.png").size() > 10000);
    if (const QByteArray dir = qgetenv("ALIG_UI_SCREENSHOT_DIR"); !dir.isEmpty()) {
        w->plotsView()->flush();
        w->grab().save(QString::fromUtf8(dir) + "/sweep-window.png"); // to look at by hand
    }
}

QTEST_MAIN(TestUiMainWindow)
#include "tst_ui_main_window.moc"
