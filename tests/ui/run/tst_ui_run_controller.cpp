// RunController: real short runs on a worker thread, watched from the UI thread the way the
// window watches them, against what the run store recorded.

#include "common/test_support.h"
#include "core/experiment/run_store.h"
#include "ui/run/run.h"
#include "ui/run/run_controller.h"

#include <QtTest/QtTest>

using namespace alig;

namespace {

core::ExperimentConfig spirals(int64_t epochs, const std::string& dir) {
    core::ExperimentConfig c = alig::test::smallSpirals(epochs);
    c.output.dir = dir;
    return c;
}

} // namespace

class TestUiRunController : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void trainsAndFeedsTheRunInBatches();
    void pauseStepResume();
    void stopKeepsTheRecords();
    void maxLrChangeIsRecorded();
    void badDatasetFails();
    void destroyingMidRunStopsCleanly();
};

void TestUiRunController::trainsAndFeedsTheRunInBatches() {
    const std::string dir = alig::test::scratchDir("batches") + "/run";
    ui::Run run("r", "spirals", Qt::blue, spirals(3, dir));
    ui::RunController controller(&run, run.config());
    QSignalSpy finished(&controller, &ui::RunController::finished);
    QSignalSpy batches(&run, &ui::Run::stepsAppended);
    controller.start();
    QVERIFY(finished.wait(alig::test::kPatienceMs));
    QCOMPARE(finished.at(0).at(0).value<core::RunStatus>(), core::RunStatus::Completed);
    QCOMPARE(run.status(), core::RunStatus::Completed);
    QVERIFY(!run.isLive());
    const auto rec = core::readRun(dir);
    QCOMPARE(run.steps().size(), rec.steps.size());
    QCOMPARE(run.epochs().size(), size_t{3});
    QCOMPARE(static_cast<int64_t>(run.steps().size()), 3 * run.stepsPerEpoch());
    QCOMPARE(run.steps().back().loss, rec.steps.back().loss);
    QCOMPARE(QString::fromStdString(dir), run.runDir());
    // Metrics arrive in batches, never one signal per step.
    QVERIFY2(batches.count() < static_cast<int>(run.steps().size()) / 2,
             qPrintable(QString::number(batches.count())));
}

void TestUiRunController::pauseStepResume() {
    const std::string dir = alig::test::scratchDir("pause") + "/run";
    ui::Run run("r", "spirals", Qt::blue, spirals(2, dir));
    ui::RunController controller(&run, run.config());
    QSignalSpy finished(&controller, &ui::RunController::finished);
    controller.start(/*paused=*/true);
    QVERIFY(controller.isPaused());
    QTest::qWait(300);
    QCOMPARE(run.steps().size(), size_t{0});
    for (size_t i = 1; i <= 3; ++i) {
        controller.stepOnce();
        QTRY_COMPARE_WITH_TIMEOUT(run.steps().size(), i, alig::test::kPatienceMs);
        QTest::qWait(100);
        QCOMPARE(run.steps().size(), i); // exactly one step per press
    }
    controller.resume();
    QVERIFY(finished.wait(alig::test::kPatienceMs));
    QCOMPARE(run.status(), core::RunStatus::Completed);
    QCOMPARE(static_cast<int64_t>(run.steps().size()), 2 * run.stepsPerEpoch());
}

void TestUiRunController::stopKeepsTheRecords() {
    const std::string dir = alig::test::scratchDir("stop") + "/run";
    ui::Run run("r", "spirals", Qt::blue, spirals(100000, dir));
    ui::RunController controller(&run, run.config());
    QSignalSpy finished(&controller, &ui::RunController::finished);
    controller.start();
    QTRY_VERIFY_WITH_TIMEOUT(run.steps().size() > 50, alig::test::kPatienceMs);
    controller.stop();
    QVERIFY(finished.wait(alig::test::kPatienceMs));
    QCOMPARE(run.status(), core::RunStatus::Stopped);
    const auto rec = core::readRun(dir);
    QCOMPARE(rec.steps.size(), run.steps().size());
    QCOMPARE(rec.info["status"].get<std::string>(), std::string("stopped"));
}

void TestUiRunController::maxLrChangeIsRecorded() {
    const std::string dir = alig::test::scratchDir("maxlr") + "/run";
    ui::Run run("r", "spirals", Qt::blue, spirals(1, dir));
    ui::RunController controller(&run, run.config());
    QSignalSpy finished(&controller, &ui::RunController::finished);
    controller.start(true);
    controller.stepOnce();
    QTRY_COMPARE_WITH_TIMEOUT(run.steps().size(), size_t{1}, alig::test::kPatienceMs);
    controller.setMaxLr(1e-3);
    controller.stepOnce();
    QTRY_COMPARE_WITH_TIMEOUT(run.steps().size(), size_t{2}, alig::test::kPatienceMs);
    QCOMPARE(run.steps()[0].maxLr, 0.1);
    QCOMPARE(run.steps()[1].maxLr, 1e-3);
    QVERIFY(run.steps()[1].stepSize <= 1e-3 * (1 + 1e-6));
    controller.stop();
    QVERIFY(finished.wait(alig::test::kPatienceMs));
    const auto rec = core::readRun(dir);
    QCOMPARE(rec.steps[1].maxLr, 1e-3); // on disk too
}

void TestUiRunController::badDatasetFails() {
    core::ExperimentConfig c = spirals(1, alig::test::scratchDir("bad") + "/run");
    c.dataset.kind = "mnist";
    c.dataset.path = "/no/such/folder";
    ui::Run run("r", "bad", Qt::blue, c);
    ui::RunController controller(&run, c);
    QSignalSpy failed(&controller, &ui::RunController::failed);
    controller.start();
    QVERIFY(failed.wait(alig::test::kPatienceMs));
    QVERIFY2(failed.at(0).at(0).toString().contains("/no/such/folder"),
             qPrintable(failed.at(0).at(0).toString()));
    QCOMPARE(run.status(), core::RunStatus::Failed);
    QVERIFY(!controller.isActive());
}

void TestUiRunController::destroyingMidRunStopsCleanly() {
    const std::string dir = alig::test::scratchDir("destroy") + "/run";
    ui::Run run("r", "spirals", Qt::blue, spirals(100000, dir));
    {
        ui::RunController controller(&run, run.config());
        controller.start();
        QTRY_VERIFY_WITH_TIMEOUT(run.steps().size() > 20, alig::test::kPatienceMs);
    } // the window closes: the controller goes, the thread is stopped and joined
    const auto rec = core::readRun(dir);
    QCOMPARE(rec.info["status"].get<std::string>(), std::string("stopped"));
    QVERIFY(rec.steps.size() >= run.steps().size());
}

QTEST_MAIN(TestUiRunController)
#include "tst_ui_run_controller.moc"
