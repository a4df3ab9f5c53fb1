// The window and its worker threads hammered, offscreen: hundreds of start, pause, resume,
// step and stop presses in quick succession with several runs at once, run controllers
// destroyed while their data still loads, and the window closed in the middle of
// training. Nothing may crash or hang, the UI thread never waits on training, every run
// folder reads back, and memory does not grow with the number of runs.

#include "common/test_support.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/run_store.h"
#include "ui/config/experiment_panel.h"
#include "ui/run/run.h"
#include "ui/run/run_controller.h"
#include "ui/window/main_window.h"

#include <QtTest/QtTest>

#include <atomic>
#include <fstream>
#include <random>
#include <thread>
#include <unistd.h>

using namespace alig;

namespace {

core::ExperimentConfig spirals(int64_t epochs) {
    return alig::test::smallSpirals(epochs, 300);
}

// The resident set of this process, in MiB (Linux).
double residentMiB() {
    std::ifstream in("/proc/self/statm");
    long pages = 0, resident = 0;
    in >> pages >> resident;
    return resident * (sysconf(_SC_PAGESIZE) / 1048576.0);
}

} // namespace

class TestUiStress : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { alig::test::isolateSettings(); }
    void metricsBufferUnderContention();
    void controllersStartAndDieInQuickSuccession();
    void windowControlsHammered();
};

void TestUiStress::metricsBufferUnderContention() {
    // The training thread appends while the UI takes, as fast as both can. Both sides run
    // on threads of their own (no Qt frames), so ThreadSanitizer sees every access.
    ui::MetricsBuffer buffer;
    constexpr int kBatches = 20000;
    std::atomic<bool> done{false};
    size_t steps = 0, epochs = 0;
    std::thread producer([&] {
        buffer.onRunStart({1, 0, 0, 7, "cpu"});
        for (int i = 0; i < kBatches; ++i) {
            std::vector<core::StepMetrics> batch(3);
            for (int k = 0; k < 3; ++k)
                batch[k].step = 3 * i + k + 1;
            buffer.onSteps(batch);
            if (i % 100 == 0) buffer.onEpoch(core::EpochMetrics{});
        }
        done = true;
    });
    std::thread consumer([&] {
        int64_t last = 0;
        while (true) {
            const bool finished = done;
            auto b = buffer.take();
            for (const auto& s : b.steps) {
                if (s.step != last + 1) std::abort(); // in order, none lost or doubled
                last = s.step;
            }
            steps += b.steps.size();
            epochs += b.epochs.size();
            if (finished && b.steps.empty() && b.epochs.empty()) break;
        }
    });
    producer.join();
    consumer.join();
    QCOMPARE(steps, size_t{3 * kBatches});
    QCOMPARE(epochs, size_t{kBatches / 100});
}

void TestUiStress::controllersStartAndDieInQuickSuccession() {
    // 200 controllers, four alive at a time, each stopped or destroyed at a random moment:
    // while its data loads, while paused, mid-step, or after it ended.
    const QString runs = alig::test::scratchPath("controllers");
    std::mt19937 random(12345);
    std::vector<std::unique_ptr<ui::RunController>> alive;
    std::vector<std::unique_ptr<ui::Run>> records;
    double baseline = 0;
    for (int i = 0; i < 200; ++i) {
        if (i == 40) baseline = residentMiB();
        auto run =
            std::make_unique<ui::Run>(QString("r%1").arg(i), "stress", Qt::black, spirals(1000));
        auto c = std::make_unique<ui::RunController>(run.get(), spirals(1000), runs);
        QElapsedTimer clock;
        clock.start();
        switch (random() % 5) {
        case 0:
            c->start();
            break;
        case 1:
            c->start(/*paused=*/true);
            c->stepOnce();
            c->stepOnce();
            break;
        case 2:
            c->start();
            c->pause();
            c->stepOnce();
            c->resume();
            break;
        case 3:
            c->start();
            c->stop();
            break;
        default:
            c->start(true);
            c->resume();
            c->pause();
            c->setMaxLr(0.01);
            break;
        }
        QTest::qWait(static_cast<int>(random() % 8));
        // Controls never wait on the training thread.
        QVERIFY2(clock.elapsed() < 2000,
                 qPrintable(QString("controls took %1 ms").arg(clock.elapsed())));
        alive.push_back(std::move(c));
        records.push_back(std::move(run));
        if (alive.size() > 4) {
            // Destroying a controller stops its run and joins its thread.
            alive.erase(alive.begin() + static_cast<long>(random() % alive.size()));
        }
        if (records.size() > 8) records.erase(records.begin());
    }
    alive.clear();
    records.clear();
    QTest::qWait(50);
    // Finished runs give their data and model back: no growth with the number of runs.
    const double grown = residentMiB() - baseline;
    QVERIFY2(grown < 150, qPrintable(QString("grew %1 MiB over 160 runs").arg(grown)));
}

void TestUiStress::windowControlsHammered() {
    const QString runs = alig::test::scratchPath("window");
    auto w = std::make_unique<ui::MainWindow>(runs, /*restoreSettings=*/false);
    w->setDialogsEnabled(false);
    w->resize(1200, 800);
    w->show();
    w->experimentPanel()->setConfig(spirals(100000));
    std::mt19937 random(777);
    QList<ui::Run*> started;
    int liveMax = 0;
    for (int i = 0; i < 200; ++i) {
        QElapsedTimer clock;
        clock.start();
        int live = 0;
        for (ui::Run* r : w->registry()->runs())
            live += r->isLive() ? 1 : 0;
        liveMax = std::max(liveMax, live);
        switch (random() % 6) {
        case 0:
            if (live < 4) {
                if (ui::Run* r = w->startRun(random() % 2 == 0)) started << r;
            }
            break;
        case 1:
            w->pauseAction()->trigger();
            break; // pause or resume
        case 2:
            w->stepAction()->trigger();
            break;
        case 3:
            w->stepAction()->trigger();
            w->stepAction()->trigger();
            break;
        case 4:
            if (random() % 3 == 0) w->stopAction()->trigger();
            break;
        default:
            w->pauseAction()->trigger();
            w->pauseAction()->trigger();
            break;
        }
        QVERIFY2(clock.elapsed() < 2000,
                 qPrintable(QString("press %1 took %2 ms").arg(i).arg(clock.elapsed())));
        QTest::qWait(static_cast<int>(random() % 10));
    }
    QVERIFY2(liveMax >= 2, "several runs should have trained at once");
    // Make sure something trains right now, then close the window in the middle of it.
    ui::Run* last = w->startRun();
    QVERIFY(last);
    started << last;
    QTRY_VERIFY_WITH_TIMEOUT(last->steps().size() > 5, alig::test::kPatienceMs);
    QElapsedTimer closing;
    closing.start();
    w->close();
    QVERIFY2(closing.elapsed() < 20000, "closing waited too long on the runs");
    // Every run that got a folder reads back and is no longer "running".
    for (ui::Run* r : started) {
        if (r->runDir().isEmpty()) continue;
        const auto rec = core::readRun(r->runDir().toStdString());
        QVERIFY2(rec.info["status"].get<std::string>() != "running", qPrintable(r->runDir()));
        // The disk has every step the plots have (the last drain may still be queued).
        QVERIFY(rec.steps.size() >= r->steps().size());
    }
    w.reset();
}

QTEST_MAIN(TestUiStress)
#include "tst_ui_stress.moc"
