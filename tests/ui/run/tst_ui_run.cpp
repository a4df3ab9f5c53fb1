// Run and RunRegistry: batches of metrics, signals, best accuracy, the palette.

#include "common/test_support.h"
#include "ui/run/run.h"

#include <QtTest/QtTest>

using namespace alig;

class TestUiRun : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void appendsInBatchesAndSignalsOnce();
    void registryColoursAreOkabeItoAndDistinct();
    void optimizerSummary_data();
    void optimizerSummary();
};

void TestUiRun::appendsInBatchesAndSignalsOnce() {
    ui::Run run("id", "name", Qt::blue, core::ExperimentConfig{});
    QSignalSpy steps(&run, &ui::Run::stepsAppended);
    QSignalSpy epochs(&run, &ui::Run::epochsAppended);
    std::vector<core::StepMetrics> batch(5);
    for (int i = 0; i < 5; ++i)
        batch[i].step = i + 1;
    run.appendSteps(batch);
    run.appendSteps(batch);
    QCOMPARE(steps.count(), 2); // one signal per batch, not per step
    QCOMPARE(steps.at(1).at(0).toInt(), 5);
    QCOMPARE(run.steps().size(), size_t{10});
    core::EpochMetrics a, b;
    a.testAccuracy = 0.7;
    b.testAccuracy = 0.6;
    run.appendEpochs({a, b});
    QCOMPARE(epochs.count(), 1);
    QCOMPARE(run.bestTestAccuracy(), 0.7);
    run.clearMetrics();
    QVERIFY(run.steps().empty());
    QCOMPARE(run.bestTestAccuracy(), 0.0);
}

void TestUiRun::registryColoursAreOkabeItoAndDistinct() {
    ui::RunRegistry registry;
    QSet<QRgb> seen;
    for (int i = 0; i < ui::RunRegistry::palette().size(); ++i)
        seen.insert(registry.nextColor().rgb());
    QCOMPARE(seen.size(), ui::RunRegistry::palette().size());
    QVERIFY(seen.contains(QColor(0xD5, 0x5E, 0x00).rgb())); // vermillion
    QSignalSpy added(&registry, &ui::RunRegistry::runAdded);
    auto* run = new ui::Run("r1", "one", Qt::red, core::ExperimentConfig{});
    registry.add(run);
    QCOMPARE(added.count(), 1);
    QCOMPARE(registry.find("r1"), run);
    registry.remove(run);
    QVERIFY(registry.find("r1") == nullptr);
}

void TestUiRun::optimizerSummary_data() {
    QTest::addColumn<QString>("override");
    QTest::addColumn<QString>("expected");
    QTest::newRow("alig") << ""
                          << "ALI-G max_lr 0.1, momentum 0.9";
    QTest::newRow("alig no max") << "nomax"
                                 << "ALI-G, no max_lr, momentum 0.9";
    QTest::newRow("sgd") << "sgd"
                         << "SGD lr 0.1, momentum 0.9";
    // The adaptive methods by their own step size, not an "lr" they do not read.
    QTest::newRow("sps") << "sps"
                         << "SPS_max max_lr 0.1, c 0.5";
    QTest::newRow("l4mom") << "l4mom"
                           << "L4Mom alpha 0.15";
}

void TestUiRun::optimizerSummary() {
    QFETCH(QString, override);
    QFETCH(QString, expected);
    core::ExperimentConfig c;
    if (override == "nomax") c.optimizer.maxLr.reset();
    if (override == "sgd" || override == "sps" || override == "l4mom")
        c.optimizer.name = override.toStdString();
    ui::Run run("id", "n", Qt::blue, c);
    QCOMPARE(run.optimizerSummary(), expected);
}

QTEST_MAIN(TestUiRun)
#include "tst_ui_run.moc"
