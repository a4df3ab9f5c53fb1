// The plots' data model (ui/plots/plot_model.h) without a widget: seed groups against a hand
// computation, the robust auto-range with a diverged run, smoothing and the x mapping.

#include "common/test_support.h"
#include "ui/plots/plot_model.h"

#include <QtTest/QtTest>

#include <cmath>

using namespace alig::ui::plotmodel;

class TestUiPlotModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void seedGroupMeanAndStd();
    void seedGroupMinMax();
    void membersAreReadBetweenTheirPoints();
    void onlyTheRangeEveryMemberCovers();
    void divergedRunDoesNotFlattenTheOthers_data();
    void divergedRunDoesNotFlattenTheOthers();
    void aDivergedRunAloneSetsTheRange();
    void smoothingIsTensorBoards();
    void xMapping();
};

namespace {

// Three seeds of one setting, by hand:
//   x = 1: 1, 3, 2 -> mean 2, sample sd sqrt((1 + 1 + 0) / 2) = 1
//   x = 2: 2, 4, 6 -> mean 4, sd sqrt((4 + 0 + 4) / 2) = 2
//   x = 3: 3, 5, 4 -> mean 4, sd sqrt((1 + 1 + 0) / 2) = 1
std::vector<Curve> threeSeeds() {
    return {{{1, 2, 3}, {1, 2, 3}}, {{1, 2, 3}, {3, 4, 5}}, {{1, 2, 3}, {2, 6, 4}}};
}

} // namespace

void TestUiPlotModel::seedGroupMeanAndStd() {
    const Band b = aggregate(threeSeeds(), Spread::StdDev);
    QCOMPARE(b.x, (std::vector<double>{1, 2, 3}));
    QCOMPARE(b.mean, (std::vector<double>{2, 4, 4}));
    QCOMPARE(b.lower, (std::vector<double>{1, 2, 3}));
    QCOMPARE(b.upper, (std::vector<double>{3, 6, 5}));
    QCOMPARE(b.count, (std::vector<int>{3, 3, 3}));
    // One run: its own curve, no band.
    const Band one = aggregate({threeSeeds()[1]}, Spread::StdDev);
    QCOMPARE(one.mean, (std::vector<double>{3, 4, 5}));
    QCOMPARE(one.lower, one.mean);
}

void TestUiPlotModel::seedGroupMinMax() {
    const Band b = aggregate(threeSeeds(), Spread::MinMax);
    QCOMPARE(b.lower, (std::vector<double>{1, 2, 3}));
    QCOMPARE(b.upper, (std::vector<double>{3, 6, 5}));
    // A NaN (a step of a diverged seed) leaves that member out at that x only.
    auto seeds = threeSeeds();
    seeds[2].y[1] = std::nan("");
    const Band c = aggregate(seeds, Spread::MinMax);
    QCOMPARE(c.mean[1], 3.0); // (2 + 4) / 2
    QCOMPARE(c.count[1], 2);
}

void TestUiPlotModel::membersAreReadBetweenTheirPoints() {
    // Wall time: each seed has its own x. The second is read at x = 2 as 4 (halfway
    // between (0, 0) and (4, 8)).
    const std::vector<Curve> members{{{2}, {2}}, {{0, 4}, {0, 8}}};
    const Band b = aggregate(members, Spread::StdDev);
    QCOMPARE(b.x, std::vector<double>{2});
    QCOMPARE(b.mean, std::vector<double>{3});
    QVERIFY(alig::test::near(b.upper[0], 3 + std::sqrt(2.0))); // sd of {2, 4}
}

void TestUiPlotModel::onlyTheRangeEveryMemberCovers() {
    // A seed still training (to x = 2) limits the band to what all of them have.
    const std::vector<Curve> members{{{1, 2, 3, 4}, {1, 1, 1, 1}}, {{1, 2}, {3, 3}}};
    const Band b = aggregate(members, Spread::StdDev);
    QCOMPARE(b.x, (std::vector<double>{1, 2}));
    QCOMPARE(b.mean, (std::vector<double>{2, 2}));
}

void TestUiPlotModel::divergedRunDoesNotFlattenTheOthers_data() {
    QTest::addColumn<bool>("logScale");
    QTest::addColumn<bool>("flagged");
    QTest::newRow("log, seen by its values") << true << false;
    QTest::newRow("linear, seen by its values") << false << false;
    QTest::newRow("log, status diverged") << true << true;
}

void TestUiPlotModel::divergedRunDoesNotFlattenTheOthers() {
    QFETCH(bool, logScale);
    QFETCH(bool, flagged);
    // Four healthy losses between 0.1 and 2.3, one run that went to 1e25.
    std::vector<RunRange> runs{{0.1, 2.0, true, false},
                               {0.2, 2.3, true, false},
                               {0.15, 1.9, true, false},
                               {0.12, 2.1, true, false},
                               {0.3, 1e25, true, flagged}};
    const AxisRange r = robustRange(runs, logScale);
    QVERIFY(r.valid);
    QCOMPARE(r.lower, 0.1);
    QCOMPARE(r.upper, 2.3);
    QCOMPARE(r.outliers, std::vector<size_t>{4});
    // Without it, nothing is an outlier.
    runs.pop_back();
    QVERIFY(robustRange(runs, logScale).outliers.empty());
}

void TestUiPlotModel::aDivergedRunAloneSetsTheRange() {
    const AxisRange r = robustRange({{0.3, 1e25, true, true}}, true);
    QCOMPARE(r.upper, 1e25);
    QVERIFY(r.outliers.empty());
    // Beside one healthy run, the flag decides.
    const AxisRange two = robustRange({{0.1, 2, true, false}, {0.3, 1e25, true, true}}, true);
    QCOMPARE(two.upper, 2.0);
    QCOMPARE(two.outliers, std::vector<size_t>{1});
    // A log axis cannot show values <= 0: such a run is left out.
    QVERIFY(!robustRange({{0.0, 1.0, true, false}}, true).valid);
}

void TestUiPlotModel::smoothingIsTensorBoards() {
    // weight 0.5: ema = 0.5 ema + 0.5 x, divided by 1 - 0.5^n.
    //   x = 2: ema 1, /0.5 -> 2;  x = 4: ema 2.5, /0.75 -> 10/3
    const auto s = smooth({2, 4, std::nan("")}, 0.5);
    QCOMPARE(s[0], 2.0);
    QVERIFY(alig::test::near(s[1], 10.0 / 3.0));
    QVERIFY(std::isnan(s[2]));
    QCOMPARE(smooth({1, 5}, 0.0), (std::vector<double>{1, 5}));
}

void TestUiPlotModel::xMapping() {
    QCOMPARE(xOf(XMode::Step, 30, 2, 1.5, 20), 30.0);
    QCOMPARE(xOf(XMode::Epoch, 30, 2, 1.5, 20), 1.5);
    QCOMPARE(xOf(XMode::Epoch, 30, 2, 1.5, 0), 2.0); // steps per epoch not known yet
    QCOMPARE(xOf(XMode::WallTime, 30, 2, 1.5, 20), 1.5);
}

QTEST_GUILESS_MAIN(TestUiPlotModel)
#include "tst_ui_plot_model.moc"
