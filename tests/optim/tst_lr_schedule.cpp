// LrSchedule::factor against factors computed by hand, and its validation messages.

#include "common/test_support.h"
#include "core/optim/lr_schedule.h"
#include "core/optim/optimizer_factory.h"
#include "core/util/choice.h"
#include "core/util/error.h"

#include <QtTest/QtTest>

#include <cmath>
#include <vector>

using namespace alig::core;

Q_DECLARE_METATYPE(std::vector<int64_t>)

class TestLrSchedule : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void factor_data();
    void factor();
    void fromConfig();
    void invalid_data();
    void invalid();
};

void TestLrSchedule::factor_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<std::vector<int64_t>>("milestones");
    QTest::addColumn<double>("gamma");
    QTest::addColumn<double>("minFactor");
    QTest::addColumn<int>("warmup");
    QTest::addColumn<int>("step");
    QTest::addColumn<int>("perEpoch");
    QTest::addColumn<int>("total");
    QTest::addColumn<double>("expected");

    using M = std::vector<int64_t>;
    const M wrn{60, 120, 160}, densenet{150, 225};
    // constant: always 1
    QTest::newRow("constant, first")
        << "constant" << M{} << 0.1 << 0.0 << 0 << 0 << 10 << 100 << 1.0;
    QTest::newRow("constant, last")
        << "constant" << M{} << 0.1 << 0.0 << 0 << 99 << 10 << 100 << 1.0;
    // The paper's WRN schedule, 10 steps an epoch: epoch 59 (steps 590-599) is still at 1,
    // epoch 60 starts at 0.2, then 0.2^2 = 0.04 from epoch 120, 0.2^3 = 0.008 from 160.
    QTest::newRow("wrn, last step of epoch 59")
        << "step" << wrn << 0.2 << 0.0 << 0 << 599 << 10 << 2000 << 1.0;
    QTest::newRow("wrn, first step of epoch 60")
        << "step" << wrn << 0.2 << 0.0 << 0 << 600 << 10 << 2000 << 0.2;
    QTest::newRow("wrn, epoch 119")
        << "step" << wrn << 0.2 << 0.0 << 0 << 1199 << 10 << 2000 << 0.2;
    QTest::newRow("wrn, epoch 120")
        << "step" << wrn << 0.2 << 0.0 << 0 << 1200 << 10 << 2000 << 0.04;
    QTest::newRow("wrn, epoch 199")
        << "step" << wrn << 0.2 << 0.0 << 0 << 1999 << 10 << 2000 << 0.008;
    // DenseNet: x0.1 at 150 and 225, one step an epoch.
    QTest::newRow("densenet, epoch 149")
        << "step" << densenet << 0.1 << 0.0 << 0 << 149 << 1 << 300 << 1.0;
    QTest::newRow("densenet, epoch 150")
        << "step" << densenet << 0.1 << 0.0 << 0 << 150 << 1 << 300 << 0.1;
    QTest::newRow("densenet, epoch 225")
        << "step" << densenet << 0.1 << 0.0 << 0 << 225 << 1 << 300 << 0.01;
    // cosine over 100 steps: (1 + cos(pi t / 100)) / 2
    QTest::newRow("cosine, start") << "cosine" << M{} << 0.1 << 0.0 << 0 << 0 << 10 << 100 << 1.0;
    QTest::newRow("cosine, quarter") // (1 + cos(pi/4)) / 2 = (1 + 0.70710678...) / 2
        << "cosine" << M{} << 0.1 << 0.0 << 0 << 25 << 10 << 100 << 0.85355339059327373;
    QTest::newRow("cosine, half") << "cosine" << M{} << 0.1 << 0.0 << 0 << 50 << 10 << 100 << 0.5;
    QTest::newRow("cosine, end") << "cosine" << M{} << 0.1 << 0.0 << 0 << 100 << 10 << 100 << 0.0;
    QTest::newRow("cosine, past the end")
        << "cosine" << M{} << 0.1 << 0.0 << 0 << 130 << 10 << 100 << 0.0;
    QTest::newRow("cosine, min 0.1, half") // 0.1 + 0.9 * 0.5
        << "cosine" << M{} << 0.1 << 0.1 << 0 << 50 << 10 << 100 << 0.55;
    // Warm-up of 2 epochs (20 steps): (step + 1) / 20, then the kind's factor.
    QTest::newRow("warm-up, first step")
        << "constant" << M{} << 0.1 << 0.0 << 2 << 0 << 10 << 100 << 0.05;
    QTest::newRow("warm-up, step 9")
        << "constant" << M{} << 0.1 << 0.0 << 2 << 9 << 10 << 100 << 0.5;
    QTest::newRow("warm-up, last warm step")
        << "constant" << M{} << 0.1 << 0.0 << 2 << 19 << 10 << 100 << 1.0;
    QTest::newRow("warm-up, after")
        << "constant" << M{} << 0.1 << 0.0 << 2 << 20 << 10 << 100 << 1.0;
    // Warm-up of 1 epoch (10 steps) with cosine over the remaining 100 of 110 steps.
    QTest::newRow("warm-up + cosine, step 4") // 5/10 * 1
        << "cosine" << M{} << 0.1 << 0.0 << 1 << 4 << 10 << 110 << 0.5;
    QTest::newRow("warm-up + cosine, step 60") // t = 50 of 100
        << "cosine" << M{} << 0.1 << 0.0 << 1 << 60 << 10 << 110 << 0.5;
    // Warm-up composes with step decay: milestone at epoch 1 (step 4 with 4 steps an epoch).
    QTest::newRow("warm-up + step, step 1") // 2/4
        << "step" << M{1} << 0.5 << 0.0 << 1 << 1 << 4 << 40 << 0.5;
    QTest::newRow("warm-up + step, step 4")
        << "step" << M{1} << 0.5 << 0.0 << 1 << 4 << 4 << 40 << 0.5;
    QTest::newRow("steps per epoch 0 is 1")
        << "step" << M{3} << 0.5 << 0.0 << 0 << 3 << 0 << 10 << 0.5;
}

void TestLrSchedule::factor() {
    QFETCH(QString, kind);
    QFETCH(std::vector<int64_t>, milestones);
    QFETCH(double, gamma);
    QFETCH(double, minFactor);
    QFETCH(int, warmup);
    QFETCH(int, step);
    QFETCH(int, perEpoch);
    QFETCH(int, total);
    QFETCH(double, expected);
    LrSchedule s;
    s.kind = scheduleChoices().parse(kind.toStdString());
    s.milestones = milestones;
    s.gamma = gamma;
    s.minFactor = minFactor;
    s.warmupEpochs = warmup;
    s.validate();
    ALIG_COMPARE_NEAR(s.factor(step, perEpoch, total), expected, 1e-12);
    QCOMPARE(s.isConstant(), kind == "constant" && warmup == 0);
}

void TestLrSchedule::fromConfig() {
    OptimizerConfig c;
    QVERIFY(LrSchedule::fromConfig(c).isConstant());
    c.schedule = "step";
    c.milestones = {150, 225};
    c.gamma = 0.1;
    c.warmupEpochs = 5;
    c.minLrFactor = 0.25;
    const LrSchedule s = LrSchedule::fromConfig(c);
    QVERIFY(s.kind == ScheduleKind::Step);
    c.schedule = "exponential";
    const QString error = alig::test::errorOf([&] { LrSchedule::fromConfig(c); });
    QVERIFY2(error.startsWith("optimizer.schedule: must be one of constant, step, cosine, got "
                              "\"exponential\""),
             qPrintable(error));
    QCOMPARE(s.milestones, c.milestones);
    QCOMPARE(s.gamma, 0.1);
    QCOMPARE(s.warmupEpochs, int64_t{5});
    QCOMPARE(s.minFactor, 0.25);
}

void TestLrSchedule::invalid_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<std::vector<int64_t>>("milestones");
    QTest::addColumn<double>("gamma");
    QTest::addColumn<double>("minFactor");
    QTest::addColumn<int>("warmup");
    QTest::addColumn<QString>("message");
    using M = std::vector<int64_t>;
    QTest::newRow("step without milestones")
        << "step" << M{} << 0.1 << 0.0 << 0
        << "optimizer.milestones: the step schedule needs at least one epoch";
    QTest::newRow("milestone 0") << "step" << M{0, 5} << 0.1 << 0.0 << 0
                                 << "optimizer.milestones[0]: must be >= 1, got 0";
    QTest::newRow("milestones not increasing")
        << "step" << M{120, 60} << 0.1 << 0.0 << 0
        << "optimizer.milestones: must increase, got 120 then 60";
    QTest::newRow("gamma 0") << "step" << M{10} << 0.0 << 0.0 << 0
                             << "optimizer.gamma: must be in (0, 1], got 0";
    QTest::newRow("gamma above 1")
        << "step" << M{10} << 1.5 << 0.0 << 0 << "optimizer.gamma: must be in (0, 1], got 1.5";
    QTest::newRow("min factor above 1") << "cosine" << M{} << 0.1 << 1.5 << 0
                                        << "optimizer.min_lr_factor: must be in [0, 1], got 1.5";
    QTest::newRow("negative warm-up") << "constant" << M{} << 0.1 << 0.0 << -1
                                      << "optimizer.warmup_epochs: must be in [0, 1000000]";
}

void TestLrSchedule::invalid() {
    QFETCH(QString, kind);
    QFETCH(std::vector<int64_t>, milestones);
    QFETCH(double, gamma);
    QFETCH(double, minFactor);
    QFETCH(int, warmup);
    QFETCH(QString, message);
    LrSchedule s;
    s.kind = scheduleChoices().parse(kind.toStdString());
    s.milestones = milestones;
    s.gamma = gamma;
    s.minFactor = minFactor;
    s.warmupEpochs = warmup;
    const QString error = alig::test::errorOf([&] { s.validate(); });
    QVERIFY2(error.startsWith(message), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestLrSchedule)
#include "tst_lr_schedule.moc"
