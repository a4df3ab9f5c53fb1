// RunController: real short runs on a worker thread, watched from the UI thread the way the
// window watches them, against what the run store recorded.

#include "common/test_support.h"
#include "core/experiment/run_store.h"
#include "ui/run/refresh_pacer.h"
#include "ui/run/run.h"
#include "ui/run/run_controller.h"

#include <QtTest/QtTest>

#include <ctime>

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
    void pacerStretchesRefreshesOverBudget();
    void pacedRunStillDeliversEveryStep();
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

namespace {

qint64 threadCpuNs() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<qint64>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

} // namespace

void TestUiRunController::pacerStretchesRefreshesOverBudget() {
    using P = ui::RefreshPacer;
    // The control law: over the budget the factor grows in proportion (at most 2x at once),
    // well under it the factor shrinks by a fifth, within [1, kMaxScale].
    QCOMPARE(P::nextScale(1.0, 0.045, 0.03), 1.5);
    QCOMPARE(P::nextScale(1.0, 0.90, 0.03), 2.0);
    QCOMPARE(P::nextScale(20.0, 0.90, 0.03), P::kMaxScale);
    QCOMPARE(P::nextScale(5.0, 0.001, 0.03), 4.0);
    QCOMPARE(P::nextScale(1.0, 0.001, 0.03), 1.0);
    QCOMPARE(P::nextScale(3.0, 0.02, 0.03), 3.0); // between half the budget and the budget

    // Measured: refreshes that keep the GUI thread busy for 150 ms of its CPU time are over
    // a 4 % budget on any machine (however loaded, that is at most ~30x wall time), so the
    // factor and every refresh interval grow; intervals never pass a second. Work outside
    // a refresh (here the same busy loop) does not count.
    P& pacer = P::instance();
    pacer.setBudget(0.04);
    auto burn = [] {
        const qint64 until = threadCpuNs() + 150000000;
        volatile double sink = 0.0;
        while (threadCpuNs() < until)
            for (int i = 0; i < 10000; ++i)
                sink = sink + i * 1e-9;
    };
    pacer.measure(); // a fresh baseline (its result does not matter)
    pacer.setScale(1.0);
    burn();
    pacer.measure();
    // The burn itself is not counted (it would be a share near 1); a few microseconds of a
    // refresh that an earlier test's plot runs meanwhile may be.
    QVERIFY2(pacer.busyShare() < 0.01, qPrintable(QString::number(pacer.busyShare())));
    QCOMPARE(pacer.scale(), 1.0);
    QSignalSpy changed(&pacer, &P::scaleChanged);
    {
        const P::Cost outer;
        const P::Cost nested; // counted once
        burn();
    }
    pacer.measure();
    QVERIFY2(pacer.busyShare() > 0.04 && pacer.busyShare() <= 1.05,
             qPrintable(QString::number(pacer.busyShare())));
    QVERIFY2(pacer.scale() > 1.0, qPrintable(QString::number(pacer.busyShare())));
    QVERIFY(!changed.isEmpty());
    QVERIFY(pacer.interval(33) > 33);
    QVERIFY(pacer.interval(40) <= P::kMaxIntervalMs);
    QCOMPARE(pacer.interval(2000), 2000); // a slower refresh is never made faster
    pacer.setScale(1.0);
    QCOMPARE(pacer.interval(33), 33);
}

void TestUiRunController::pacedRunStillDeliversEveryStep() {
    // Refreshes stretched to the longest interval (an idle GUI thread lets the factor decay
    // by a fifth a second from there): fewer, larger batches, and nothing lost.
    ui::RefreshPacer& pacer = ui::RefreshPacer::instance();
    pacer.setScale(ui::RefreshPacer::kMaxScale);
    const std::string dir = alig::test::scratchDir("paced") + "/run";
    ui::Run run("r", "spirals", Qt::blue, spirals(3, dir));
    ui::RunController controller(&run, run.config());
    QSignalSpy finished(&controller, &ui::RunController::finished);
    controller.start();
    QVERIFY(finished.wait(alig::test::kPatienceMs));
    QCOMPARE(run.status(), core::RunStatus::Completed);
    QCOMPARE(static_cast<int64_t>(run.steps().size()), 3 * run.stepsPerEpoch());
    QCOMPARE(run.steps().size(), core::readRun(dir).steps.size());
    pacer.setScale(1.0);
}

QTEST_MAIN(TestUiRunController)
#include "tst_ui_run_controller.moc"
