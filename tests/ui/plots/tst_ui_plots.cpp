// The live plots: per-series point counts after batches, visibility, removal, x axis modes,
// smoothing against an independent EMA, clipped markers, the max_lr line, log axes, exports,
// replot coalescing, follow, settings and the PlotsView controls.

#include "common/test_support.h"
#include "core/optim/optimizer_catalogue.h"
#include "ui/plots/accuracy_plot.h"
#include "ui/plots/debiased_ema.h"
#include "ui/plots/grad_norm_plot.h"
#include "ui/plots/loss_plot.h"
#include "ui/plots/plots_view.h"
#include "ui/plots/step_size_plot.h"
#include "ui/run/run.h"

#include <QtTest/QtTest>
#include <QtWidgets/QtWidgets>

#include <cmath>
#include <limits>

using namespace alig;
using ui::Series;

Q_DECLARE_METATYPE(ui::XAxisMode)

namespace {

constexpr int kStepsPerEpoch = 50;
constexpr int kEpochs = 3;
constexpr int kSteps = kStepsPerEpoch * kEpochs;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Step i of the hand-made ALI-G run: a decaying, wiggling loss, a gradient norm around 1,
// max_lr 0.1 until step 75 and 0.05 after (so both caps clip some steps).
core::StepMetrics stepAt(int i) {
    core::StepMetrics m;
    m.step = i;
    m.epoch = (i - 1) / kStepsPerEpoch + 1;
    m.loss = 2.0 * std::exp(-i / 30.0) + 0.02 + 0.01 * std::sin(i);
    m.accuracy = std::min(1.0, i / 150.0);
    m.gradNorm = 1.0 + 0.5 * std::cos(i / 10.0);
    m.unclippedStepSize = m.loss / (m.gradNorm * m.gradNorm + 1e-5);
    m.maxLr = i <= 75 ? 0.1 : 0.05;
    m.clipped = m.unclippedStepSize > m.maxLr;
    m.stepSize = std::min(m.unclippedStepSize, m.maxLr);
    m.elapsed = 0.02 * i;
    return m;
}

core::EpochMetrics epochAt(int e) {
    core::EpochMetrics m;
    m.epoch = e;
    m.step = e * kStepsPerEpoch;
    m.trainLoss = 1.0 / e;
    m.testLoss = 1.2 / e;
    m.trainAccuracy = 0.5 + 0.1 * e;
    m.testAccuracy = 0.45 + 0.1 * e;
    m.elapsed = 1.0 * e + 0.1;
    return m;
}

std::vector<core::StepMetrics> steps(int first, int last) { // inclusive, 1-based
    std::vector<core::StepMetrics> out;
    for (int i = first; i <= last; ++i)
        out.push_back(stepAt(i));
    return out;
}

ui::Run* makeRun(const QString& id) {
    auto* run = new ui::Run(id, id, ui::RunRegistry::palette().at(0), core::ExperimentConfig{});
    run->setStepsPerEpoch(kStepsPerEpoch);
    return run;
}

// Feeds the whole run in uneven batches (7 steps), with each epoch's metrics after its
// last step, as a RunController does.
void feed(ui::Run* run, int batch = 7) {
    for (int first = 1; first <= kSteps; first += batch) {
        const int last = std::min(kSteps, first + batch - 1);
        run->appendSteps(steps(first, last));
        for (int e = 1; e <= kEpochs; ++e)
            if (e * kStepsPerEpoch >= first && e * kStepsPerEpoch <= last)
                run->appendEpochs({epochAt(e)});
    }
}

int clippedCount() {
    int n = 0;
    for (int i = 1; i <= kSteps; ++i)
        n += stepAt(i).clipped ? 1 : 0;
    return n;
}

QVector<double> keysOf(const QCPGraph* g) {
    QVector<double> keys;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
        keys.append(it->key);
    return keys;
}

QVector<double> valuesOf(const QCPGraph* g) {
    QVector<double> values;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
        values.append(it->value);
    return values;
}

} // namespace

class TestUiPlots : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void pointCountsMatchTheRunAfterBatches();
    void runAddedBeforeThePlotIsDrawnToo();
    void visibilityHidesAndShows();
    void runRemovedRemovesGraphs();
    void metricsClearedEmptiesGraphs();
    void xAxisKeys_data();
    void xAxisKeys();
    void smoothedLossIsDebiasedEma_data();
    void smoothedLossIsDebiasedEma();
    void clippedMarkersOnClippedSteps();
    void maxLrLineFollowsTheChange();
    void maxLrNaNDrawsNothing();
    void logAxesByDefault();
    void methodQuantitiesDrawnWhenAsked();
    void nonPositiveValuesSkippedOnLogAxes();
    void accuracyInPercent();
    void exportsWriteFiles();
    void replotsAreCoalesced();
    void legendGainsKindsAsDataArrives();
    void shortPlotsFoldTheLegendAndShortenTheLabel();
    void seedGroupsDrawOneMeanWithABand();
    void divergedRunIsClippedNotFlatteningTheOthers();
    void toolTipShowsNearestPointPerRun();
    void followKeepsNewestInViewUntilTheUserZooms();
    void settingsRoundTripAndClamp();
    void plotsViewAppliesSettings();
    void screenshot();
};

void TestUiPlots::pointCountsMatchTheRunAfterBatches() {
    ui::RunRegistry registry;
    ui::LossPlot loss(&registry);
    ui::AccuracyPlot accuracy(&registry);
    ui::StepSizePlot stepSize(&registry);
    ui::GradNormPlot gradNorm(&registry);
    ui::Run* run = makeRun("a");
    registry.add(run);
    feed(run);
    QCOMPARE(run->steps().size(), size_t{kSteps});
    QCOMPARE(loss.pointCount(run, Series::RawLoss), kSteps);
    QCOMPARE(loss.pointCount(run, Series::SmoothedLoss), kSteps);
    QCOMPARE(loss.pointCount(run, Series::TrainLoss), kEpochs);
    QCOMPARE(loss.pointCount(run, Series::TestLoss), kEpochs);
    QCOMPARE(accuracy.pointCount(run, Series::BatchAccuracy), kSteps);
    QCOMPARE(accuracy.pointCount(run, Series::TrainAccuracy), kEpochs);
    QCOMPARE(accuracy.pointCount(run, Series::TestAccuracy), kEpochs);
    QCOMPARE(stepSize.pointCount(run, Series::StepSize), kSteps);
    QCOMPARE(stepSize.pointCount(run, Series::PolyakStepSize), kSteps);
    QCOMPARE(gradNorm.pointCount(run, Series::GradNorm), kSteps);
    QCOMPARE(loss.pointCount(run, Series::GradNorm), -1); // not a series of that plot
    // Appended in order, one point per step.
    QVector<double> expected;
    for (int i = 1; i <= kSteps; ++i)
        expected.append(i);
    QCOMPARE(keysOf(loss.graph(run, Series::RawLoss)), expected);
    QCOMPARE(loss.graph(run, Series::RawLoss)->data()->at(41)->value, stepAt(42).loss);
}

void TestUiPlots::runAddedBeforeThePlotIsDrawnToo() {
    ui::RunRegistry registry;
    ui::Run* run = makeRun("a");
    registry.add(run);
    run->appendSteps(steps(1, 20));
    ui::LossPlot loss(&registry); // a run read from disk exists before the plots
    QCOMPARE(loss.pointCount(run, Series::RawLoss), 20);
    run->appendSteps(steps(21, 30));
    QCOMPARE(loss.pointCount(run, Series::RawLoss), 30);
}

void TestUiPlots::visibilityHidesAndShows() {
    ui::RunRegistry registry;
    ui::LossPlot loss(&registry);
    ui::Run* a = makeRun("a");
    ui::Run* b = makeRun("b");
    registry.add(a);
    registry.add(b);
    feed(a);
    feed(b);
    const auto visibleGraphs = [&](ui::Run* run) {
        int n = 0;
        for (Series s : loss.series())
            n += loss.graph(run, s)->visible() ? 1 : 0;
        return n;
    };
    QCOMPARE(visibleGraphs(a), 4);
    loss.flush();
    const int legendWithBoth = loss.legend->itemCount();
    a->setVisible(false);
    QCOMPARE(visibleGraphs(a), 0);
    QCOMPARE(visibleGraphs(b), 4);
    loss.flush();
    // The plot's legend names series kinds only (runs are in the run legend): b still has
    // data of every kind.
    QCOMPARE(loss.legend->itemCount(), legendWithBoth);
    a->setVisible(true);
    QCOMPARE(visibleGraphs(a), 4);
    loss.setSeriesVisible(Series::RawLoss, false); // "Raw loss" unticked
    QVERIFY(!loss.graph(a, Series::RawLoss)->visible());
    QCOMPARE(loss.pointCount(a, Series::RawLoss), kSteps); // hidden, still held
}

void TestUiPlots::runRemovedRemovesGraphs() {
    ui::RunRegistry registry;
    ui::StepSizePlot plot(&registry);
    const int empty = plot.graphCount();
    ui::Run* a = makeRun("a");
    registry.add(a);
    feed(a);
    QVERIFY(plot.graphCount() > empty);
    registry.remove(a);
    QCOMPARE(plot.graphCount(), empty);
    QVERIFY(plot.graph(a, Series::StepSize) == nullptr);
    QCOMPARE(plot.pointCount(a, Series::StepSize), -1);
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete); // a is deleted
    plot.flush();                                                        // nothing dangles
}

void TestUiPlots::metricsClearedEmptiesGraphs() {
    ui::RunRegistry registry;
    ui::StepSizePlot plot(&registry);
    ui::Run* a = makeRun("a");
    registry.add(a);
    feed(a);
    a->clearMetrics();
    for (Series s : plot.series())
        QCOMPARE(plot.pointCount(a, s), 0);
    a->appendSteps(steps(1, 10)); // a restarted run starts over cleanly
    QCOMPARE(plot.pointCount(a, Series::StepSize), 10);
    QCOMPARE(plot.pointCount(a, Series::MaxLr), 2); // 0.1 at step 1, repeated at step 10
}

void TestUiPlots::xAxisKeys_data() {
    QTest::addColumn<ui::XAxisMode>("mode");
    QTest::newRow("step") << ui::XAxisMode::Step;
    QTest::newRow("epoch") << ui::XAxisMode::Epoch;
    QTest::newRow("wall time") << ui::XAxisMode::WallTime;
}

void TestUiPlots::xAxisKeys() {
    QFETCH(ui::XAxisMode, mode);
    // Expected keys from the definitions: step; step / stepsPerEpoch; StepMetrics::elapsed.
    // Epoch markers: EpochMetrics::step, step / stepsPerEpoch (= the epoch), elapsed.
    const auto stepKey = [mode](const core::StepMetrics& m) {
        return mode == ui::XAxisMode::Step    ? double(m.step)
               : mode == ui::XAxisMode::Epoch ? double(m.step) / kStepsPerEpoch
                                              : m.elapsed;
    };
    const auto epochKey = [mode](const core::EpochMetrics& m) {
        return mode == ui::XAxisMode::Step    ? double(m.step)
               : mode == ui::XAxisMode::Epoch ? double(m.epoch)
                                              : m.elapsed;
    };
    ui::RunRegistry registry;
    ui::LossPlot loss(&registry);
    ui::Run* a = makeRun("a");
    registry.add(a);
    // Half before the switch (rebuilt), half after (appended in the new mode).
    for (int i = 1; i <= 70; i += 10)
        a->appendSteps(steps(i, i + 9));
    a->appendEpochs({epochAt(1)});
    loss.setXAxisMode(mode);
    for (int i = 71; i <= kSteps; i += 10)
        a->appendSteps(steps(i, i + 9));
    a->appendEpochs({epochAt(2), epochAt(3)});
    QVector<double> expected, expectedEpochs;
    for (int i = 1; i <= kSteps; ++i)
        expected.append(stepKey(stepAt(i)));
    for (int e = 1; e <= kEpochs; ++e)
        expectedEpochs.append(epochKey(epochAt(e)));
    QCOMPARE(keysOf(loss.graph(a, Series::RawLoss)), expected);
    QCOMPARE(keysOf(loss.graph(a, Series::SmoothedLoss)), expected);
    QCOMPARE(keysOf(loss.graph(a, Series::TestLoss)), expectedEpochs);
    const QString label = mode == ui::XAxisMode::Step    ? "step"
                          : mode == ui::XAxisMode::Epoch ? "epoch"
                                                         : "wall time (s)";
    QCOMPARE(loss.xAxis->label(), label);
}

void TestUiPlots::smoothedLossIsDebiasedEma_data() {
    QTest::addColumn<double>("smoothing");
    QTest::newRow("0 (raw)") << 0.0;
    QTest::newRow("0.6 (default)") << 0.6;
    QTest::newRow("0.99") << 0.99;
}

void TestUiPlots::smoothedLossIsDebiasedEma() {
    QFETCH(double, smoothing);
    // Steps 10 and 20 diverge (NaN, inf): TensorBoard's smoothing skips them.
    std::vector<core::StepMetrics> all = steps(1, kSteps);
    all[9].loss = kNaN;
    all[19].loss = std::numeric_limits<double>::infinity();
    // Independent reference: the textbook formula with pow(), over the finite samples.
    QVector<double> expectedKeys, expectedValues;
    double ema = 0.0;
    int n = 0;
    for (const auto& m : all) {
        if (!std::isfinite(m.loss)) continue;
        ema = smoothing * ema + (1.0 - smoothing) * m.loss;
        ++n;
        expectedKeys.append(double(m.step));
        expectedValues.append(ema / (1.0 - std::pow(smoothing, n)));
    }
    ui::RunRegistry registry;
    ui::LossPlot loss(&registry);
    loss.setSmoothing(smoothing == 0.6 ? 0.3 : 0.6); // then changed: the series is rebuilt
    ui::Run* a = makeRun("a");
    registry.add(a);
    for (size_t i = 0; i < all.size(); i += 13)
        a->appendSteps({all.begin() + i, all.begin() + std::min(all.size(), i + 13)});
    loss.setSmoothing(smoothing);
    a->appendSteps({stepAt(kSteps + 1)}); // and appended after the change
    ema = smoothing * ema + (1.0 - smoothing) * stepAt(kSteps + 1).loss;
    ++n;
    expectedKeys.append(kSteps + 1);
    expectedValues.append(ema / (1.0 - std::pow(smoothing, n)));

    const QCPGraph* g = loss.graph(a, Series::SmoothedLoss);
    QCOMPARE(keysOf(g), expectedKeys);
    const QVector<double> values = valuesOf(g);
    for (int i = 0; i < values.size(); ++i)
        ALIG_COMPARE_NEAR(values[i], expectedValues[i], 1e-12);
    QCOMPARE(loss.pointCount(a, Series::RawLoss), kSteps + 1 - 2); // NaN, inf not drawn
    if (smoothing == 0.0) QCOMPARE(values.first(), all[0].loss);
}

void TestUiPlots::clippedMarkersOnClippedSteps() {
    ui::RunRegistry registry;
    ui::StepSizePlot plot(&registry);
    ui::Run* a = makeRun("a");
    registry.add(a);
    feed(a);
    const int clipped = clippedCount();
    QVERIFY(clipped > 0 && clipped < kSteps); // the fixture clips some, not all
    QCOMPARE(plot.pointCount(a, Series::ClippedSteps), clipped);
    const QCPGraph* g = plot.graph(a, Series::ClippedSteps);
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
        const core::StepMetrics m = stepAt(int(it->key));
        QVERIFY(m.clipped);
        QCOMPARE(it->value, m.maxLr); // a clipped step is max_lr: the marker sits on the line
    }
}

void TestUiPlots::maxLrLineFollowsTheChange() {
    ui::RunRegistry registry;
    ui::StepSizePlot plot(&registry);
    ui::Run* a = makeRun("a");
    registry.add(a);
    a->appendSteps(steps(1, 7));
    const QCPGraph* g = plot.graph(a, Series::MaxLr);
    QCOMPARE(g->lineStyle(), QCPGraph::lsStepLeft);
    // Only the change points and the newest step, however many steps there are.
    QCOMPARE(keysOf(g), (QVector<double>{1, 7}));
    a->appendSteps(steps(8, 60));
    QCOMPARE(keysOf(g), (QVector<double>{1, 60}));
    QCOMPARE(valuesOf(g), (QVector<double>{0.1, 0.1}));
    ui::Run* b = makeRun("b");
    registry.add(b);
    feed(b);
    const QCPGraph* gb = plot.graph(b, Series::MaxLr);
    QCOMPARE(keysOf(gb), (QVector<double>{1, 76, kSteps}));
    QCOMPARE(valuesOf(gb), (QVector<double>{0.1, 0.05, 0.05}));
}

void TestUiPlots::maxLrNaNDrawsNothing() {
    ui::RunRegistry registry;
    ui::StepSizePlot plot(&registry);
    ui::Run* sgd = makeRun("sgd");
    registry.add(sgd);
    std::vector<core::StepMetrics> batch = steps(1, 40);
    for (auto& m : batch) { // SGD: no max_lr, the step size is the learning rate
        m.maxLr = kNaN;
        m.stepSize = m.unclippedStepSize = 0.01;
        m.clipped = false;
    }
    sgd->appendSteps(batch);
    QCOMPARE(plot.pointCount(sgd, Series::MaxLr), 0);
    QCOMPARE(plot.pointCount(sgd, Series::ClippedSteps), 0);
    QCOMPARE(plot.pointCount(sgd, Series::StepSize), 40);
    // An ALI-G run whose max_lr is dropped mid-run: a NaN point ends the line there.
    ui::Run* alig = makeRun("alig");
    registry.add(alig);
    std::vector<core::StepMetrics> b2 = steps(1, 20);
    for (int i = 10; i < 20; ++i)
        b2[i].maxLr = kNaN;
    alig->appendSteps(b2);
    const QCPGraph* g = plot.graph(alig, Series::MaxLr);
    QCOMPARE(keysOf(g), (QVector<double>{1, 11}));
    QVERIFY(std::isnan(valuesOf(g).at(1)));
}

void TestUiPlots::logAxesByDefault() {
    ui::LossPlot loss;
    ui::StepSizePlot stepSize;
    ui::GradNormPlot gradNorm;
    ui::AccuracyPlot accuracy;
    QCOMPARE(loss.yAxis->scaleType(), QCPAxis::stLogarithmic);
    QCOMPARE(stepSize.yAxis->scaleType(), QCPAxis::stLogarithmic);
    QCOMPARE(gradNorm.yAxis->scaleType(), QCPAxis::stLogarithmic);
    QCOMPARE(accuracy.yAxis->scaleType(), QCPAxis::stLinear);
    QVERIFY(loss.logY());
    QVERIFY(dynamic_cast<QCPAxisTickerLog*>(loss.yAxis->ticker().data()) != nullptr);
    const ui::PlotSettings defaults;
    QVERIFY(defaults.logLoss && defaults.logStepSize && defaults.logGradNorm);
    QCOMPARE(defaults.smoothing, 0.6);
    QVERIFY(defaults.follow && defaults.showRawLoss);
    QCOMPARE(defaults.xAxis, ui::XAxisMode::Step);
    QCOMPARE(loss.yAxis->label(), QString("loss (cross-entropy)"));
    QCOMPARE(accuracy.yAxis->label(), QString("accuracy (%)"));
    QCOMPARE(stepSize.yAxis->label(), QString("effective learning rate"));
    QCOMPARE(gradNorm.yAxis->label(), QString("gradient norm ||g||"));
}

void TestUiPlots::methodQuantitiesDrawnWhenAsked() {
    ui::RunRegistry registry;
    ui::StepSizePlot stepSize(&registry);
    // Every quantity of the catalogue is offered, once, hidden until asked for.
    QStringList expected;
    for (const auto& q : core::reportedQuantities())
        expected.append(QString::fromStdString(q.name));
    QCOMPARE(stepSize.quantities(), expected);
    QVERIFY(expected.contains("d") && expected.contains("truncated"));
    for (const QString& name : expected)
        QVERIFY(!stepSize.isQuantityVisible(name));
    ui::Run* a = makeRun("a");
    registry.add(a);
    // A Prodigy-like run: d on every step but the first ten (not yet reported there), and a
    // truncation flag set on every fifth step.
    std::vector<core::StepMetrics> batch = steps(1, 60);
    int flagged = 0;
    for (auto& m : batch) {
        if (m.step > 10) m.extras.emplace_back("d", 1e-6 * static_cast<double>(m.step));
        const bool truncated = m.step % 5 == 0;
        flagged += truncated ? 1 : 0;
        m.extras.emplace_back("truncated", truncated ? 1.0 : 0.0);
    }
    a->appendSteps(batch);
    stepSize.flush();
    QCOMPARE(stepSize.quantityPointCount(a, "d"), 50);
    QCOMPARE(stepSize.quantityPointCount(a, "truncated"), flagged); // markers where it was 1
    QCOMPARE(stepSize.quantityPointCount(a, "no_such_thing"), -1);
    const int dIndex = static_cast<int>(expected.indexOf("d"));
    QVERIFY(dIndex >= 0);
    // Hidden by default; shown on request, and named in the legend once it has data.
    auto legendHas = [&stepSize](const QString& name) {
        for (int i = 0; i < stepSize.legend->itemCount(); ++i)
            if (auto* item = qobject_cast<QCPPlottableLegendItem*>(stepSize.legend->item(i)))
                if (item->plottable()->name().startsWith(name)) return true;
        return false;
    };
    const QString dLabel = QString::fromStdString(core::reportedQuantities()[dIndex].label);
    QVERIFY(!legendHas(dLabel));
    stepSize.setQuantityVisible("d", true);
    stepSize.flush();
    QVERIFY(stepSize.isQuantityVisible("d"));
    QVERIFY(legendHas(dLabel));
    QVERIFY(!stepSize.isQuantityVisible("truncated"));
}

void TestUiPlots::nonPositiveValuesSkippedOnLogAxes() {
    ui::RunRegistry registry;
    ui::LossPlot loss(&registry);
    ui::StepSizePlot stepSize(&registry);
    stepSize.setSmoothing(0.0); // the raw steps: smoothing would average the 0 away
    ui::Run* a = makeRun("a");
    registry.add(a);
    std::vector<core::StepMetrics> batch = steps(1, 30);
    batch[4].loss = 0.0;
    batch[5].loss = -1.0;
    batch[6].stepSize = 0.0;
    batch[7].unclippedStepSize = -2.0;
    a->appendSteps(batch);
    QCOMPARE(loss.pointCount(a, Series::RawLoss), 28);
    QCOMPARE(stepSize.pointCount(a, Series::StepSize), 29);
    QCOMPARE(stepSize.pointCount(a, Series::PolyakStepSize), 29);
    for (double v : valuesOf(loss.graph(a, Series::RawLoss)))
        QVERIFY(v > 0);
    // The smoothed curve still averages them (smoothing is about the data, not the axis).
    QCOMPARE(loss.pointCount(a, Series::SmoothedLoss), 30);
    loss.setLogY(false); // a linear axis shows them
    QCOMPARE(loss.pointCount(a, Series::RawLoss), 30);
    QCOMPARE(loss.yAxis->scaleType(), QCPAxis::stLinear);
}

void TestUiPlots::accuracyInPercent() {
    ui::RunRegistry registry;
    ui::AccuracyPlot plot(&registry);
    ui::Run* a = makeRun("a");
    registry.add(a);
    feed(a);
    QCOMPARE(valuesOf(plot.graph(a, Series::BatchAccuracy)).last(), 100.0);
    QCOMPARE(valuesOf(plot.graph(a, Series::TestAccuracy)),
             (QVector<double>{100 * epochAt(1).testAccuracy, 100 * epochAt(2).testAccuracy,
                              100 * epochAt(3).testAccuracy}));
}

void TestUiPlots::exportsWriteFiles() {
    ui::RunRegistry registry;
    ui::LossPlot plot(&registry);
    ui::Run* a = makeRun("a");
    registry.add(a);
    feed(a);
    plot.resize(400, 300);
    const QString dir = QString::fromStdString(test::scratchDir("plots_exports"));
    const QString png = dir + "/loss.png";
    QVERIFY(plot.savePng(png));
    QImage image(png);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), QSize(400, 300));
    QVERIFY(plot.savePng(dir + "/loss2x.png", 0, 0, 2.0));
    QCOMPARE(QImage(dir + "/loss2x.png").size(), QSize(800, 600));
    // The plot is not white everywhere: something was drawn.
    bool drawn = false;
    for (int y = 0; y < image.height() && !drawn; y += 3)
        for (int x = 0; x < image.width() && !drawn; x += 3)
            drawn = image.pixelColor(x, y) != QColor(Qt::white);
    QVERIFY(drawn);
    const QString pdf = dir + "/loss.pdf";
    QVERIFY(plot.savePdf(pdf));
    QFile file(pdf);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.size() > 1000);
    QVERIFY(file.read(4) == "%PDF");
    QVERIFY(plot.copyToClipboard());
    QVERIFY(!QGuiApplication::clipboard()->pixmap().isNull());
    QVERIFY(!plot.savePng("/nonexistent-dir/x.png")); // failure is a value, not a crash
}

void TestUiPlots::replotsAreCoalesced() {
    ui::RunRegistry registry;
    ui::LossPlot plot(&registry);
    ui::Run* a = makeRun("a");
    registry.add(a);
    plot.resize(400, 300);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    QTest::qWait(80); // let start-up replots (show, resize, the first timer) pass
    QSignalSpy replots(&plot, &QCustomPlot::afterReplot);
    for (int i = 1; i <= kSteps; i += 3) // 50 batches in a row, as a fast trainer would
        a->appendSteps(steps(i, i + 2));
    QVERIFY(plot.isReplotPending());
    QCoreApplication::processEvents(); // producers never replot themselves
    QCOMPARE(replots.count(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(replots.count(), 1, alig::test::kPatienceMs);
    QVERIFY(!plot.isReplotPending());
    QTest::qWait(100);
    QCOMPARE(replots.count(), 1); // one replot for the 50 batches, nothing after
}

void TestUiPlots::legendGainsKindsAsDataArrives() {
    ui::RunRegistry registry;
    ui::LossPlot plot(&registry);
    ui::Run* a = makeRun("a");
    registry.add(a);
    QTRY_VERIFY(!plot.isReplotPending());
    QCOMPARE(plot.legend->itemCount(), 0); // no series has data yet; runs are named elsewhere
    a->appendSteps(steps(1, 10));
    QTRY_VERIFY(!plot.isReplotPending());
    QCOMPARE(plot.legend->itemCount(), 2); // mini-batch, smoothed
    a->appendEpochs({epochAt(1)});
    QTRY_VERIFY(!plot.isReplotPending());
    QCOMPARE(plot.legend->itemCount(), 4); // + train, test
    // Ten more runs add no entry: the legend explains line styles once, not per run.
    for (int i = 0; i < 10; ++i) {
        ui::Run* r = makeRun(QString("r%1").arg(i));
        registry.add(r);
        r->appendSteps(steps(1, 10));
    }
    QTRY_VERIFY(!plot.isReplotPending());
    QCOMPARE(plot.legend->itemCount(), 4);
}

void TestUiPlots::shortPlotsFoldTheLegendAndShortenTheLabel() {
    ui::RunRegistry registry;
    ui::LossPlot plot(&registry);
    ui::Run* a = makeRun("a");
    registry.add(a);
    feed(a);
    plot.setPresentation(true); // the largest fonts: the tightest case
    plot.resize(420, 460);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    const QString full = QStringLiteral("loss (cross-entropy)");
    auto settle = [&plot](int height) {
        plot.resize(420, height);
        QTRY_COMPARE(plot.height(), height);
        plot.flush();
        plot.replot(); // a replot decides from the layout it is about to make: one is enough
    };
    // Tall: the four kinds of series named above the axes, the whole label.
    settle(460);
    QVERIFY(!plot.isLegendFolded());
    QVERIFY(plot.legend->visible());
    QCOMPARE(plot.legend->layout(), plot.plotLayout());
    int kinds = 0;
    for (int i = 0; i < plot.legend->itemCount(); ++i)
        kinds += plot.legend->item(i) ? 1 : 0;
    QCOMPARE(kinds, 4); // mini-batch, smoothed, train and test per epoch
    QVERIFY(!plot.legend->outerRect().intersects(plot.axisRect()->rect()));
    QCOMPARE(plot.yAxis->label(), full);
    const int tallAxes = plot.axisRect()->height();
    // Short (a stacked column on a 1280x720 projector): the legend leaves the layout, the axes
    // get its height, and the label is one that fits along the axis.
    settle(170);
    QVERIFY(plot.isLegendFolded());
    QVERIFY(!plot.legend->visible());
    QVERIFY(plot.legend->layout() == nullptr);
    const int shortAxes = plot.axisRect()->height();
    QVERIFY2(shortAxes > 0 && shortAxes < tallAxes, qPrintable(QString::number(shortAxes)));
    QVERIFY2(plot.yAxis->label() != full, qPrintable(plot.yAxis->label()));
    const QFontMetrics labels(plot.yAxis->labelFont());
    QVERIFY2(labels.horizontalAdvance(plot.yAxis->label()) <= shortAxes,
             qPrintable(QString("%1 in %2 px").arg(plot.yAxis->label()).arg(shortAxes)));
    // With the legend it would have had less: the legend's rows plus the axes are the height
    // the axes have now.
    const int legendRows = plot.legend->minimumOuterSizeHint().height();
    QVERIFY(legendRows > 0);
    QVERIFY(shortAxes - legendRows < 4 * QFontMetrics(plot.yAxis->tickLabelFont()).height());
    // Tall again: all back.
    settle(460);
    QVERIFY(!plot.isLegendFolded());
    QCOMPARE(plot.legend->layout(), plot.plotLayout());
    QCOMPARE(plot.yAxis->label(), full);
    QCOMPARE(plot.axisRect()->height(), tallAxes);
    plot.setPresentation(false);
}

void TestUiPlots::seedGroupsDrawOneMeanWithABand() {
    ui::RunRegistry registry;
    ui::GradNormPlot plot(&registry);
    // Three seeds of one setting: ||g|| 1, 2 and 6 at every step (smoothing off, so the
    // lines are the values); mean 3, sample sd sqrt((4 + 1 + 9) / 2) = sqrt(7).
    QList<ui::Run*> seeds;
    for (int k = 0; k < 3; ++k) {
        core::ExperimentConfig c;
        c.training.seed = 1 + k;
        auto* run = new ui::Run(QString("s%1").arg(k), QString("s%1").arg(k), Qt::blue, c);
        std::vector<core::StepMetrics> s = steps(1, 20);
        for (auto& m : s)
            m.gradNorm = k == 0 ? 1.0 : k == 1 ? 2.0 : 6.0;
        registry.add(run);
        run->appendSteps(s);
        seeds << run;
    }
    plot.setSmoothing(0.0);
    plot.setSeedGrouping(ui::plotmodel::Spread::StdDev);
    plot.flush();
    QCOMPARE(plot.seedGroupCount(), 1);
    const ui::plotmodel::Band* band = plot.seedBand(seeds[1], Series::GradNorm);
    QVERIFY(band);
    QCOMPARE(band->x.size(), size_t{20});
    QVERIFY(test::near(band->mean[5], 3.0));
    QVERIFY(test::near(band->upper[5], 3.0 + std::sqrt(7.0)));
    QVERIFY(test::near(band->lower[5], 3.0 - std::sqrt(7.0)));
    QVERIFY(!plot.graph(seeds[0], Series::GradNorm)->visible()); // drawn as the group
    // Off again: each run on its own.
    plot.setSeedGrouping(std::nullopt);
    plot.flush();
    QCOMPARE(plot.seedGroupCount(), 0);
    QVERIFY(plot.graph(seeds[0], Series::GradNorm)->visible());
}

void TestUiPlots::divergedRunIsClippedNotFlatteningTheOthers() {
    ui::RunRegistry registry;
    ui::GradNormPlot plot(&registry);
    plot.setSmoothing(0.0);
    for (int k = 0; k < 4; ++k) {
        ui::Run* run = makeRun(QString("ok%1").arg(k));
        registry.add(run);
        run->appendSteps(steps(1, 50));
    }
    ui::Run* wild = makeRun("wild");
    registry.add(wild);
    std::vector<core::StepMetrics> s = steps(1, 50);
    s.back().gradNorm = 1e25; // the step it blew up at
    wild->appendSteps(s);
    plot.flush();
    // ||g|| of the others lies in [0.5, 1.5]: the axis shows that, not 25 decades.
    QVERIFY2(plot.yAxis->range().upper < 10.0,
             qPrintable(QString::number(plot.yAxis->range().upper)));
    QCOMPARE(plot.clippedRuns(), QList<const ui::Run*>{wild});
    // A fixed range wins until it is cleared.
    QVERIFY(plot.setYRange(0.1, 1e30));
    plot.flush();
    QCOMPARE(plot.yAxis->range().upper, 1e30);
    QVERIFY(!plot.setYRange(-1.0, 1.0)); // a log axis cannot go below 0
    plot.clearYRange();
    plot.flush();
    QVERIFY(plot.yAxis->range().upper < 10.0);
}

void TestUiPlots::toolTipShowsNearestPointPerRun() {
    ui::RunRegistry registry;
    ui::GradNormPlot plot(&registry);
    ui::Run* a = makeRun("alpha");
    ui::Run* b = makeRun("beta");
    registry.add(a);
    registry.add(b);
    feed(a);
    b->appendSteps(steps(1, 20)); // ends far left of the cursor: not listed
    plot.resize(500, 300);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.flush();
    const core::StepMetrics m = stepAt(120);
    const QPoint at(int(plot.xAxis->coordToPixel(120)), int(plot.yAxis->coordToPixel(m.gradNorm)));
    QTest::mouseMove(&plot, at);
    QTRY_VERIFY(QToolTip::isVisible());
    const QString text = QToolTip::text();
    QVERIFY2(text.contains("alpha") && text.contains("step 12"), qPrintable(text));
    QVERIFY2(!text.contains("beta"), qPrintable(text));
    QToolTip::hideText();
}

void TestUiPlots::followKeepsNewestInViewUntilTheUserZooms() {
    ui::RunRegistry registry;
    ui::StepSizePlot plot(&registry);
    ui::Run* a = makeRun("a");
    registry.add(a);
    plot.resize(400, 300);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    a->appendSteps(steps(1, 50));
    plot.flush();
    QVERIFY(plot.follow());
    QVERIFY(plot.xAxis->range().contains(50) && plot.xAxis->range().contains(1));
    a->appendSteps(steps(51, 100));
    QTRY_VERIFY(plot.xAxis->range().contains(100)); // the timer moved the view on
    // The value range has a margin and fits the data on the log axis.
    QVERIFY(plot.yAxis->range().lower > 0);
    QVERIFY(plot.yAxis->range().contains(0.1));

    QSignalSpy followChanged(&plot, &ui::MetricPlot::followChanged);
    const QPointF centre = plot.axisRect()->rect().center();
    QWheelEvent wheel(centre, plot.mapToGlobal(centre), QPoint(), QPoint(0, 120), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(&plot, &wheel);
    QVERIFY(!plot.follow());
    QCOMPARE(followChanged.count(), 1);
    const QCPRange zoomed = plot.xAxis->range();
    a->appendSteps(steps(101, 150));
    QTest::qWait(60);
    QCOMPARE(plot.xAxis->range(), zoomed); // the user's view stays put

    QTest::mouseDClick(&plot, Qt::LeftButton, {}, centre.toPoint());
    QVERIFY(plot.follow());
    QCOMPARE(followChanged.count(), 2);
    plot.flush();
    QVERIFY(plot.xAxis->range().contains(150) && plot.xAxis->range().contains(1));
}

void TestUiPlots::settingsRoundTripAndClamp() {
    const QString path =
        QString::fromStdString(test::scratchDir("plots_settings")) + "/settings.ini";
    ui::PlotSettings s;
    s.xAxis = ui::XAxisMode::WallTime;
    s.smoothing = 0.95;
    s.logLoss = false;
    s.logGradNorm = false;
    s.follow = false;
    s.showRawLoss = false;
    s.shownQuantities = {"d", "truncated"};
    {
        QSettings settings(path, QSettings::IniFormat);
        s.save(settings);
    }
    QSettings settings(path, QSettings::IniFormat);
    QCOMPARE(settings.value("plots/x_axis").toString(), QString("wall_time"));
    ui::PlotSettings loaded;
    loaded.load(settings);
    QVERIFY(loaded.follow); // view state: a zoom of the last session does not come back
    loaded.follow = s.follow;
    QVERIFY(loaded == s);
    settings.setValue("plots/smoothing", 5.0);
    settings.setValue("plots/x_axis", "sideways");
    loaded.load(settings);
    QCOMPARE(loaded.smoothing, ui::PlotSettings::kMaxSmoothing);
    QCOMPARE(loaded.xAxis, ui::XAxisMode::WallTime); // an unknown key keeps the value
}

void TestUiPlots::plotsViewAppliesSettings() {
    ui::RunRegistry registry;
    ui::PlotsView view(&registry);
    ui::Run* a = makeRun("a");
    registry.add(a);
    feed(a);
    QCOMPARE(view.lossPlot()->pointCount(a, Series::RawLoss), kSteps);
    QCOMPARE(view.gradNormPlot()->pointCount(a, Series::GradNorm), kSteps);
    QVERIFY(view.settings() == ui::PlotSettings{});

    QSignalSpy changed(&view, &ui::PlotsView::settingsChanged);
    ui::PlotSettings s;
    s.xAxis = ui::XAxisMode::Epoch;
    s.smoothing = 0.9;
    s.logLoss = false;
    s.showRawLoss = false;
    view.setSettings(s);
    QCOMPARE(changed.count(), 1);
    for (ui::MetricPlot* plot : view.plots())
        QCOMPARE(plot->xAxisMode(), ui::XAxisMode::Epoch);
    QCOMPARE(view.lossPlot()->smoothing(), 0.9);
    QVERIFY(!view.lossPlot()->logY());
    QVERIFY(view.stepSizePlot()->logY());
    QVERIFY(!view.lossPlot()->isSeriesVisible(Series::RawLoss));

    // The controls show the settings, and editing them changes the settings.
    auto* combo = view.findChild<QComboBox*>();
    QVERIFY(combo);
    QCOMPARE(combo->currentText(), QString("Epoch"));
    auto* slider = view.findChild<QSlider*>();
    QCOMPARE(slider->value(), 900);
    QVERIFY(!slider->toolTip().isEmpty());
    slider->setValue(0);
    QCOMPARE(view.settings().smoothing, 0.0);
    QCOMPARE(view.lossPlot()->smoothing(), 0.0);
    combo->setCurrentIndex(combo->findText("Wall time"));
    QCOMPARE(view.accuracyPlot()->xAxisMode(), ui::XAxisMode::WallTime);
    for (QWidget* w : view.findChildren<QWidget*>())
        if (qobject_cast<QCheckBox*>(w) || qobject_cast<QComboBox*>(w) || qobject_cast<QSlider*>(w))
            QVERIFY2(!w->toolTip().isEmpty(), qPrintable(w->objectName()));

    // Zooming one plot clears Follow; ticking it again makes every plot follow.
    QCheckBox* follow = nullptr;
    for (QCheckBox* box : view.findChildren<QCheckBox*>())
        if (box->text() == "Follow") follow = box;
    QVERIFY(follow && follow->isChecked());
    QWheelEvent wheel(QPointF(100, 100), QPointF(100, 100), QPoint(), QPoint(0, 120), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(view.gradNormPlot(), &wheel);
    QVERIFY(!view.gradNormPlot()->follow());
    QVERIFY(view.lossPlot()->follow());
    QVERIFY(!follow->isChecked());
    QVERIFY(!view.settings().follow);
    follow->setChecked(true);
    for (ui::MetricPlot* plot : view.plots())
        QVERIFY(plot->follow());
}

// Renders a PlotsView with an ALI-G run that clips early and an SGD run, for looking at.
// Set ALIG_PLOTS_SCREENSHOT=/tmp/plots.png to keep the picture.
void TestUiPlots::screenshot() {
    ui::RunRegistry registry;
    ui::PlotsView view(&registry);
    const auto makeCurve = [&](const QString& name, bool alig) {
        auto* run = new ui::Run(name, name, registry.nextColor(), core::ExperimentConfig{});
        run->setStepsPerEpoch(100);
        registry.add(run);
        std::vector<core::StepMetrics> batch;
        for (int i = 1; i <= 1000; ++i) {
            core::StepMetrics m;
            m.step = i;
            m.epoch = (i - 1) / 100 + 1;
            const double noise = 0.25 * std::sin(i * 12.9898) * std::sin(i * 78.233);
            m.loss = (alig ? 2.3 * std::exp(-i / 150.0) + 0.04 : 2.3 * std::exp(-i / 400.0) + 0.1) *
                     (1.0 + noise);
            m.accuracy = std::clamp(1.0 - m.loss / 2.5 + 0.05 * noise, 0.0, 1.0);
            if (alig) {
                // The Polyak step loss / ||g||^2 starts large (clipped to max_lr) and falls
                // below the cap as the loss shrinks; max_lr is halved at step 300.
                const double polyak = 0.3 * std::exp(-i / 300.0) * (1.0 + 0.8 * noise);
                m.gradNorm = std::sqrt(m.loss / polyak);
                m.maxLr = i <= 300 ? 0.1 : 0.05;
                m.unclippedStepSize = m.loss / (m.gradNorm * m.gradNorm + 1e-5);
                m.clipped = m.unclippedStepSize > m.maxLr;
                m.stepSize = std::min(m.unclippedStepSize, m.maxLr);
            } else {
                m.gradNorm = (2.0 * std::exp(-i / 500.0) + 0.3) * (1.0 + 0.3 * noise);
                m.stepSize = m.unclippedStepSize = 0.01;
            }
            m.elapsed = 0.01 * i;
            batch.push_back(m);
            if (i % 100 == 0) {
                run->appendSteps(batch);
                batch.clear();
                core::EpochMetrics e;
                e.epoch = i / 100;
                e.step = i;
                e.trainLoss = m.loss * 0.9;
                e.testLoss = m.loss * 1.1;
                e.trainAccuracy = std::min(1.0, m.accuracy + 0.02);
                e.testAccuracy = m.accuracy;
                e.elapsed = m.elapsed;
                run->appendEpochs({e});
            }
        }
    };
    makeCurve("ALI-G max_lr 0.1", true);
    makeCurve("SGD lr 0.01", false);
    view.resize(1200, 800);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.flush();
    const QPixmap pixmap = view.grab();
    QVERIFY(!pixmap.isNull());
    const QString path = qEnvironmentVariable("ALIG_PLOTS_SCREENSHOT");
    if (!path.isEmpty()) QVERIFY(pixmap.save(path));
}

QTEST_MAIN(TestUiPlots)
#include "tst_ui_plots.moc"
