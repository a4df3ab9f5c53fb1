// The Playground as a teacher drives it, offscreen: the points before any training, Rewind
// repeating the very same first steps, paced training one granted step at a time, k-class
// spirals and blobs with a softmax output, 2-D points from a CSV file (and the messages for
// files it cannot draw), hovering for P(class) and a point's loss, and the network graph.

#include "common/test_support.h"
#include "core/experiment/experiment_config.h"
#include "core/optim/optimizer_catalogue.h"
#include "ui/classroom/decision_boundary.h"
#include "ui/classroom/help_dialog.h"
#include "ui/classroom/lesson.h"
#include "ui/classroom/lesson_panel.h"
#include "ui/classroom/network_graph.h"
#include "ui/classroom/playground_view.h"
#include "ui/run/run.h"
#include "ui/run/run_controller.h"

#include <QTextDocumentFragment>
#include <QtTest/QtTest>
#include <algorithm>
#include <set>

using namespace alig;

namespace {

// Writes a lesson file and returns its path.
QString writeLesson(const std::string& name, const std::string& json) {
    const std::string path = alig::test::scratchDir("pg-lesson-" + name) + "/" + name + ".json";
    alig::test::writeFile(path, json);
    return QString::fromStdString(path);
}

// The step counter's words, without its markup.
QString counterText(const ui::PlaygroundView& view) {
    return QTextDocumentFragment::fromHtml(view.stepCounter()->text()).toPlainText();
}

// Takes `n` more steps with Step; returns every step's loss and gradient norm so far.
std::vector<std::pair<double, double>> stepByHand(ui::PlaygroundView& view, size_t n) {
    const size_t before = view.run() ? view.run()->steps().size() : 0;
    for (size_t i = 1; i <= n; ++i) {
        view.stepOnce();
        if (!QTest::qWaitFor([&] { return view.run() && view.run()->steps().size() == before + i; },
                             alig::test::kPatienceMs))
            return {};
    }
    std::vector<std::pair<double, double>> out;
    for (const auto& m : view.run()->steps())
        out.emplace_back(m.loss, m.gradNorm);
    return out;
}

// Sets the hidden layers, takes one step and waits for the network graph to draw its three
// layers; null if it never does.
ui::NetworkGraph* graphAfterOneStep(ui::PlaygroundView& view, const QString& hidden) {
    view.hiddenEdit()->setText(hidden);
    Q_EMIT view.hiddenEdit()->editingFinished();
    if (stepByHand(view, 1).size() != 1) return nullptr;
    ui::NetworkGraph* g = view.networkGraph();
    return QTest::qWaitFor([g] { return g->layers().size() == 3; }, alig::test::kPatienceMs)
               ? g
               : nullptr;
}

} // namespace

class TestUiPlayground : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { alig::test::isolateSettings(); }
    void pointsShowBeforeTraining();
    void boundaryLegendNeverCoversAPoint();
    void rewindRepeatsTheFirstSteps();
    void pacedTrainingGrantsOneStepAtATime();
    void kClassesTrainWithASoftmax_data();
    void kClassesTrainWithASoftmax();
    void csvPointsLoadAndTrain();
    void csvThatCannotBeDrawnSaysWhy();
    void hoverReadsProbabilityAndLoss();
    void networkGraphFollowsTheWeights();
    void networkLabelsNeverOverlap();
    void shippedLessonsOpen();
    void lessonAdvancesWhenItsConditionIsMet();
    void badLessonsSayWhatIsWrong();
    void activationPerLayer();
    void helpListsShortcutsLessonsAndDocuments();
};

void TestUiPlayground::pointsShowBeforeTraining() {
    ui::PlaygroundView view(alig::test::scratchPath("pg-points"));
    view.show();
    // Every point of the default set is drawn, and nothing trained.
    QVERIFY(!view.run());
    QCOMPARE(view.boundaryPlot()->pointCount(), 600);
    QCOMPARE(counterText(view), QStringLiteral("Step 0"));
    view.datasetCombo()->setCurrentText("moons");
    QCOMPARE(view.boundaryPlot()->pointCount(), 600);
    QCOMPARE(view.boundaryPlot()->points().classes, 2);
    QVERIFY(!view.run());
}

void TestUiPlayground::boundaryLegendNeverCoversAPoint() {
    // Six spiral arms on a narrow plot in presentation mode: the legend (six classes and the
    // test-point entry) wraps onto rows of its own above the axes, inside the plot's width.
    ui::PlaygroundView view(alig::test::scratchPath("pg-legend"));
    view.resize(1400, 800);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.datasetCombo()->setCurrentText("spirals");
    view.classesSpin()->setValue(6);
    ui::DecisionBoundaryPlot* plot = view.boundaryPlot();
    QTRY_COMPARE(plot->points().classes, 6);
    view.setPresentation(true);
    for (const int width : {700, 320}) {
        plot->setMinimumSize(0, 0);
        plot->setFixedWidth(width);
        QTRY_COMPARE(plot->width(), width);
        plot->replot();
        QCOMPARE(plot->legend->layout(), plot->plotLayout());
        int items = 0;
        for (int i = 0; i < plot->legend->itemCount(); ++i) {
            const QCPAbstractLegendItem* item = plot->legend->item(i);
            if (!item) continue;
            ++items;
            const QRect r = item->outerRect();
            QVERIFY2(!r.intersects(plot->axisRect()->rect()),
                     qPrintable(QString("width %1: item %2 over the axes").arg(width).arg(i)));
            QVERIFY2(r.left() >= 0 && r.right() <= plot->width(),
                     qPrintable(QString("width %1: item %2 at %3..%4")
                                    .arg(width)
                                    .arg(i)
                                    .arg(r.left())
                                    .arg(r.right())));
        }
        QCOMPARE(items, 7);
        if (width == 320) QVERIFY(plot->legend->rowCount() > 1); // wrapped
    }
    view.setPresentation(false);
}

void TestUiPlayground::rewindRepeatsTheFirstSteps() {
    ui::PlaygroundView view(alig::test::scratchPath("pg-rewind"));
    view.show();
    const auto first = stepByHand(view, 3);
    QCOMPARE(first.size(), size_t{3});
    QTRY_COMPARE_WITH_TIMEOUT(view.stepCount(), int64_t{3}, alig::test::kPatienceMs);
    view.rewindButton()->click();
    QVERIFY(!view.run());
    QCOMPARE(view.stepCount(), int64_t{0});
    QCOMPARE(counterText(view), QStringLiteral("Step 0"));
    // The same initial weights and batches: the same losses and gradients, to the bit.
    const auto again = stepByHand(view, 3);
    QCOMPARE(again.size(), size_t{3});
    for (size_t i = 0; i < 3; ++i) {
        QCOMPARE(again[i].first, first[i].first);
        QCOMPARE(again[i].second, first[i].second);
    }
    // Another seed: other weights, another first loss.
    view.seedSpin()->setValue(view.seedSpin()->value() + 1);
    const auto other = stepByHand(view, 1);
    QCOMPARE(other.size(), size_t{1});
    QVERIFY(other[0].first != first[0].first);
}

void TestUiPlayground::pacedTrainingGrantsOneStepAtATime() {
    ui::PlaygroundView view(alig::test::scratchPath("pg-paced"));
    view.show();
    view.setStepsPerSecond(5);
    QCOMPARE(view.speedCombo()->currentData().toInt(), 5);
    view.start();
    QVERIFY(view.isRunning());
    // The trainer stays paused; each step is granted to it, and it takes them.
    QTRY_VERIFY_WITH_TIMEOUT(view.stepCount() >= 3, alig::test::kPatienceMs);
    QVERIFY(view.controller()->isPaused());
    QVERIFY(view.isRunning());
    QTRY_VERIFY_WITH_TIMEOUT(
        counterText(view).startsWith(QStringLiteral("Step %1").arg(view.stepCount())),
        alig::test::kPatienceMs);
    // As fast as it goes: the trainer runs free, without stopping the run.
    ui::Run* run = view.run();
    view.setStepsPerSecond(0);
    QVERIFY(view.isRunning());
    QTRY_VERIFY_WITH_TIMEOUT(!view.controller()->isPaused(), alig::test::kPatienceMs);
    QCOMPARE(view.run(), run);
    const int64_t before = view.stepCount();
    QTRY_VERIFY_WITH_TIMEOUT(view.stepCount() > before + 50, alig::test::kPatienceMs);
    // Pause holds it.
    view.pause();
    QVERIFY(!view.isRunning());
    QTRY_VERIFY_WITH_TIMEOUT(view.controller()->isPaused(), alig::test::kPatienceMs);
    // Every step reported once, in order, through every change of speed.
    QTRY_COMPARE_WITH_TIMEOUT(static_cast<int64_t>(run->steps().size()), view.stepCount(),
                              alig::test::kPatienceMs);
    for (size_t i = 0; i < run->steps().size(); ++i)
        QCOMPARE(run->steps()[i].step, static_cast<int64_t>(i + 1));
}

void TestUiPlayground::kClassesTrainWithASoftmax_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("classes");
    QTest::newRow("blobs-4") << "blobs" << 4;
    QTest::newRow("spirals-3") << "spirals" << 3;
}

void TestUiPlayground::kClassesTrainWithASoftmax() {
    QFETCH(QString, kind);
    QFETCH(int, classes);
    ui::PlaygroundView view(alig::test::scratchPath("pg-classes"));
    view.show();
    view.datasetCombo()->setCurrentText(kind);
    view.classesSpin()->setValue(classes);
    view.hiddenEdit()->setText("32, 32");
    Q_EMIT view.hiddenEdit()->editingFinished();
    QCOMPARE(view.config().dataset.classes, classes);
    QCOMPARE(view.boundaryPlot()->points().classes, classes);
    view.setStepsPerSecond(0);
    view.start();
    ui::Run* run = view.run();
    QVERIFY(run);
    // Well above chance (1/k) on the held-out points, at some epoch of the run: where it
    // stands after a given number of epochs depends on when the pause lands, so the test
    // waits for the accuracy, not for an epoch count.
    const double wanted = 1.0 / classes + 0.3;
    auto best = [run] {
        double b = 0.0;
        for (const auto& e : run->epochs())
            b = std::max(b, e.testAccuracy);
        return b;
    };
    QTRY_VERIFY_WITH_TIMEOUT(best() > wanted || !view.isRunning(), alig::test::kPatienceMs);
    view.pause();
    QVERIFY2(best() > wanted, qPrintable(QStringLiteral("best test accuracy %1 after %2 epochs")
                                             .arg(best())
                                             .arg(run->epochs().size())));
    // The grid holds a distribution over the k classes at every point.
    QTRY_VERIFY_WITH_TIMEOUT(view.boundaryPlot()->snapshot().classes == classes,
                             alig::test::kPatienceMs);
    const ui::DecisionSnapshot& s = view.boundaryPlot()->snapshot();
    QCOMPARE(s.probability.size(), static_cast<size_t>(s.nx * s.ny * classes));
    for (size_t cell = 0; cell < s.probability.size(); cell += 97 * classes) {
        double sum = 0.0;
        for (int c = 0; c < classes; ++c)
            sum += s.probability[cell + c];
        QVERIFY(std::abs(sum - 1.0) < 1e-4);
    }
    // The output layer of the network graph has one node per class.
    QTRY_VERIFY_WITH_TIMEOUT(!view.networkGraph()->layers().empty(), alig::test::kPatienceMs);
    QCOMPARE(view.networkGraph()->layers().back().out, int64_t{classes});
}

void TestUiPlayground::csvPointsLoadAndTrain() {
    // Three classes on a line of the plane, 20 points each, with a header.
    const std::string path = alig::test::scratchDir("pg-csv") + "/points.csv";
    std::string text = "x1,x2,label\n";
    for (int i = 0; i < 60; ++i)
        text += std::to_string(0.1 * (i % 20) + 3.0 * (i / 20)) + "," +
                std::to_string(0.05 * (i % 7)) + "," + std::to_string(i / 20) + "\n";
    alig::test::writeFile(path, text);
    ui::PlaygroundView view(alig::test::scratchPath("pg-csv-runs"));
    view.show();
    QCOMPARE(view.loadCsv(QString::fromStdString(path)), QString());
    QVERIFY(view.isValid());
    QCOMPARE(view.config().dataset.kind, std::string("csv"));
    QCOMPARE(view.boundaryPlot()->pointCount(), 60);
    QCOMPARE(view.boundaryPlot()->points().classes, 3);
    const auto steps = stepByHand(view, 2);
    QCOMPARE(steps.size(), size_t{2});
    QTRY_VERIFY_WITH_TIMEOUT(view.boundaryPlot()->snapshot().classes == 3, alig::test::kPatienceMs);
}

void TestUiPlayground::csvThatCannotBeDrawnSaysWhy() {
    const std::string dir = alig::test::scratchDir("pg-csv-bad");
    ui::PlaygroundView view(alig::test::scratchPath("pg-csv-bad-runs"));
    // Three feature columns: not a plane.
    alig::test::writeFile(dir + "/three.csv", "a,b,c,label\n1,2,3,0\n2,3,4,1\n3,4,5,0\n4,5,6,1\n"
                                              "5,6,7,0\n6,7,8,1\n");
    QString why = view.loadCsv(QString::fromStdString(dir + "/three.csv"));
    QVERIFY2(why.contains("three.csv") && why.contains("2 numeric feature columns") &&
                 why.contains("3 feature columns"),
             qPrintable(why));
    QVERIFY(!view.isValid());
    QCOMPARE(view.boundaryPlot()->pointCount(), 0);
    view.start();
    QVERIFY(!view.run());
    // Text where a number belongs: the reader's message, with the file and line.
    alig::test::writeFile(dir + "/text.csv", "x1,x2,label\n1,2,0\n1,oops,1\n");
    why = view.loadCsv(QString::fromStdString(dir + "/text.csv"));
    QVERIFY2(why.contains("text.csv:3"), qPrintable(why));
    // No such file.
    why = view.loadCsv(QString::fromStdString(dir + "/missing.csv"));
    QVERIFY2(why.contains("missing.csv"), qPrintable(why));
    // Back to a synthetic set: valid again.
    view.datasetCombo()->setCurrentText("circles");
    QVERIFY2(view.isValid(), qPrintable(view.problem()));
    QCOMPARE(view.boundaryPlot()->pointCount(), 600);
}

void TestUiPlayground::hoverReadsProbabilityAndLoss() {
    ui::PlaygroundView view(alig::test::scratchPath("pg-hover"));
    view.resize(1400, 800);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QCOMPARE(stepByHand(view, 2).size(), size_t{2});
    ui::DecisionBoundaryPlot* plot = view.boundaryPlot();
    QTRY_COMPARE_WITH_TIMEOUT(plot->snapshotStep(), int64_t{2}, alig::test::kPatienceMs);
    const ui::DecisionSnapshot& s = plot->snapshot();
    const ui::PlaygroundPoints& p = plot->points();
    // On a training point: its class, P(own class) and the loss -log P of the grid's step.
    const double q = s.trainOwn.at(0);
    QString text = plot->describeAt(p.trainX[0], p.trainY[0]);
    QVERIFY2(text.contains(QStringLiteral("class %1").arg(p.trainLabel[0])), qPrintable(text));
    QVERIFY2(text.contains(QString::number(-std::log(q), 'g', 3)), qPrintable(text));
    // Off every point (a corner of the grid): P(class) for both classes, summing to 1.
    text = plot->describeAt(s.xMin, s.yMax, 0.0);
    QVERIFY2(text.contains("P(class 0) = ") && text.contains("P(class 1) = "), qPrintable(text));
    QVERIFY(std::abs(s.probabilityAt(s.xMin, s.yMax, 0) + s.probabilityAt(s.xMin, s.yMax, 1) -
                     1.0f) < 1e-5f);
    // The mouse shows the same text beside it, and hides it when it leaves.
    const QPoint at(static_cast<int>(plot->xAxis->coordToPixel(p.trainX[0])),
                    static_cast<int>(plot->yAxis->coordToPixel(p.trainY[0])));
    QTest::mouseMove(plot, at);
    QTRY_VERIFY(plot->hoverText().contains("loss"));
    QEvent leave(QEvent::Leave);
    QApplication::sendEvent(plot, &leave);
    QCOMPARE(plot->hoverText(), QString());
}

void TestUiPlayground::networkGraphFollowsTheWeights() {
    ui::PlaygroundView view(alig::test::scratchPath("pg-graph"));
    view.show();
    ui::NetworkGraph* g = graphAfterOneStep(view, "5, 3");
    QVERIFY(g);
    QCOMPARE(g->layers()[0].in, int64_t{2});
    QCOMPARE(g->layers()[0].out, int64_t{5});
    QCOMPARE(g->layers()[1].out, int64_t{3});
    QCOMPARE(g->layers()[2].out, int64_t{2});
    // Thicker for a larger |w|.
    const ui::LayerWeights& l = g->layers()[0];
    int big = 0, small = 0;
    for (int i = 0; i < static_cast<int>(l.w.size()); ++i) {
        if (std::abs(l.w[i]) > std::abs(l.w[big])) big = i;
        if (std::abs(l.w[i]) < std::abs(l.w[small])) small = i;
    }
    QVERIFY(g->edgeWidth(0, big / 2, big % 2) > g->edgeWidth(0, small / 2, small % 2));
    // Live: another step, other weights on the graph.
    const std::vector<float> before = l.w;
    view.stepOnce();
    QTRY_VERIFY_WITH_TIMEOUT(g->layers().size() == 3 && g->layers()[0].w != before,
                             alig::test::kPatienceMs);
    // Too wide to draw: said in its place.
    view.hiddenEdit()->setText("100");
    Q_EMIT view.hiddenEdit()->editingFinished();
    QCOMPARE(stepByHand(view, 1).size(), size_t{1});
    QTRY_VERIFY_WITH_TIMEOUT(view.boundaryPlot()->snapshotStep() == 1, alig::test::kPatienceMs);
    QTRY_VERIFY(g->layers().empty());
}

void TestUiPlayground::networkLabelsNeverOverlap() {
    // Two layers wider than the drawing ("12 of 32"), in presentation mode's larger text, from
    // a wide column to a narrow one: the labels go brief before any two touch.
    ui::PlaygroundView view(alig::test::scratchPath("pg-graph-labels"));
    view.resize(1400, 800);
    view.show();
    ui::NetworkGraph* g = graphAfterOneStep(view, "32, 32");
    QVERIFY(g);
    view.setPresentation(true);
    QStringList seen;
    for (const int width : {900, 560, 420, 300, 200}) {
        g->setFixedWidth(width);
        QTRY_COMPARE(g->width(), width);
        g->repaint();
        const auto& labels = g->drawnLabels();
        QCOMPARE(labels.size(), size_t{4});
        for (size_t i = 0; i < labels.size(); ++i) {
            const QRectF& r = labels[i].second;
            QVERIFY2(r.left() >= 0 && r.right() <= width + 0.5,
                     qPrintable(QString("%1 at %2..%3 of %4")
                                    .arg(labels[i].first)
                                    .arg(r.left())
                                    .arg(r.right())
                                    .arg(width)));
            if (i > 0)
                QVERIFY2(labels[i - 1].second.right() < r.left(),
                         qPrintable(QString("width %1: %2 runs into %3")
                                        .arg(width)
                                        .arg(labels[i - 1].first, labels[i].first)));
        }
        seen << labels.back().first;
    }
    // Whole words where there is room, the brief ones where there is not.
    QVERIFY2(seen.contains("2 classes") && seen.contains("2"), qPrintable(seen.join(" | ")));
    view.setPresentation(false);
}

void TestUiPlayground::shippedLessonsOpen() {
    // The three lessons of the presets, momentum and the projection radius, each valid.
    const std::vector<ui::LessonInfo> lessons = ui::listLessons();
    std::set<std::string> names;
    for (const auto& l : lessons) {
        QVERIFY2(l.problem.isEmpty(),
                 qPrintable(QString::fromStdString(l.path) + ": " + l.problem));
        names.insert(l.name);
    }
    for (const char* name :
         {"why-alig-needs-interpolation", "max-lr-too-small-too-large-just-right",
          "alig-against-sgd", "momentum", "projection-radius"})
        QVERIFY2(names.count(name), name);
    ui::PlaygroundView view(alig::test::scratchPath("pg-lessons"));
    view.show();
    QCOMPARE(view.lessonCombo()->count(), static_cast<int>(lessons.size()) + 1);
    for (const auto& l : lessons) {
        QCOMPARE(view.openLesson(QString::fromStdString(l.path)), QString());
        QVERIFY2(view.isValid(), qPrintable(view.problem()));
        QVERIFY(view.isLessonOpen());
        QCOMPARE(view.lessonPanel()->current(), 0);
        // The experiment the lesson names is what the Playground trains.
        const ui::Lesson lesson = ui::loadLesson(l.path);
        const core::ExperimentConfig want = core::ExperimentConfig::fromJson(lesson.experiment);
        const core::ExperimentConfig got = view.config();
        QCOMPARE(got.optimizer.name, want.optimizer.name);
        QCOMPARE(core::stepSizeOf(got.optimizer), core::stepSizeOf(want.optimizer));
        QCOMPARE(got.optimizer.momentum, want.optimizer.momentum);
        QCOMPARE(got.model.hidden,
                 want.model.type == "mlp" ? want.model.hidden : std::vector<int64_t>{});
        QCOMPARE(got.dataset.kind, want.dataset.kind);
        QCOMPARE(got.dataset.samples, want.dataset.samples);
        if (lesson.speed >= 0) QCOMPARE(view.stepsPerSecond(), lesson.speed);
    }
    view.closeLesson();
    QVERIFY(!view.isLessonOpen());
    QCOMPARE(view.lessonCombo()->currentIndex(), 0);
}

void TestUiPlayground::lessonAdvancesWhenItsConditionIsMet() {
    const QString path = writeLesson("conditions", R"({
      "title": "Conditions",
      "experiment": {"dataset": {"kind": "moons", "samples": 200},
                     "model": {"type": "mlp", "hidden": [8]},
                     "optimizer": {"name": "alig", "max_lr": 0.1, "momentum": 0.0}},
      "speed": 0,
      "steps": [
        {"do": "Take two steps.", "question": "What moved?", "until": {"steps": 2}},
        {"do": "Raise the momentum to 0.5.", "until": {"setting": "optimizer.momentum", "at_least": 0.5}},
        {"do": "Change the method.", "until": {"setting": "optimizer.name", "changed": true}},
        {"do": "Look.", "question": "Done?"}
      ]})");
    ui::PlaygroundView view(alig::test::scratchPath("pg-lesson-runs"));
    view.show();
    QCOMPARE(view.openLesson(path), QString());
    ui::LessonPanel* panel = view.lessonPanel();
    QCOMPARE(view.config().dataset.kind, std::string("moons"));
    QCOMPARE(view.config().model.hidden, std::vector<int64_t>{8});
    QCOMPARE(view.stepsPerSecond(), 0);
    QVERIFY(panel->stepText(0).contains("Take two steps."));
    // Step 1: locked until the counter reaches 2.
    QVERIFY(!panel->unlocked());
    QVERIFY(!panel->nextButton()->isEnabled());
    panel->next();
    QCOMPARE(panel->current(), 0);
    QCOMPARE(stepByHand(view, 1).size(), size_t{1});
    QTRY_COMPARE_WITH_TIMEOUT(view.stepCount(), int64_t{1}, alig::test::kPatienceMs);
    QVERIFY(!panel->unlocked());
    QCOMPARE(stepByHand(view, 1).size(), size_t{2});
    QTRY_VERIFY_WITH_TIMEOUT(panel->unlocked(), alig::test::kPatienceMs);
    QVERIFY(panel->nextButton()->isEnabled());
    panel->nextButton()->click();
    QCOMPARE(panel->current(), 1);
    // Step 2: a setting reaching a value.
    QVERIFY(!panel->unlocked());
    view.momentumSpin()->setValue(0.3);
    QVERIFY(!panel->unlocked());
    view.momentumSpin()->setValue(0.6);
    QVERIFY(panel->unlocked());
    panel->next();
    // Step 3: a setting changed from what it was when the step began.
    QCOMPARE(panel->current(), 2);
    QVERIFY(!panel->unlocked());
    view.optimizerCombo()->setCurrentText("sgd");
    QVERIFY(panel->unlocked());
    panel->next();
    // Step 4: no condition: Next at once, and the lesson is done.
    QCOMPARE(panel->current(), 3);
    QVERIFY(panel->unlocked());
    panel->next();
    QVERIFY(panel->isFinished());
    QVERIFY(panel->stepText(3).contains("✓"));
}

void TestUiPlayground::badLessonsSayWhatIsWrong() {
    const std::vector<std::pair<std::string, std::string>> cases{
        {R"({"title": "t", "steps": [{"do": "x"}], "colour": 1})", "unknown key \"colour\""},
        {R"({"title": "t", "preset": "spirals-mlp-alig", "steps": [{"question": "x"}]})",
         "steps[0]: \"do\" is missing"},
        {R"({"title": "t", "preset": "spirals-mlp-alig", "steps": []})",
         "steps: must be a list of at least one step"},
        {R"({"title": "t", "preset": "spirals-mlp-alig", "steps": [{"do": "x", "until": {"setting": "optimizer.maxlr", "at_least": 1}}]})",
         "the experiment has no field \"optimizer.maxlr\""},
        {R"({"title": "t", "preset": "spirals-mlp-alig", "steps": [{"do": "x", "until": {"steps": 0}}]})",
         "steps[0].until.steps: must be a whole number >= 1"},
        {R"({"title": "t", "preset": "no-such-preset", "steps": [{"do": "x"}]})",
         "preset: no preset named \"no-such-preset\""},
        {R"({"title": "t", "preset": "fashion-mnist-mlp-alig", "steps": [{"do": "x"}]})",
         "the Playground draws 2-D sets"},
        {R"({"title": "t", "preset": "spirals-mlp-alig", "experiment": {"optimizer": {"max_lr": -1}}, "steps": [{"do": "x"}]})",
         "its experiment: optimizer.max_lr"},
        {R"({"title": "t", "steps": [{"do": "x"}], )", "bad.json"},
    };
    ui::PlaygroundView view(alig::test::scratchPath("pg-lesson-bad-runs"));
    for (const auto& [json, message] : cases) {
        const QString path = writeLesson("bad", json);
        const QString why = view.openLesson(path);
        QVERIFY2(why.contains(QString::fromStdString(message)) && why.contains("bad.json"),
                 qPrintable(why));
        QVERIFY(!view.isLessonOpen());
    }
}

void TestUiPlayground::activationPerLayer() {
    ui::PlaygroundView view(alig::test::scratchPath("pg-activations"));
    view.show();
    view.activationCombo()->setCurrentText("tanh");
    view.hiddenEdit()->setText("8 relu, 4");
    Q_EMIT view.hiddenEdit()->editingFinished();
    // The second layer takes the menu's activation.
    QCOMPARE(view.config().model.hidden, (std::vector<int64_t>{8, 4}));
    QCOMPARE(view.config().model.activation, std::string("relu, tanh"));
    QVERIFY2(view.isValid(), qPrintable(view.problem()));
    QCOMPARE(stepByHand(view, 1).size(), size_t{1});
    // Every layer named alike: one name.
    view.hiddenEdit()->setText("8 relu, 4 relu");
    Q_EMIT view.hiddenEdit()->editingFinished();
    QCOMPARE(view.config().model.activation, std::string("relu"));
    // A name that is not an activation: the reason, naming the field.
    view.hiddenEdit()->setText("8 swish");
    Q_EMIT view.hiddenEdit()->editingFinished();
    QVERIFY2(view.problem().contains("model.activation") && view.problem().contains("swish"),
             qPrintable(view.problem()));
    // A lesson's per-layer experiment comes back into the controls.
    core::ExperimentConfig c = view.config();
    c.model.hidden = {6, 3};
    c.model.activation = "gelu, sigmoid";
    view.setConfig(c);
    QCOMPARE(view.hiddenEdit()->text(), QStringLiteral("6 gelu, 3 sigmoid"));
    QCOMPARE(view.config().model.activation, std::string("gelu, sigmoid"));
}

void TestUiPlayground::helpListsShortcutsLessonsAndDocuments() {
    QAction start("&Start");
    start.setShortcut(QKeySequence(Qt::Key_F5));
    QAction step("S&tep");
    step.setShortcuts({QKeySequence(Qt::Key_F10), QKeySequence(Qt::CTRL | Qt::Key_Period)});
    QAction none("No keys");
    ui::HelpDialog help({&start, &step, &none});
    // The shortcuts are the actions' own.
    QTableWidget* t = help.shortcutTable();
    QCOMPARE(t->rowCount(), 2);
    QCOMPARE(t->item(0, 0)->text(), QStringLiteral("Start"));
    QCOMPARE(t->item(0, 1)->text(), QKeySequence(Qt::Key_F5).toString(QKeySequence::NativeText));
    QVERIFY(t->item(1, 1)->text().contains("F10"));
    // Every lesson, and a chosen one goes to whoever opens it.
    QCOMPARE(help.lessonList()->count(), static_cast<int>(ui::listLessons().size()));
    QSignalSpy chosen(&help, &ui::HelpDialog::lessonChosen);
    Q_EMIT help.lessonList()->itemActivated(help.lessonList()->item(0));
    QCOMPARE(chosen.count(), 1);
    QCOMPARE(chosen.at(0).at(0).toString(), QString::fromStdString(ui::listLessons().front().path));
    // The documents, found in the source tree of this build.
    for (const QString& file : help.documentFiles())
        QVERIFY2(!file.isEmpty() && QFileInfo::exists(file), qPrintable(file));
    help.showPage(ui::HelpDialog::Tour);
    QCOMPARE(help.tabs()->currentIndex(), 1);
}

QTEST_MAIN(TestUiPlayground)
#include "tst_ui_playground.moc"
