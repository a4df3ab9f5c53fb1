// The classroom tabs as a teacher drives them, offscreen: paths on a loss surface (the same
// numbers as core/landscape), a click that moves the start, the playground training a
// spiral with its decision boundary refreshing, a setting that resets it, Step with the
// step anatomy, the interpolation meter per epoch, and presentation mode.

#include "common/test_support.h"
#include "core/landscape/trajectory.h"
#include "core/optim/optimizer_catalogue.h"
#include "ui/classroom/decision_boundary.h"
#include "ui/classroom/playground_view.h"
#include "ui/classroom/step_anatomy_panel.h"
#include "ui/classroom/surface_view.h"
#include "ui/config/experiment_panel.h"
#include "ui/config/number_spin_box.h"
#include "ui/plots/interpolation_plot.h"
#include "ui/plots/loss_plot.h"
#include "ui/plots/plots_view.h"
#include "ui/run/run.h"
#include "ui/run/run_controller.h"
#include "ui/window/main_window.h"
#include "ui/window/runs_table.h"

#include <QDockWidget>
#include <QHeaderView>
#include <QMenuBar>
#include <QStatusBar>
#include <QToolBar>
#include <QtTest/QtTest>
#include <memory>

using namespace alig;

class TestUiClassroom : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { alig::test::isolateSettings(); }
    void surfacePathsAreTheCorePaths();
    void everyMethodWalksTheSurface();
    void clickMovesTheStart();
    void animationStepsEveryPath();
    void everySurfaceDraws();
    void overlappingPathsAreDashedAndSaid();
    void surfaceContoursAndPathCsv();
    void playgroundTrainsAndRefreshesTheBoundary();
    void playgroundSettingResetsTheRun();
    void playgroundStepExplainsEachStep();
    void anatomyExplainsTheTuningFreeMethods_data();
    void anatomyExplainsTheTuningFreeMethods();
    void playgroundRateIsEachMethodsStepSize();
    void windowTabsAnatomyAndMeter();
    void presentationRestoresFontsAndLayout();
    void windowFitsA1280x720Screen();
    void resetLayoutDocksEveryPanel();
    void actionsFollowTheTab();
};

void TestUiClassroom::surfacePathsAreTheCorePaths() {
    ui::SurfaceView view;
    view.resize(1400, 800);
    view.show();
    view.setSurface("quadratic");
    for (const QString& key : view.optimizerKeys())
        view.setOptimizerEnabled(key, key == "alig" || key == "sgd");
    view.setOptimizerRate("alig", 0.5);
    view.setOptimizerRate("sgd", 0.05);
    view.setStepCount(20);
    view.runToEnd();
    QVERIFY(!view.trajectory("adam"));
    const core::Trajectory* a = view.trajectory("alig");
    QVERIFY(a);
    QCOMPARE(int(a->points().size()), 21);
    QCOMPARE(view.curve("alig")->dataCount(), 21);
    QVERIFY(!view.curve("adam")->visible());

    // The same path as core's, from the surface's default start.
    const auto s = core::Surface::make("quadratic");
    core::OptimizerConfig c;
    c.name = "alig";
    c.maxLr = 0.5;
    c.momentum = 0.0;
    core::Trajectory expected(*s, c, s->defaultStart()[0], s->defaultStart()[1]);
    expected.runTo(20);
    for (int k = 0; k <= 20; ++k) {
        QCOMPARE(a->points()[k].x, expected.points()[k].x);
        QCOMPARE(a->points()[k].y, expected.points()[k].y);
    }
    // The table lists the chosen path's steps: position, loss, step size.
    view.setTableOptimizer("sgd");
    QCOMPARE(view.table()->rowCount(), 21);
    QCOMPARE(view.table()->item(20, 0)->text(), QStringLiteral("20"));
    QCOMPARE(view.table()->item(5, 4)->text(), QStringLiteral("0.05"));
    view.setTableOptimizer("alig");
    QCOMPARE(view.table()->item(1, 5)->text().isEmpty(), false); // clipped yes/no
}

void TestUiClassroom::everyMethodWalksTheSurface() {
    // The "other" path takes any method of the catalogue; its path is core's Trajectory of
    // that method at the rate the box shows.
    ui::SurfaceView view;
    view.resize(1400, 800);
    view.show();
    view.setSurface("quadratic");
    for (const QString& key : view.optimizerKeys())
        view.setOptimizerEnabled(key, key == "other");
    view.setStepCount(30);
    const auto s = core::Surface::make("quadratic");
    for (const auto& e : core::optimizerCatalogue()) {
        const QString name = QString::fromStdString(e.name);
        view.otherMethodCombo()->setCurrentIndex(view.otherMethodCombo()->findData(name));
        view.runToEnd();
        const core::Trajectory* t = view.trajectory("other");
        QVERIFY2(t, qPrintable(name));
        QCOMPARE(t->optimizer().name, e.name);
        QCOMPARE(view.curve("other")->name(), QString::fromStdString(e.shortLabel));
        core::OptimizerConfig c;
        c.name = e.name;
        core::setStepSize(c, core::stepSizeOf(t->optimizer()));
        core::Trajectory expected(*s, c, s->defaultStart()[0], s->defaultStart()[1]);
        expected.runTo(30);
        QCOMPARE(t->points().size(), expected.points().size());
        QVERIFY2(t->points().size() > 1, qPrintable(name));
        QCOMPARE(t->points().back().x, expected.points().back().x);
        QCOMPARE(t->points().back().y, expected.points().back().y);
        QCOMPARE(view.curve("other")->dataCount(), static_cast<int>(t->points().size()));
    }
}

void TestUiClassroom::clickMovesTheStart() {
    ui::SurfaceView view;
    view.resize(1400, 800);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setSurface("himmelblau");
    view.plot()->replot();
    const double px = view.plot()->xAxis->coordToPixel(2.0);
    const double py = view.plot()->yAxis->coordToPixel(-1.0);
    QTest::mouseClick(view.plot(), Qt::LeftButton, {}, QPoint(int(px), int(py)));
    QVERIFY(std::abs(view.start().x() - 2.0) < 0.1);
    QVERIFY(std::abs(view.start().y() + 1.0) < 0.1);
    const core::Trajectory* t = view.trajectory("alig");
    QVERIFY(t);
    QCOMPARE(int(t->points().size()), 1); // reset to the new start
    QCOMPARE(t->points()[0].x, view.start().x());
}

void TestUiClassroom::animationStepsEveryPath() {
    ui::SurfaceView view;
    view.show();
    view.setSurface("interpolating");
    view.setStepCount(8);
    view.setAnimating(true);
    QTRY_VERIFY_WITH_TIMEOUT(!view.isAnimating(),
                             alig::test::kPatienceMs); // stops by itself at the last step
    for (const QString& key : {QStringLiteral("alig"), QStringLiteral("sgd")}) {
        const core::Trajectory* t = view.trajectory(key);
        QVERIFY(t);
        QCOMPARE(int(t->points().size()), 9);
        QVERIFY(t->points()[3].sample >= 0); // a stochastic problem draws a sample each step
    }
}

void TestUiClassroom::everySurfaceDraws() {
    ui::SurfaceView view;
    view.resize(1200, 700);
    view.show();
    for (const auto& name : core::surfaceNames()) {
        view.setSurface(QString::fromStdString(name));
        QCOMPARE(view.surfaceName(), QString::fromStdString(name));
        view.setStepCount(30);
        view.runToEnd();
        // ALI-G descends from the default start on every surface, with the default rates.
        const auto& pts = view.trajectory("alig")->points();
        QVERIFY2(pts.back().loss < pts.front().loss, name.c_str());
        QVERIFY(!view.trajectory("alig")->diverged());
        // The legend sits above the surface: no path, wherever it is started, goes under it.
        view.plot()->replot();
        QCPLegend* legend = view.plot()->legend;
        QCOMPARE(legend->layout(), view.plot()->plotLayout());
        for (int i = 0; i < legend->itemCount(); ++i)
            if (const QCPAbstractLegendItem* item = legend->item(i))
                QVERIFY2(!item->outerRect().intersects(view.plot()->axisRect()->rect()),
                         name.c_str());
    }
}

void TestUiClassroom::overlappingPathsAreDashedAndSaid() {
    // On the quadratic, the Polyak step is far above a cap of 0.001: every ALI-G step is
    // clipped to it, which is SGD with lr 0.001, so the two paths are one.
    ui::SurfaceView view;
    view.setSurface("quadratic");
    for (const QString& key : view.optimizerKeys())
        view.setOptimizerEnabled(key, key == "alig" || key == "sgd");
    view.setOptimizerRate("alig", 0.001);
    view.setOptimizerRate("sgd", 0.001);
    view.setStepCount(30);
    view.runToEnd();
    for (const auto& q : view.trajectory("alig")->points())
        QVERIFY(q.step == 0 || q.clipped);
    QVERIFY(view.isDashed("sgd"));
    QVERIFY(!view.isDashed("alig"));
    QCOMPARE(view.curve("sgd")->pen().style(), Qt::DashLine);
    QCOMPARE(view.overlapNotes(),
             QStringList{"ALI-G's path is under SGD's: every step was clipped to max_lr, so the "
                         "two are the same"});
    // Another lr: two paths, no note.
    view.setOptimizerRate("sgd", 0.002);
    view.runToEnd();
    QVERIFY(!view.isDashed("sgd"));
    QCOMPARE(view.curve("sgd")->pen().style(), Qt::SolidLine);
    QVERIFY(view.overlapNotes().isEmpty());
}

void TestUiClassroom::surfaceContoursAndPathCsv() {
    ui::SurfaceView view;
    view.setSurface("rosenbrock");
    QCOMPARE(view.surfaceStyle(), QStringLiteral("colours"));
    QVERIFY(!view.contourCurve()->visible());
    view.setSurfaceStyle("contours");
    QVERIFY(view.contourCurve()->visible());
    QVERIFY(!view.plot()->plottable(0)->visible() || view.surfaceStyle() == "contours");
    // Lines of equal loss inside the surface's bounds, split into segments.
    const auto b = view.surface().bounds();
    int points = 0, gaps = 0;
    for (auto it = view.contourCurve()->data()->constBegin();
         it != view.contourCurve()->data()->constEnd(); ++it) {
        if (std::isnan(it->key)) {
            ++gaps;
            continue;
        }
        ++points;
        QVERIFY(it->key >= b.xMin - 1e-9 && it->key <= b.xMax + 1e-9);
        QVERIFY(it->value >= b.yMin - 1e-9 && it->value <= b.yMax + 1e-9);
    }
    QVERIFY(points > 200 && gaps > 100);
    view.setSurfaceStyle("both");
    QVERIFY(view.contourCurve()->visible());

    // Every step of a path as CSV, to the last digit.
    view.setOptimizerEnabled("alig", true);
    view.setStepCount(20);
    view.runToEnd();
    const QString file = alig::test::scratchPath("surface-csv") + "/alig.csv";
    QCOMPARE(view.exportPathCsv("alig", file), QString());
    QFile in(file);
    QVERIFY(in.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(in.readAll()).split('\n', Qt::SkipEmptyParts);
    const auto& pts = view.trajectory("alig")->points();
    QCOMPARE(lines.size(), static_cast<int>(pts.size()) + 1);
    QVERIFY(lines[0].startsWith("surface,method,step,w1,w2,loss"));
    const QStringList row = lines[2].split(',');
    QCOMPARE(row[0], QStringLiteral("rosenbrock"));
    QCOMPARE(row[1], QStringLiteral("alig"));
    QCOMPARE(row[2].toLongLong(), pts[1].step);
    QCOMPARE(row[3].toDouble(), pts[1].x);
    QCOMPARE(row[4].toDouble(), pts[1].y);
    QCOMPARE(row[11], QString(pts[1].clipped ? "1" : "0"));
    // A path not ticked, and a folder that does not exist: said, nothing written.
    view.setOptimizerEnabled("adam", false);
    QVERIFY(view.exportPathCsv("adam", file).contains("tick it first"));
    const QString bad = alig::test::scratchPath("surface-csv") + "/no/such/dir/x.csv";
    QVERIFY(view.exportPathCsv("alig", bad).contains(bad));
}

void TestUiClassroom::playgroundTrainsAndRefreshesTheBoundary() {
    ui::PlaygroundView view(alig::test::scratchPath("playground-runs"));
    view.resize(1500, 900);
    view.show();
    view.noiseSpin()->setValue(0.05);
    view.setStepsPerSecond(0);
    QVERIFY(view.isValid());
    view.start();
    QVERIFY(view.isRunning());
    QTRY_VERIFY_WITH_TIMEOUT(view.boundaryPlot()->updates() >= 3, alig::test::kPatienceMs);
    ui::Run* run = view.run();
    QVERIFY(run);
    QTRY_VERIFY_WITH_TIMEOUT(run->epochs().size() >= 3, alig::test::kPatienceMs);
    view.pause();
    // Several grids while it trained, each the 90 x 90 map of P(class 1) in [0, 1].
    auto* data = view.boundaryPlot()->colorMap()->data();
    QCOMPARE(data->keySize(), 90);
    QCOMPARE(data->valueSize(), 90);
    for (int i = 0; i < 90; i += 17) {
        const double p = data->cell(i, i);
        QVERIFY(p >= 0.0 && p <= 1.0);
    }
    QVERIFY(view.lossPlot()->pointCount(run, ui::Series::RawLoss) > 0);
    QVERIFY(view.interpolationPlot()->pointCount(run, ui::Series::Interpolation) >= 3);
    // No run folder: the playground's runs are throwaway.
    QVERIFY(QDir(alig::test::scratchPath("playground-runs"))
                .entryList(QDir::Dirs | QDir::NoDotAndDotDot)
                .isEmpty());
}

void TestUiClassroom::playgroundSettingResetsTheRun() {
    ui::PlaygroundView view(alig::test::scratchPath("playground-reset"));
    view.show();
    view.start();
    QTRY_VERIFY_WITH_TIMEOUT(view.run() && view.run()->steps().size() > 5, alig::test::kPatienceMs);
    QPointer<ui::Run> first = view.run();
    view.datasetCombo()->setCurrentText("moons");
    QCOMPARE(view.resets(), 1);
    // Reset and training again, from step 1, with the new setting.
    QVERIFY(view.isRunning());
    QVERIFY(view.run() != first.data());
    QCOMPARE(view.run()->config().dataset.kind, std::string("moons"));
    QTRY_VERIFY_WITH_TIMEOUT(!view.run()->steps().empty(), alig::test::kPatienceMs);
    QVERIFY(view.run()->steps().front().step == 1);
    // An invalid setting: reset, nothing trains, the reason shows.
    view.hiddenEdit()->setText("16, x");
    Q_EMIT view.hiddenEdit()->editingFinished();
    QVERIFY(!view.isValid());
    QVERIFY(!view.run());
    QVERIFY(view.problem().contains("model.hidden"));
    view.hiddenEdit()->setText("8");
    Q_EMIT view.hiddenEdit()->editingFinished();
    QVERIFY(view.isValid());
}

void TestUiClassroom::playgroundStepExplainsEachStep() {
    ui::PlaygroundView view(alig::test::scratchPath("playground-step"));
    view.show();
    view.optimizerCombo()->setCurrentText("alig");
    view.stepOnce();
    QTRY_VERIFY_WITH_TIMEOUT(view.run() && view.run()->steps().size() == 1,
                             alig::test::kPatienceMs);
    ui::StepAnatomyPanel* a = view.anatomyPanel();
    QTRY_COMPARE(a->valueText("step_no"), QStringLiteral("1 (epoch 1)"));
    view.stepOnce();
    QTRY_VERIFY_WITH_TIMEOUT(view.run()->steps().size() == 2, alig::test::kPatienceMs);
    QTRY_COMPARE(a->valueText("step_no"), QStringLiteral("2 (epoch 1)"));
    QTest::qWait(300);
    QCOMPARE(view.run()->steps().size(), size_t{2}); // paused again after each step
    const core::StepMetrics& m = view.run()->steps().back();
    QCOMPARE(a->valueText("loss"), QString::number(m.loss, 'g', 4));
    QCOMPARE(a->valueText("grad_sq"), QString::number(m.gradNorm * m.gradNorm, 'g', 4));
    QVERIFY(a->valueText("ratio").endsWith(QString::number(m.unclippedStepSize, 'g', 4)));
    QVERIFY(a->valueText("step").endsWith(QString::number(m.stepSize, 'g', 4)));
    QVERIFY(a->valueText("clipped").startsWith(m.clipped ? "yes" : "no"));
    QVERIFY(a->verdict().contains(m.clipped ? "took max_lr" : "took it as it is"));
    // Each step by hand redraws the boundary too: the grid on screen is the second step's.
    QTRY_COMPARE_WITH_TIMEOUT(view.boundaryPlot()->snapshotStep(), int64_t{2},
                              alig::test::kPatienceMs);
    view.stepOnce();
    QTRY_COMPARE_WITH_TIMEOUT(view.boundaryPlot()->snapshotStep(), int64_t{3},
                              alig::test::kPatienceMs);
}

void TestUiClassroom::anatomyExplainsTheTuningFreeMethods_data() {
    QTest::addColumn<QString>("name");
    for (const auto& e : core::optimizerCatalogue())
        if (e.explain) QTest::newRow(e.name.c_str()) << QString::fromStdString(e.name);
}

void TestUiClassroom::anatomyExplainsTheTuningFreeMethods() {
    // Four steps by hand; the anatomy then shows the method's own rows (its catalogue
    // entry's explanation) in place of ALI-G's, with the quantities the step reported.
    QFETCH(QString, name);
    ui::PlaygroundView view(alig::test::scratchPath("playground-explain"));
    view.show();
    view.optimizerCombo()->setCurrentText(name);
    constexpr size_t kSteps = 4;
    for (size_t i = 1; i <= kSteps; ++i) {
        view.stepOnce();
        QTRY_VERIFY_WITH_TIMEOUT(view.run() && view.run()->steps().size() == i,
                                 alig::test::kPatienceMs);
    }
    ui::StepAnatomyPanel* a = view.anatomyPanel();
    QTRY_COMPARE(a->valueText("step_no"), QStringLiteral("%1 (epoch 1)").arg(kSteps));
    const core::StepMetrics& m = view.run()->steps().back();
    const core::OptimizerConfig& o = view.run()->config().optimizer;
    auto extra = [&m](const char* key) {
        for (const auto& [k, v] : m.extras)
            if (k == key) return v;
        return std::nan("");
    };
    auto shown = [a](double v) { return QString::number(v, 'g', 4); };
    // The rows the panel shows, "name: value", for the checks below.
    QString rows;
    for (int i = 0; i < 4; ++i)
        rows += a->rowName(QStringLiteral("method%1").arg(i)) + ": " +
                a->valueText(QStringLiteral("method%1").arg(i)) + "\n";
    QVERIFY2(!a->rowName("method0").isEmpty(), qPrintable(rows));
    QCOMPARE(a->valueText("step"), shown(m.stepSize));
    const std::string method = name.toStdString();
    // Each method's own relation between what it reported and the step it took.
    if (method == "prodigy") {
        QVERIFY2(rows.contains(shown(extra("d"))) && rows.contains(shown(extra("d_hat"))),
                 qPrintable(rows));
        QVERIFY(a->verdict().contains("Prodigy"));
    } else if (method == "dog") {
        QVERIFY(extra("rbar") > 0.0 && extra("grad_sum_sq") > 0.0);
        QVERIFY(std::abs(m.stepSize - o.resolvedLr() * extra("rbar") /
                                          std::sqrt(extra("grad_sum_sq"))) <= 1e-9 * m.stepSize);
        QVERIFY2(rows.contains(shown(extra("rbar"))), qPrintable(rows));
    } else if (method == "momo" || method == "momo_adam") {
        const bool truncated = extra("truncated") > 0.5;
        QCOMPARE(m.stepSize, truncated ? 0.0 : std::min(extra("cap"), m.unclippedStepSize));
        QVERIFY2(rows.contains(shown(extra("lower_bound"))), qPrintable(rows));
        QVERIFY(a->verdict().contains("MoMo"));
    } else if (method == "sf_sgd" || method == "sf_adamw") {
        // r = 0 weighs step k by its largest lr squared: with SGD's constant lr x is the plain
        // mean (c_t = 1/t); AdamW's lr grows with its bias correction sqrt(1 - beta2^k).
        double last = 1.0, sum = 0.0;
        for (size_t k = 1; k <= kSteps; ++k) {
            last = method == "sf_sgd" ? 1.0 : 1.0 - std::pow(o.beta2, static_cast<double>(k));
            sum += last;
        }
        QVERIFY(std::abs(extra("averaging_weight") - last / sum) <= 1e-12);
        QVERIFY2(rows.contains(shown(extra("averaging_weight"))), qPrintable(rows));
        QVERIFY(a->verdict().contains("evaluation and checkpoints use x"));
    } else if (method == "decsps") {
        QCOMPARE(extra("c_k"), o.c * std::sqrt(static_cast<double>(kSteps)));
        QVERIFY(m.stepSize <= extra("bound") * (1.0 + 1e-12));
        QVERIFY2(rows.contains(shown(extra("c_k"))), qPrintable(rows));
    } else {
        QFAIL(qPrintable("no check for " + name));
    }
}

void TestUiClassroom::playgroundRateIsEachMethodsStepSize() {
    // The rate box sets the option each method reads (L4's alpha, SPS's max_lr, SGD's lr),
    // and its label names that option.
    ui::PlaygroundView view(alig::test::scratchPath("playground-rate"));
    for (const auto& e : core::optimizerCatalogue()) {
        view.optimizerCombo()->setCurrentText(QString::fromStdString(e.name));
        QCOMPARE(view.rateBox()->value(), e.demoStep);
        view.rateBox()->setValue(0.037);
        const core::ExperimentConfig c = view.config();
        QCOMPARE(c.optimizer.name, e.name);
        QCOMPARE(core::stepSizeOf(c.optimizer), 0.037);
        QVERIFY2(view.isValid(), qPrintable(view.problem()));
        if (e.stepField != "lr")
            QCOMPARE(view.rateLabel()->text(), QString::fromStdString(e.stepField));
    }
    view.optimizerCombo()->setCurrentText("l4adam");
    view.rateBox()->setValue(0.2);
    QCOMPARE(view.config().optimizer.resolvedAlpha(), 0.2);
}

void TestUiClassroom::windowTabsAnatomyAndMeter() {
    ui::MainWindow w(alig::test::scratchPath("window-runs"), /*restoreSettings=*/false);
    w.setDialogsEnabled(false);
    w.resize(1500, 950);
    w.show();
    QCOMPARE(w.tabs()->count(), 3);
    QVERIFY(w.showTab("surface"));
    QCOMPARE(w.tabs()->currentWidget(), static_cast<QWidget*>(w.surfaceView()));
    QVERIFY(w.showTab("playground"));
    QVERIFY(!w.showTab("nowhere"));
    QVERIFY(w.showTab("training"));

    w.experimentPanel()->setConfig(alig::test::smallSpirals(3, 300));
    QSignalSpy finished(&w, &ui::MainWindow::runFinished);
    ui::Run* run = w.startRun();
    QVERIFY(run);
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, alig::test::kPatienceMs);
    // The anatomy shows the run's last step (within its 200 ms refresh); the meter has one
    // point per epoch.
    QCOMPARE(w.stepAnatomy()->run(), run);
    QTRY_COMPARE(w.stepAnatomy()->valueText("step_no"),
                 QStringLiteral("%1 (epoch 3)").arg(run->steps().back().step));
    QTRY_COMPARE(w.interpolationPlot()->pointCount(run, ui::Series::Interpolation), 3);
    for (const auto& e : run->epochs())
        QVERIFY(e.interpolation >= 0.0 && e.interpolation <= 1.0);
    // The meter reached the run folder's epochs.csv too.
    QFile csv(run->runDir() + "/epochs.csv");
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QVERIFY(csv.readLine().contains(",interpolation"));
}

namespace {

// Layouts settle within a few event loop turns; this bounds the wait well below the test
// function's own time limit, so that a layout that never settles says what it is.
constexpr int kLayoutPatienceMs = 30000;

// What presentation mode may change and must put back: every widget's font, and where the
// window, its docks and its tabs are.
struct WindowLook {
    QHash<QWidget*, QString> fonts;
    QHash<QWidget*, bool> ownFont;
    QString layout;

    explicit WindowLook(ui::MainWindow& w) {
        for (QWidget* c : w.findChildren<QWidget*>()) {
            fonts[c] = c->font().toString();
            ownFont[c] = c->testAttribute(Qt::WA_SetFont);
        }
        QStringList parts{QStringLiteral("window %1,%2 %3x%4")
                              .arg(w.x())
                              .arg(w.y())
                              .arg(w.width())
                              .arg(w.height())};
        for (QDockWidget* d : w.findChildren<QDockWidget*>()) {
            const QRect g = d->geometry();
            parts << QStringLiteral("%1 %2 %3 %4,%5 %6x%7")
                         .arg(d->objectName())
                         .arg(d->isVisible() ? "shown" : "hidden")
                         .arg(d->isFloating() ? "floating" : "docked")
                         .arg(g.x())
                         .arg(g.y())
                         .arg(g.width())
                         .arg(g.height());
        }
        parts << QStringLiteral("tabs %1x%2").arg(w.tabs()->width()).arg(w.tabs()->height());
        layout = parts.join('\n');
    }
};

// The widgets whose font differs from the one `before` recorded (none when restored).
QStringList fontChanges(const WindowLook& before, const WindowLook& after) {
    QStringList changed;
    for (auto it = before.fonts.begin(); it != before.fonts.end(); ++it)
        if (after.fonts.value(it.key()) != it.value() ||
            after.ownFont.value(it.key()) != before.ownFont.value(it.key()))
            changed << QStringLiteral("%1 (%2): %3 -> %4")
                           .arg(it.key()->objectName(), it.key()->metaObject()->className(),
                                it.value(), after.fonts.value(it.key()));
    return changed;
}

QDockWidget* dock(ui::MainWindow& w, const char* name) {
    return w.findChild<QDockWidget*>(QString::fromLatin1(name));
}

// A window without saved settings or dialogs, fitted to `screen` and on show.
std::unique_ptr<ui::MainWindow> shownWindow(const std::string& runs, const QRect& screen) {
    auto w = std::make_unique<ui::MainWindow>(alig::test::scratchPath(runs),
                                              /*restoreSettings=*/false);
    w->setDialogsEnabled(false);
    w->fitToScreen(screen);
    w->show();
    return w;
}

bool insideScreen(QWidget* widget, const QRect& screen) {
    const QRect r(widget->mapToGlobal(QPoint(0, 0)), widget->size());
    return screen.contains(r);
}

} // namespace

void TestUiClassroom::presentationRestoresFontsAndLayout() {
    const QRect screen(0, 0, 1600, 1000);
    const auto window = shownWindow("presentation-runs", screen);
    ui::MainWindow& w = *window;
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    // A layout of the user's own, not the default: a wider anatomy, a shorter runs table.
    w.resizeDocks({dock(w, "StepAnatomyDock")}, {420}, Qt::Horizontal);
    w.resizeDocks({dock(w, "RunsDock")}, {130}, Qt::Vertical);
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    const WindowLook before(w);
    const double appPoints = QApplication::font().pointSizeF();
    const int titleBar = dock(w, "StepAnatomyDock")->widget()->y(); // the dock's title above

    QVERIFY(!w.isPresentation());
    QCOMPARE(w.presentationAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    w.presentationAction()->trigger();
    QVERIFY(w.isPresentation());
    QVERIFY(QApplication::font().pointSizeF() > appPoints * 1.3);
    for (ui::MetricPlot* p : w.plotsView()->plots())
        QVERIFY(p->isPresentation());
    // Every widget's text grows, those with a font of their own (bold headers, monospace
    // values, the surface's method list) too.
    for (QWidget* c : w.findChildren<QWidget*>()) {
        if (!before.fonts.contains(c)) continue; // made since (a combo box's popup)
        QFont old;
        old.fromString(before.fonts.value(c));
        QVERIFY2(c->font().pointSizeF() > old.pointSizeF() * 1.3,
                 qPrintable(QStringLiteral("%1 (%2): %3 pt, was %4")
                                .arg(c->objectName(), c->metaObject()->className())
                                .arg(c->font().pointSizeF())
                                .arg(old.pointSizeF())));
    }
    // The docks' title bars too (Qt draws them in a font of their own).
    QTRY_VERIFY_WITH_TIMEOUT(dock(w, "StepAnatomyDock")->widget()->y() > titleBar + 2,
                             kLayoutPatienceMs);
    // The plots get the room: the experiment panel folds away, and F9 brings it back.
    QVERIFY(!dock(w, "ExperimentDock")->isVisible());
    QCOMPARE(w.panelAction()->shortcut(), QKeySequence(Qt::Key_F9));
    w.panelAction()->trigger();
    QVERIFY(dock(w, "ExperimentDock")->isVisible());
    // The window stays on its screen.
    QVERIFY(screen.contains(w.frameGeometry()));

    // Leaving it puts back every font and the layout exactly.
    w.setPresentation(false);
    QCOMPARE(QApplication::font().pointSizeF(), appPoints);
    QVERIFY(!w.plotsView()->plots().front()->isPresentation());
    QCOMPARE(fontChanges(before, WindowLook(w)).join('\n'), QString());
    QTRY_COMPARE_WITH_TIMEOUT(WindowLook(w).layout, before.layout, kLayoutPatienceMs);

    // Entered on Training, left on the Playground: the docks come back with Training.
    w.setPresentation(true);
    QVERIFY(w.showTab("playground"));
    w.setPresentation(false);
    QVERIFY(!dock(w, "ExperimentDock")->isVisible());
    QVERIFY(w.showTab("training"));
    QCOMPARE(fontChanges(before, WindowLook(w)).join('\n'), QString());
    QTRY_COMPARE_WITH_TIMEOUT(WindowLook(w).layout, before.layout, kLayoutPatienceMs);
}

void TestUiClassroom::windowFitsA1280x720Screen() {
    const QRect screen(0, 0, 1280, 720);
    const auto window = shownWindow("small-screen-runs", screen);
    ui::MainWindow& w = *window;
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    // Nothing off-screen, in and out of presentation mode, and nothing squeezed below the
    // size it needs (the experiment form, the step anatomy, the runs table).
    for (bool presentation : {false, true, false}) {
        w.setPresentation(presentation);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        QTRY_VERIFY2_WITH_TIMEOUT(
            screen.contains(w.frameGeometry()),
            qPrintable(QStringLiteral("presentation %1: window %2x%3 at %4,%5, needs %6x%7")
                           .arg(presentation)
                           .arg(w.frameGeometry().width())
                           .arg(w.frameGeometry().height())
                           .arg(w.frameGeometry().x())
                           .arg(w.frameGeometry().y())
                           .arg(w.minimumSizeHint().width())
                           .arg(w.minimumSizeHint().height())),
            kLayoutPatienceMs);
        QList<QWidget*> parts{w.tabs(), w.statusBar(), w.menuBar()};
        for (QDockWidget* d : w.findChildren<QDockWidget*>())
            if (d->isVisible() && !d->visibleRegion().isEmpty()) parts << d; // a raised tab
        for (QToolBar* t : w.findChildren<QToolBar*>())
            parts << t;
        for (QWidget* part : parts) {
            QVERIFY2(insideScreen(part, screen), qPrintable(part->objectName()));
            if (auto* d = qobject_cast<QDockWidget*>(part)) {
                const QSize need = d->widget()->minimumSizeHint();
                QVERIFY2(d->widget()->width() >= need.width() &&
                             d->widget()->height() >= need.height(),
                         qPrintable(QStringLiteral("%1 %2x%3, needs %4x%5")
                                        .arg(d->objectName())
                                        .arg(d->widget()->width())
                                        .arg(d->widget()->height())
                                        .arg(need.width())
                                        .arg(need.height())));
            }
        }
        // Every header of the Runs table whole ("Best test acc.", not "Best test a…"), also
        // in presentation mode's larger font (View > Runs brings the folded table back).
        dock(w, "RunsDock")->show();
        QHeaderView* header = w.findChild<ui::RunsTable*>()->horizontalHeader();
        for (int c = 0; c < ui::RunsTable::ColumnCount; ++c) {
            if (c == ui::RunsTable::Name) continue; // it stretches: the runs' names elide
            const QString text = header->model()->headerData(c, Qt::Horizontal).toString();
            const int need = QFontMetrics(header->font()).horizontalAdvance(text);
            QTRY_VERIFY2_WITH_TIMEOUT(header->sectionSize(c) > need,
                                      qPrintable(QStringLiteral("presentation %1: %2 in %3 px")
                                                     .arg(presentation)
                                                     .arg(text)
                                                     .arg(header->sectionSize(c))),
                                      kLayoutPatienceMs);
        }
    }
    // A layout saved on a larger screen comes inside this one.
    w.setGeometry(100, 50, 1600, 1000);
    w.keepOnScreen(screen);
    QTRY_VERIFY_WITH_TIMEOUT(screen.contains(w.frameGeometry()), kLayoutPatienceMs);
}

void TestUiClassroom::resetLayoutDocksEveryPanel() {
    const auto window = shownWindow("reset-layout-runs", QRect(0, 0, 1600, 1000));
    ui::MainWindow& w = *window;
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    dock(w, "RunsDock")->setFloating(true);
    dock(w, "StepAnatomyDock")->hide();
    w.addDockWidget(Qt::RightDockWidgetArea, dock(w, "ExperimentDock"));
    w.setPresentation(true);
    w.resetLayout();
    QVERIFY(!w.isPresentation());
    for (const auto& [name, area] : {std::pair{"ExperimentDock", Qt::LeftDockWidgetArea},
                                     std::pair{"StepAnatomyDock", Qt::RightDockWidgetArea},
                                     std::pair{"RunsDock", Qt::BottomDockWidgetArea}}) {
        QDockWidget* d = dock(w, name);
        QVERIFY2(d->isVisible() && !d->isFloating(), name);
        QCOMPARE(w.dockWidgetArea(d), area);
    }
    QTRY_VERIFY_WITH_TIMEOUT(QRect(0, 0, 1600, 1000).contains(w.frameGeometry()),
                             kLayoutPatienceMs);
}

void TestUiClassroom::actionsFollowTheTab() {
    ui::MainWindow w(alig::test::scratchPath("tab-actions-runs"), /*restoreSettings=*/false);
    w.setDialogsEnabled(false);
    w.show();
    const int trainingRuns = static_cast<int>(w.registry()->runs().size());
    // Playground: Start trains its network, not a hidden Training-tab run.
    QVERIFY(w.showTab("playground"));
    QCOMPARE(w.startAction()->text(), QStringLiteral("&Train"));
    QVERIFY(w.stepAction()->toolTip().contains("Playground"));
    w.startAction()->trigger();
    QVERIFY(w.playground()->isRunning());
    QVERIFY(!w.startAction()->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(w.playground()->stepCount() >= 2, alig::test::kPatienceMs);
    w.pauseAction()->trigger();
    QVERIFY(!w.playground()->isRunning());
    QCOMPARE(w.pauseAction()->text(), QStringLiteral("&Resume"));
    QTRY_VERIFY_WITH_TIMEOUT(w.playground()->controller()->isPaused(), alig::test::kPatienceMs);
    // A step granted just before the pause is still taken; then the trainer waits.
    QTRY_VERIFY_WITH_TIMEOUT(w.playground()->stepCount() >= w.playground()->stepsGranted(),
                             alig::test::kPatienceMs);
    const int64_t before = w.playground()->stepCount();
    QTRY_COMPARE_WITH_TIMEOUT(static_cast<int64_t>(w.playground()->run()->steps().size()), before,
                              alig::test::kPatienceMs);
    w.stepAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(w.playground()->stepCount(), before + 1, alig::test::kPatienceMs);
    w.startAction()->trigger();
    QVERIFY(w.playground()->isRunning());
    w.stopAction()->trigger();
    QVERIFY(!w.playground()->isRunning());
    QCOMPARE(static_cast<int>(w.registry()->runs().size()), trainingRuns);
    // Loss surface: Start animates the paths, Step steps them, Stop stops.
    QVERIFY(w.showTab("surface"));
    QCOMPARE(w.startAction()->text(), QStringLiteral("&Animate"));
    const size_t points = w.surfaceView()->trajectory("alig")->points().size();
    w.stepAction()->trigger();
    QCOMPARE(w.surfaceView()->trajectory("alig")->points().size(), points + 1);
    w.startAction()->trigger();
    QVERIFY(w.surfaceView()->isAnimating());
    w.stopAction()->trigger();
    QVERIFY(!w.surfaceView()->isAnimating());
    QCOMPARE(static_cast<int>(w.registry()->runs().size()), trainingRuns);
    // Training: the run actions again.
    QVERIFY(w.showTab("training"));
    QCOMPARE(w.startAction()->text(), QStringLiteral("&Start"));
    QVERIFY(w.startAction()->toolTip().contains("experiment on the left"));
}

QTEST_MAIN(TestUiClassroom)
#include "tst_ui_classroom.moc"
