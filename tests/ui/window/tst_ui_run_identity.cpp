// Many runs in one window: every run has an id of its own (run.json, folder, exports), names
// are unique and survive a restart, a rename reaches run.json at once (also while the run
// trains), the experiment panel edits the next run only, and the window's state tells the
// truth (paused, the selected run, a reloaded store, Follow, the experiment's file).

#include "common/test_support.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/run_store.h"
#include "ui/config/experiment_panel.h"
#include "ui/config/log_slider.h"
#include "ui/plots/loss_plot.h"
#include "ui/plots/plots_view.h"
#include "ui/plots/step_size_plot.h"
#include "ui/run/run.h"
#include "ui/run/run_controller.h"
#include "ui/window/batch_panel.h"
#include "ui/window/main_window.h"
#include "ui/window/runs_table.h"

#include <QtTest/QtTest>

using namespace alig;

namespace {

std::unique_ptr<ui::MainWindow> makeWindow(const QString& runsDir, int64_t epochs) {
    auto w = std::make_unique<ui::MainWindow>(runsDir, /*restoreSettings=*/false);
    w->setDialogsEnabled(false);
    w->resize(1400, 900);
    w->show();
    w->experimentPanel()->setConfig(test::smallSpirals(epochs));
    return w;
}

nlohmann::json runJson(const ui::Run* run) {
    return core::readRun(run->runDir().toStdString()).info;
}

// Stops the window's current run and waits until it has recorded its end.
void stopCurrent(ui::MainWindow& w) {
    QSignalSpy finished(&w, &ui::MainWindow::runFinished);
    w.stopAction()->trigger();
    QVERIFY(finished.wait(test::kPatienceMs));
}

} // namespace

class TestUiRunIdentity : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { test::isolateSettings(); }
    void namesAreUniqueAndSurviveARestart();
    void renameWhileTrainingIsKept();
    void panelEditsDoNotReachARunningRun();
    void labelsSayWhatDiffers();
    void pausedShowsAsPaused();
    void reloadingTheStoreNeverDuplicates();
    void newRunFollowsAgain();
    void titleNamesTheFileAndItsEdits();
    void batchComesBackAfterARestart();
    void batchTakesMoreSeedsAndExports();
    void liveMaxLrChangeIsMarked();
};

void TestUiRunIdentity::namesAreUniqueAndSurviveARestart() {
    const QString store = test::scratchPath("identity-names");
    QString names[2], ids[2];
    {
        auto w = makeWindow(store, 1);
        QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
        ui::Run* a = w->startRun();
        ui::Run* b = w->startRun();
        QVERIFY(a && b);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, test::kPatienceMs);
        QCOMPARE(a->name(), QString("spirals-mlp-alig"));
        QCOMPARE(b->name(), QString("spirals-mlp-alig #2"));
        QVERIFY(a->id() != b->id());
        for (const ui::Run* r : {a, b}) {
            // run.json holds the id and the unique name; the folder's name starts with the id.
            QCOMPARE(QString::fromStdString(runJson(r)["run_id"].get<std::string>()), r->id());
            QCOMPARE(QString::fromStdString(runJson(r)["name"].get<std::string>()), r->name());
            QVERIFY2(QFileInfo(r->runDir()).fileName().startsWith(r->id() + "-"),
                     qPrintable(r->runDir()));
        }
        names[0] = a->name();
        names[1] = b->name();
        ids[0] = a->id();
        ids[1] = b->id();
    }
    auto w = makeWindow(store, 1);
    QCOMPARE(w->registry()->runs().size(), 2);
    for (int i = 0; i < 2; ++i) {
        const ui::Run* r = w->registry()->find(ids[i]);
        QVERIFY(r);
        QCOMPARE(r->name(), names[i]); // the "#2" is still there
    }
    QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
    ui::Run* c = w->startRun();
    QCOMPARE(c->name(), QString("spirals-mlp-alig #3")); // unique against the store's runs too
    QVERIFY(finished.wait(test::kPatienceMs));
}

void TestUiRunIdentity::renameWhileTrainingIsKept() {
    const QString store = test::scratchPath("identity-rename");
    QString id;
    {
        auto w = makeWindow(store, 100000);
        ui::Run* run = w->startRun();
        QTRY_VERIFY_WITH_TIMEOUT(!run->runDir().isEmpty() && run->steps().size() > 5,
                                 test::kPatienceMs);
        id = run->id();
        // Typed into its row while it trains.
        w->runsTable()->item(w->runsTable()->rowOf(run), ui::RunsTable::Name)->setText("baseline");
        QCOMPARE(run->name(), QString("baseline"));
        QCOMPARE(runJson(run)["name"].get<std::string>(), std::string("baseline")); // at once
        // An epoch ends (run.json is written again) and the run stops: the name stays.
        const size_t now = run->steps().size();
        QTRY_VERIFY_WITH_TIMEOUT(run->epochs().size() >= 1 && run->steps().size() > now,
                                 test::kPatienceMs);
        stopCurrent(*w);
        QCOMPARE(runJson(run)["name"].get<std::string>(), std::string("baseline"));
        QCOMPARE(runJson(run)["status"].get<std::string>(), std::string("stopped"));
        // A name another run has is refused, and the table shows the old name again.
        w->experimentPanel()->setConfig(test::smallSpirals(1));
        ui::Run* other = w->startRun();
        QVERIFY(!w->renameRun(other, "baseline"));
        QVERIFY(w->lastError().contains("another run is called \"baseline\""));
        QCOMPARE(w->runsTable()->item(w->runsTable()->rowOf(other), ui::RunsTable::Name)->text(),
                 other->name());
        QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
        QVERIFY(finished.wait(test::kPatienceMs));
    }
    auto w = makeWindow(store, 1);
    const ui::Run* back = w->registry()->find(id);
    QVERIFY(back);
    QCOMPARE(back->name(), QString("baseline"));
    QCOMPARE(back->displayName(), QString("baseline")); // a chosen name wins over the label
}

void TestUiRunIdentity::panelEditsDoNotReachARunningRun() {
    auto w = makeWindow(test::scratchPath("identity-panel"), 100000);
    w->stepAction()->trigger(); // a paused run, one step
    ui::Run* run = w->currentController()->run();
    QTRY_COMPARE_WITH_TIMEOUT(run->steps().size(), size_t{1}, test::kPatienceMs);
    QCOMPARE(run->steps()[0].maxLr, 0.1);
    // The user moves the panel's max_lr slider to its top end (1e2) to prepare the next run.
    auto* slider = w->experimentPanel()->findChild<ui::LogSlider*>();
    QVERIFY(slider);
    slider->slider()->setValue(slider->slider()->maximum());
    QCOMPARE(w->experimentPanel()->config().optimizer.maxLr, std::optional<double>(100.0));
    w->stepAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(run->steps().size(), size_t{2}, test::kPatienceMs);
    QCOMPARE(run->steps()[1].maxLr, 0.1); // the running run kept its own
    QCOMPARE(run->config().optimizer.maxLr, std::optional<double>(0.1));
    QVERIFY(run->maxLrChanges().empty());
    // The next run gets the panel's value.
    ui::Run* next = w->startRun(/*paused=*/true);
    w->stepAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(next->steps().size(), size_t{1}, test::kPatienceMs);
    QCOMPARE(next->steps()[0].maxLr, 100.0);
    QCOMPARE(run->steps().size(), size_t{2});
    w->close();
}

void TestUiRunIdentity::labelsSayWhatDiffers() {
    auto w = makeWindow(test::scratchPath("identity-labels"), 1);
    QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
    core::ExperimentConfig c = test::smallSpirals(1);
    c.optimizer.maxLr = 0.05;
    w->experimentPanel()->setConfig(c);
    ui::Run* a = w->startRun();
    QCOMPARE(a->autoLabel(), QString()); // alone: nothing differs
    c.optimizer.maxLr = 5.0;
    w->experimentPanel()->setConfig(c);
    ui::Run* b = w->startRun();
    QCOMPARE(a->autoLabel(), QString("max_lr 0.05"));
    QCOMPARE(b->autoLabel(), QString("max_lr 5"));
    QCOMPARE(b->displayName(), QString("max_lr 5"));
    QCOMPARE(w->runsTable()->item(w->runsTable()->rowOf(b), ui::RunsTable::Label)->text(),
             QString("max_lr 5"));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, test::kPatienceMs);
    // Hiding one leaves one on show: its label empties.
    b->setVisible(false);
    QCOMPARE(a->autoLabel(), QString());
}

void TestUiRunIdentity::pausedShowsAsPaused() {
    auto w = makeWindow(test::scratchPath("identity-paused"), 100000);
    ui::Run* run = w->startRun();
    QTRY_VERIFY_WITH_TIMEOUT(run->stepsPerSecond() > 0, test::kPatienceMs);
    w->pauseAction()->trigger();
    QVERIFY(run->isPaused());
    const int row = w->runsTable()->rowOf(run);
    QCOMPARE(w->runsTable()->item(row, ui::RunsTable::Status)->text(), QString("paused"));
    QCOMPARE(run->stepsPerSecond(), 0.0);
    QCOMPARE(w->runsTable()->item(row, ui::RunsTable::Speed)->text(), QString());
    w->pauseAction()->trigger(); // resume
    QVERIFY(!run->isPaused());
    QCOMPARE(w->runsTable()->item(row, ui::RunsTable::Status)->text(), QString("training"));
    // The status bar describes the selected run; with none selected, the current one.
    w->experimentPanel()->setConfig(test::smallSpirals(1));
    QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
    ui::Run* other = w->startRun();
    QCOMPARE(w->statusRun(), other);
    w->runsTable()->selectRow(w->runsTable()->rowOf(run));
    QCOMPARE(w->statusRun(), run);
    w->close();
}

void TestUiRunIdentity::reloadingTheStoreNeverDuplicates() {
    const QString store = test::scratchPath("identity-reload");
    {
        auto w = makeWindow(store, 1);
        QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
        w->startRun();
        QVERIFY(finished.wait(test::kPatienceMs));
    }
    auto w = makeWindow(store, 1);
    QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
    w->startRun();
    QVERIFY(finished.wait(test::kPatienceMs));
    QCOMPARE(w->registry()->runs().size(), 2); // the past run and this window's
    QVERIFY(w->reloadRunStore().isEmpty());
    QVERIFY(w->reloadRunStore().isEmpty());
    QCOMPARE(w->registry()->runs().size(), 2);
    QCOMPARE(w->runsTable()->rowCount(), 2);
}

void TestUiRunIdentity::newRunFollowsAgain() {
    auto w = makeWindow(test::scratchPath("identity-follow"), 1);
    QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
    w->startRun();
    QVERIFY(finished.wait(test::kPatienceMs));
    ui::LossPlot* loss = w->plotsView()->lossPlot();
    loss->setFollow(false); // what a wheel zoom does
    QVERIFY(!loss->follow());
    w->startRun();
    QVERIFY(loss->follow());
    QVERIFY(w->plotsView()->settings().follow);
    QVERIFY(finished.wait(test::kPatienceMs));
}

void TestUiRunIdentity::titleNamesTheFileAndItsEdits() {
    const QString dir = test::scratchPath("identity-files");
    auto w = makeWindow(dir + "/runs", 1);
    core::ExperimentConfig c = test::smallSpirals(3);
    w->experimentPanel()->setConfig(c);
    const QString file = dir + "/mine.json";
    QVERIFY(w->saveExperiment(file));
    QVERIFY(w->windowTitle().startsWith("mine.json[*]"));
    QVERIFY(!w->isWindowModified());
    c.training.epochs = 4;
    w->experimentPanel()->setConfig(c);
    QVERIFY(w->isWindowModified());
    QVERIFY(w->revertExperiment());
    QCOMPARE(w->experimentPanel()->config().training.epochs, int64_t{3});
    QVERIFY(!w->isWindowModified());
    // A preset replaces the experiment: it is untitled now, and Save does not write the
    // file opened before.
    const QByteArray before = [&] {
        QFile f(file);
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }();
    QVERIFY(w->experimentPanel()->loadPreset("spirals-mlp-alig"));
    QVERIFY(w->experimentPath().isEmpty());
    QVERIFY2(w->windowTitle().startsWith("untitled"), qPrintable(w->windowTitle()));
    QVERIFY(!w->saveCurrentExperiment()); // no file, and no dialog to ask for one here
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), before);
}

void TestUiRunIdentity::batchComesBackAfterARestart() {
    const QString store = test::scratchPath("identity-batch");
    QString parent;
    std::vector<core::RunSummary> before;
    {
        auto w = makeWindow(store, 1);
        ui::BatchRequest request;
        request.optimizers = "alig:max_lr=0.1\nsgd:lr=0.1";
        request.seeds = 2;
        request.parallel = 2;
        QSignalSpy done(w->batchPanel(), &ui::BatchPanel::allFinished);
        QVERIFY(w->startBatch(request));
        QVERIFY(done.wait(test::kPatienceMs));
        parent = w->batchPanel()->parentDir();
        before = w->batchPanel()->summaries();
        QVERIFY(QFileInfo::exists(parent + "/batch.json"));
    }
    auto w = makeWindow(store, 1);
    // Its four runs are in the Runs table again, and its summary in the batch panel.
    QCOMPARE(w->registry()->runs().size(), 4);
    ui::BatchPanel* batch = w->batchPanel();
    QCOMPARE(batch->parentDir(), parent);
    QVERIFY(!batch->isRunning());
    const auto& after = batch->summaries();
    QCOMPARE(after.size(), before.size());
    for (size_t i = 0; i < after.size(); ++i) {
        QCOMPARE(after[i].label, before[i].label);
        QCOMPARE(after[i].status, core::RunStatus::Completed);
        QCOMPARE(after[i].finalTestAccuracy, before[i].finalTestAccuracy);
    }
    // Sorted by final accuracy, each row still holds its own run's numbers.
    QTableWidget* table = batch->table();
    table->sortItems(2, Qt::DescendingOrder);
    for (int row = 0; row < table->rowCount(); ++row) {
        const QString label = table->item(row, 0)->text();
        const auto it = std::find_if(after.begin(), after.end(), [&](const auto& s) {
            return QString::fromStdString(s.label) == label;
        });
        QVERIFY(it != after.end());
        QCOMPARE(table->item(row, 2)->data(Qt::UserRole).toDouble(), it->finalTestAccuracy);
        if (row > 0)
            QVERIFY(table->item(row - 1, 2)->data(Qt::UserRole).toDouble() >=
                    table->item(row, 2)->data(Qt::UserRole).toDouble());
    }
    // Reopening shows the batch's runs in the plots.
    QVERIFY(w->openBatch(parent));
    for (const ui::Run* r : w->registry()->runs())
        QVERIFY(r->isVisible());
    QVERIFY(!w->openBatch(store + "/nothing-here"));
    QVERIFY(w->lastError().contains("batch.json"));
}

void TestUiRunIdentity::batchTakesMoreSeedsAndExports() {
    const QString store = test::scratchPath("identity-batch-seeds");
    auto w = makeWindow(store, 1);
    ui::BatchPanel* batch = w->batchPanel();
    ui::BatchRequest request;
    request.optimizers = "alig:max_lr=0.1\nsgd:lr=0.1";
    request.seeds = 2;
    request.parallel = 2;
    QSignalSpy done(batch, &ui::BatchPanel::allFinished);
    QVERIFY(w->startBatch(request));
    QVERIFY(done.wait(test::kPatienceMs));
    const std::vector<core::RunSummary> first = batch->summaries();
    QCOMPARE(first.size(), size_t{4});

    // The per-setting table: mean and sample std of the two seeds, by hand.
    QTableWidget* groups = batch->groupTable();
    QCOMPARE(groups->rowCount(), 2);
    for (int row = 0; row < groups->rowCount(); ++row) {
        const QString setting = groups->item(row, 0)->text();
        std::vector<double> acc;
        for (const auto& s : first)
            if (QString::fromStdString(s.group) == setting) acc.push_back(s.finalTestAccuracy);
        QCOMPARE(acc.size(), size_t{2});
        const double mean = (acc[0] + acc[1]) / 2.0;
        const double sd = std::abs(acc[0] - acc[1]) / std::sqrt(2.0);
        QCOMPARE(groups->item(row, 1)->text(), QString("2 / 2"));
        QVERIFY(qAbs(groups->item(row, 2)->data(Qt::UserRole).toDouble() - mean) < 1e-12);
        QVERIFY2(groups->item(row, 2)->text().contains(QString::number(100.0 * sd, 'f', 2)),
                 qPrintable(groups->item(row, 2)->text()));
    }

    // One more seed per setting: two new runs train; the four there keep their numbers.
    done.clear();
    QVERIFY(w->addBatchSeeds(1));
    QCOMPARE(batch->plan().size(), size_t{6});
    QVERIFY(batch->isRunning());
    QVERIFY(!w->addBatchSeeds(1)); // not while it trains
    QVERIFY(done.wait(test::kPatienceMs));
    const auto& after = batch->summaries();
    QCOMPARE(after.size(), size_t{6});
    for (const auto& s : first) {
        const auto it = std::find_if(after.begin(), after.end(),
                                     [&](const auto& a) { return a.label == s.label; });
        QVERIFY(it != after.end());
        QCOMPARE(it->finalTestAccuracy, s.finalTestAccuracy);
    }
    for (const auto& s : after)
        QCOMPARE(s.status, core::RunStatus::Completed);
    for (int row = 0; row < groups->rowCount(); ++row)
        QCOMPARE(groups->item(row, 1)->text(), QString("3 / 3"));
    const auto record =
        core::readJsonObjectFile((batch->parentDir() + "/batch.json").toStdString());
    QCOMPARE(record["runs"].size(), size_t{6});
    QCOMPARE(record["seeds"].get<int>(), 3);

    // The export: both tables and every run's metrics, one run_id per run.
    const QString base = test::scratchPath("identity-batch-export") + "/batch";
    QDir().mkpath(QFileInfo(base).path());
    QVERIFY2(w->exportBatch(base), qPrintable(w->lastError()));
    for (const char* suffix : {"-runs.csv", "-groups.csv", "-metrics.csv", "-epochs.csv"})
        QVERIFY2(QFileInfo::exists(base + suffix), suffix);
    QFile metrics(base + "-metrics.csv");
    QVERIFY(metrics.open(QIODevice::ReadOnly));
    QVERIFY(metrics.readLine().startsWith("run_id,run,"));
    QSet<QByteArray> ids;
    while (!metrics.atEnd())
        ids.insert(metrics.readLine().split(',').first());
    QCOMPARE(ids.size(), 6);
    QFile groupsCsv(base + "-groups.csv");
    QVERIFY(groupsCsv.open(QIODevice::ReadOnly));
    QCOMPARE(groupsCsv.readAll().count('\n'), 3); // a header and two settings
}

void TestUiRunIdentity::liveMaxLrChangeIsMarked() {
    // Long enough that the change lands while it trains; stopped once it has.
    auto w = makeWindow(test::scratchPath("identity-live-lr"), 1000);
    ui::Run* run = w->startRun();
    QVERIFY(run);
    QTRY_VERIFY_WITH_TIMEOUT(run->steps().size() >= 5, test::kPatienceMs);
    w->changeMaxLr(run, 0.02);
    // The first step that took it carries the marker, on the new cap's line.
    QTRY_VERIFY_WITH_TIMEOUT(!run->maxLrChanges().empty() && run->maxLrChanges()[0].atStep > 0,
                             test::kPatienceMs);
    const int64_t at = run->maxLrChanges()[0].atStep;
    for (const auto& m : run->steps()) {
        if (m.step == at) QCOMPARE(m.maxLr, 0.02);
        if (m.step == at - 1) QVERIFY(m.maxLr != 0.02);
    }
    ui::MetricPlot* plot = w->plotsView()->stepSizePlot();
    QTRY_COMPARE_WITH_TIMEOUT(plot->pointCount(run, ui::Series::LiveMaxLr), 1, test::kPatienceMs);
    QCPGraph* marker = plot->graph(run, ui::Series::LiveMaxLr);
    QVERIFY(marker);
    QCOMPARE(marker->data()->begin()->value, 0.02);
    QVERIFY(run->optimizerSummary().contains(QString("after step %1").arg(at - 1)));
    stopCurrent(*w);
}

QTEST_MAIN(TestUiRunIdentity)
#include "tst_ui_run_identity.moc"
