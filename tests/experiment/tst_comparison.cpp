// compare and sweep: parsing the command line's lists, planning the grid, running it on
// several threads with the same results as one after another, and the summaries.

#include "common/test_support.h"
#include "core/experiment/comparison.h"
#include "core/experiment/run_store.h"
#include "core/optim/optimizer_catalogue.h"
#include "core/train/device.h"
#include "core/util/error.h"

#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace alig::core;
using alig::test::errorOf;
namespace fs = std::filesystem;

namespace {

nlohmann::json tinySpirals(int64_t epochs) {
    nlohmann::json doc = loadPreset("spirals-mlp-alig");
    doc["dataset"]["samples"] = 300;
    doc["training"]["epochs"] = epochs;
    doc["training"]["threads"] = 1;
    return doc;
}

std::vector<std::string> readLines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

} // namespace

class TestComparison : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { configureThreads(1); }
    void optimizerSpecs();
    void optimizerSpecErrors_data();
    void optimizerSpecErrors();
    void sweepValues();
    void planCoversTheGrid();
    void learningRateMeansEachMethodsOwn();
    void learningRateSweepChangesEveryMethod();
    void parallelRunsMatchSequentialOnes();
    void sweepCsvMeanAndSpread();
    void groupsOfACompareOverSeeds();
};

void TestComparison::optimizerSpecs() {
    const auto specs = parseOptimizerSpecs("alig:max_lr=0.1, sgd:lr=0.1:nesterov=true,adam");
    QCOMPARE(specs.size(), size_t{3});
    QCOMPARE(QString::fromStdString(specs[0].label), QString("alig max_lr=0.1"));
    QCOMPARE(specs[1].overrides, (std::vector<std::string>{"optimizer.name=sgd", "optimizer.lr=0.1",
                                                           "optimizer.nesterov=true"}));
    QCOMPARE(specs[2].overrides, (std::vector<std::string>{"optimizer.name=adam"}));
    // A list value keeps its commas.
    QCOMPARE(parseOptimizerSpecs("sgd:milestones=[5,8]:gamma=0.1,adam").size(), size_t{2});
    QCOMPARE(parseOptimizerSpecs("sgd:milestones=[5,8]")[0].overrides[1],
             std::string("optimizer.milestones=[5,8]"));
    // A dotted key reaches any section.
    QCOMPARE(parseOptimizerSpecs("alig:training.batch_size=64")[0].overrides[1],
             std::string("training.batch_size=64"));
}

void TestComparison::optimizerSpecErrors_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown") << "alig,lbfgs:lr=1"
                             << "unknown optimizer \"lbfgs\"";
    QTest::newRow("no value") << "sgd:lr"
                              << "expected key=value, got \"lr\"";
    QTest::newRow("empty entry") << "alig,,sgd"
                                 << "empty entry";
}

void TestComparison::optimizerSpecErrors() {
    QFETCH(QString, text);
    QFETCH(QString, message);
    const QString error = errorOf([&] { parseOptimizerSpecs(text.toStdString()); });
    QVERIFY2(error.startsWith("--optimizers: ") && error.contains(message), qPrintable(error));
}

void TestComparison::sweepValues() {
    QCOMPARE(parseSweepValues("1e-3, 0.01,2"), (std::vector<double>{1e-3, 0.01, 2.0}));
    const auto v = parseSweepValues("logspace:1e-3:10:5");
    QCOMPARE(v.size(), size_t{5});
    for (size_t i = 0; i < v.size(); ++i) // 1e-3, 1e-2, 0.1, 1, 10
        ALIG_COMPARE_NEAR(v[i], std::pow(10.0, -3.0 + static_cast<double>(i)), 1e-12);
    QVERIFY(errorOf([] { parseSweepValues("0.1,big"); }).contains("\"big\" is not a number"));
    QVERIFY(errorOf([] { parseSweepValues("logspace:0:1:3"); }).contains("FROM and TO > 0"));
}

void TestComparison::planCoversTheGrid() {
    const std::string parent = alig::test::scratchDir("plan");
    const auto specs = parseOptimizerSpecs("alig,sgd:lr=0.05");
    const auto plan =
        planRuns(tinySpirals(1), specs, "training.batch_size", {16, 32, 64}, 2, parent);
    QCOMPARE(plan.size(), size_t{2 * 3 * 2});
    std::set<std::string> dirs;
    for (const auto& p : plan) {
        dirs.insert(p.config.output.dir);
        QCOMPARE(p.config.training.batchSize, static_cast<int64_t>(p.value));
        QVERIFY(p.seed == 1 || p.seed == 2); // the preset's seed, then the next
        QCOMPARE(p.config.training.seed, p.seed);
    }
    QCOMPARE(dirs.size(), plan.size()); // every run its own folder
    // Also when the label is longer than a folder name: the seeds of SGD with a schedule
    // spelt out shared one folder, and the second seed failed ("already holds a run").
    const auto longPlan = planRuns(
        tinySpirals(1),
        parseOptimizerSpecs("sgd:lr=0.1:momentum=0.9:nesterov=true:schedule=step:milestones=[5,8]:"
                            "gamma=0.1"),
        "", {}, 3, parent);
    std::set<std::string> longDirs;
    for (const auto& p : longPlan) {
        const std::string name = fs::path(p.config.output.dir).filename().string();
        QVERIFY2(name.size() <= 80 && name.find("seed_") != std::string::npos, name.c_str());
        longDirs.insert(p.config.output.dir);
    }
    QCOMPARE(longDirs.size(), size_t{3});
    QCOMPARE(plan[6].config.optimizer.name, std::string("sgd"));
    QCOMPARE(plan[6].config.optimizer.lr, 0.05);
    // A value that makes an invalid experiment is refused before anything trains.
    const QString error =
        errorOf([&] { planRuns(tinySpirals(1), specs, "training.batch_size", {0}, 1, parent); });
    QVERIFY2(error.contains("training.batch_size: must be in [1"), qPrintable(error));
}

void TestComparison::learningRateMeansEachMethodsOwn() {
    const auto plan = planRuns(tinySpirals(1), parseOptimizerSpecs("alig,adam"), "learning_rate",
                               {0.02}, 1, alig::test::scratchDir("lr"));
    QCOMPARE(plan[0].config.optimizer.maxLr.value(), 0.02); // ALI-G: max_lr
    QCOMPARE(plan[1].config.optimizer.lr, 0.02);            // Adam: lr
}

void TestComparison::learningRateSweepChangesEveryMethod() {
    // Every method of the catalogue, swept over two step sizes: each method's two runs get
    // its own step-size option and end with different losses (a method whose option the
    // sweep missed would give two identical runs).
    std::string all;
    for (const auto& e : optimizerCatalogue())
        all += (all.empty() ? "" : ",") + e.name;
    auto doc = tinySpirals(1);
    doc["dataset"]["samples"] = 200;
    const auto plan = planRuns(doc, parseOptimizerSpecs(all), "learning_rate", {0.003, 0.3}, 1,
                               alig::test::scratchDir("lr-all"));
    QCOMPARE(plan.size(), 2 * optimizerCatalogue().size());
    for (const auto& run : plan)
        QCOMPARE(stepSizeOf(run.config.optimizer), run.value);
    const auto results = runAll(plan, 2, 0.9, {});
    for (size_t i = 0; i < results.size(); i += 2) {
        const std::string& name = plan[i].config.optimizer.name;
        QCOMPARE(results[i].status, RunStatus::Completed);
        QCOMPARE(results[i + 1].status, RunStatus::Completed);
        const auto a = readRun(results[i].dir), b = readRun(results[i + 1].dir);
        QCOMPARE(a.steps.front().loss, b.steps.front().loss); // the same start
        QVERIFY2(a.steps.back().loss != b.steps.back().loss, name.c_str());
        QVERIFY2(results[i].finalTrainLoss != results[i + 1].finalTrainLoss, name.c_str());
    }
}

void TestComparison::parallelRunsMatchSequentialOnes() {
    // Same seed, different optimizers: the same initial weights and data order, whether
    // the runs train one after another or two at once.
    const auto specs = parseOptimizerSpecs("alig:max_lr=0.1,sgd:lr=0.1:momentum=0.9");
    const auto one = planRuns(tinySpirals(3), specs, "", {}, 1, alig::test::scratchDir("seq"));
    const auto two = planRuns(tinySpirals(3), specs, "", {}, 1, alig::test::scratchDir("par"));
    const auto seq = runAll(one, 1, 0.9, {});
    size_t calls = 0;
    const auto par = runAll(two, 2, 0.9, [&](const RunSummary&, size_t done) {
        ++calls;
        QCOMPARE(done, calls);
    });
    QCOMPARE(calls, size_t{2});
    for (size_t i = 0; i < seq.size(); ++i) {
        QCOMPARE(seq[i].status, RunStatus::Completed);
        QCOMPARE(par[i].finalTestAccuracy, seq[i].finalTestAccuracy);
        QCOMPARE(par[i].finalTrainLoss, seq[i].finalTrainLoss);
        QCOMPARE(par[i].label, seq[i].label);
    }
    const auto a = readRun(seq[0].dir), b = readRun(seq[1].dir);
    QCOMPARE(a.steps.front().loss, b.steps.front().loss); // same start for both methods
    QVERIFY(a.steps.back().loss != b.steps.back().loss);  // and then they differ
    // The summary's numbers are the run's own.
    QCOMPARE(seq[0].finalTestAccuracy, a.epochs.back().testAccuracy);
    int64_t clipped = 0;
    for (const auto& m : a.steps)
        clipped += m.clipped ? 1 : 0;
    ALIG_COMPARE_NEAR(seq[0].clippedFraction, double(clipped) / double(a.steps.size()), 1e-12);
    QVERIFY(std::isnan(seq[1].clippedFraction)); // SGD clips nothing
    int64_t target = -1;
    for (const auto& e : a.epochs)
        if (target < 0 && e.trainAccuracy >= 0.9) target = e.step;
    QCOMPARE(seq[0].stepsToTarget, target);
}

void TestComparison::sweepCsvMeanAndSpread() {
    std::vector<RunSummary> runs;
    auto add = [&](const std::string& g, double v, double acc, RunStatus s) {
        RunSummary r;
        r.group = g;
        r.param = "optimizer.max_lr";
        r.value = v;
        r.finalTestAccuracy = acc;
        r.status = s;
        runs.push_back(r);
    };
    add("alig", 0.1, 0.80, RunStatus::Completed);
    add("alig", 0.1, 0.90, RunStatus::Completed);
    add("alig", 0.01, 0.70, RunStatus::Completed);
    add("alig", 1.0, 0.10, RunStatus::Diverged); // left out of the mean
    add("sgd", 0.1, 0.85, RunStatus::Completed);
    const std::string path = alig::test::scratchDir("sweepcsv") + "/sweep.csv";
    writeSweepCsv(path, runs);
    const auto lines = readLines(path);
    QCOMPARE(lines.size(), size_t{5});
    QCOMPARE(lines[0], std::string("group,param,value,mean_final_test_accuracy,"
                                   "std_final_test_accuracy,runs"));
    QCOMPARE(lines[1], std::string("alig,optimizer.max_lr,0.01,0.7,0,1"));
    // mean 0.85, sample sd sqrt(((0.05)^2 * 2) / 1) = 0.0707106781
    QCOMPARE(lines[2], std::string("alig,optimizer.max_lr,0.1,0.85,0.07071067812,2"));
    QCOMPARE(lines[3], std::string("alig,optimizer.max_lr,1,,,0"));
    QCOMPARE(lines[4], std::string("sgd,optimizer.max_lr,0.1,0.85,0,1"));
}

void TestComparison::groupsOfACompareOverSeeds() {
    // A compare (no swept value): three seeds of ALI-G, two of SGD, one SGD run failed.
    std::vector<RunSummary> runs;
    auto add = [&](const std::string& g, double final, double best, int64_t steps, RunStatus s) {
        RunSummary r;
        r.group = g;
        r.finalTestAccuracy = final;
        r.bestTestAccuracy = best;
        r.stepsToTarget = steps;
        r.seconds = 2.0;
        r.status = s;
        runs.push_back(r);
    };
    add("sgd lr=0.1", 0.70, 0.75, -1, RunStatus::Completed);
    add("alig", 0.80, 0.82, 100, RunStatus::Completed);
    add("alig", 0.86, 0.86, 300, RunStatus::Completed);
    add("alig", 0.83, 0.90, -1, RunStatus::Completed);
    add("sgd lr=0.1", 0.10, 0.10, -1, RunStatus::Diverged);
    const auto groups = summarizeGroups(runs);
    QCOMPARE(groups.size(), size_t{2});
    QCOMPARE(groups[0].group, std::string("sgd lr=0.1")); // in order of first appearance
    QCOMPARE(groups[0].runs, 2);
    QCOMPARE(groups[0].completed, 1);
    ALIG_COMPARE_NEAR(groups[0].meanFinalTestAccuracy, 0.70, 1e-12);
    ALIG_COMPARE_NEAR(groups[0].stdFinalTestAccuracy, 0.0, 1e-12); // one completed seed
    QCOMPARE(groups[0].meanStepsToTarget, -1.0);
    const GroupSummary& a = groups[1];
    QCOMPARE(a.runs, 3);
    QCOMPARE(a.completed, 3);
    // mean 0.83; deviations -0.03, 0.03, 0: sample sd sqrt(0.0018 / 2) = 0.03
    ALIG_COMPARE_NEAR(a.meanFinalTestAccuracy, 0.83, 1e-12);
    ALIG_COMPARE_NEAR(a.stdFinalTestAccuracy, 0.03, 1e-12);
    // best: 0.82, 0.86, 0.90: mean 0.86, sd 0.04
    ALIG_COMPARE_NEAR(a.meanBestTestAccuracy, 0.86, 1e-12);
    ALIG_COMPARE_NEAR(a.stdBestTestAccuracy, 0.04, 1e-12);
    QCOMPARE(a.reachedTarget, 2);
    ALIG_COMPARE_NEAR(a.meanStepsToTarget, 200.0, 1e-12);
    const std::string path = alig::test::scratchDir("groupscsv") + "/groups.csv";
    writeGroupsCsv(path, runs);
    const auto lines = readLines(path);
    QCOMPARE(lines.size(), size_t{3});
    QVERIFY(lines[0].rfind("group,param,value,runs,completed,mean_final_test_accuracy", 0) == 0);
    QCOMPARE(lines[2], std::string("alig,,,3,3,0.83,0.03,0.86,0.04,2,2,200"));
}

QTEST_GUILESS_MAIN(TestComparison)
#include "tst_comparison.moc"
