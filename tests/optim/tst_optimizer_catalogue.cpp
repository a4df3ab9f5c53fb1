// The optimizer catalogue: every entry is complete and agrees with the optimizer it builds, the
// step-size option of each method is the one it reads, the docs' table is the catalogue's, and
// no method name is compared anywhere outside the catalogue.

#include "common/test_support.h"
#include "core/optim/optimizer_catalogue.h"
#include "core/optim/step_size_reporter.h"

#include <QtTest/QtTest>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using namespace alig::core;
using alig::test::errorOf;

namespace {

std::string readText(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A least-squares step: w in R^3, loss 0.5 ||A w - b||^2 / n.
double stepOnce(torch::optim::Optimizer& o, torch::Tensor& w) {
    torch::manual_seed(0);
    const auto a = torch::randn({8, 3}, torch::kFloat64);
    const auto b = torch::randn({8}, torch::kFloat64);
    o.zero_grad();
    const auto loss = 0.5 * (a.matmul(w) - b).pow(2).mean();
    loss.backward();
    const auto detached = loss.detach();
    o.step([&] { return detached; });
    return loss.item<double>();
}

} // namespace

class TestOptimizerCatalogue : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyEntryIsComplete();
    void entryAgreesWithItsOptimizer();
    void stepSizeIsTheMethodsOwnOption();
    void stepSizeOptionChangesTheStep();
    void unknownNamesListTheCatalogue();
    void summariesNameTheStepSize_data();
    void summariesNameTheStepSize();
    void docsTableIsTheCatalogues();
    void noMethodNameIsComparedOutsideTheCatalogue();
};

void TestOptimizerCatalogue::everyEntryIsComplete() {
    std::set<std::string> names;
    QVERIFY(optimizerCatalogue().size() >= 13);
    for (const auto& e : optimizerCatalogue()) {
        QVERIFY2(names.insert(e.name).second, e.name.c_str());
        QVERIFY(!e.label.empty() && !e.shortLabel.empty());
        QVERIFY2(e.stepField == "max_lr" || e.stepField == "lr" || e.stepField == "alpha",
                 e.name.c_str());
        QVERIFY2(e.reads(e.stepField), e.name.c_str()); // the step size is one of its fields
        QVERIFY(e.validate && e.make);
        QVERIFY(e.demoStep > 0.0);
        for (const auto& f : e.summaryFields)
            QVERIFY2(e.reads(f), (e.name + ": " + f).c_str());
        QCOMPARE(findOptimizer(e.name), &e);
    }
    QCOMPARE(optimizerNames().size(), optimizerCatalogue().size());
}

void TestOptimizerCatalogue::entryAgreesWithItsOptimizer() {
    for (const auto& e : optimizerCatalogue()) {
        OptimizerConfig c;
        c.name = e.name;
        validateOptimizerConfig(c); // the defaults are valid
        auto w = torch::zeros({3}, torch::kFloat64).requires_grad_(true);
        auto o = makeOptimizer(c, {w});
        // A method that says it chooses its step reports it; the others do not.
        const StepReadout readout(*o);
        QCOMPARE(readout.choosesStep(), e.reports.chosenStep);
        QCOMPARE(isAdaptiveStepMethod(e.name), e.reports.chosenStep);
        QCOMPARE(readout.lrIsStepCap(), e.reports.cap);
        stepOnce(*o, w);
        const StepReport r = readout.last();
        QCOMPARE(r.stepSize.defined(), e.reports.chosenStep);
        QCOMPARE(r.clipped.defined(), e.reports.clip);
        // The group's lr is the step-size option (for the methods that have one as lr).
        const double lr = o->param_groups().front().options().get_lr();
        const double step = stepSizeOf(c);
        if (std::isfinite(step)) ALIG_COMPARE_NEAR(lr, step, 1e-12);
    }
}

void TestOptimizerCatalogue::stepSizeIsTheMethodsOwnOption() {
    for (const auto& e : optimizerCatalogue()) {
        OptimizerConfig c;
        c.name = e.name;
        setStepSize(c, 0.037);
        QCOMPARE(stepSizeOf(c), 0.037);
        if (e.stepField == "max_lr") QCOMPARE(c.maxLr.value(), 0.037);
        if (e.stepField == "lr") QCOMPARE(c.lr.value(), 0.037);
        if (e.stepField == "alpha") QCOMPARE(c.resolvedAlpha(), 0.037);
        QCOMPARE(optimizerFieldText(c, e.stepField), std::string("0.037"));
    }
}

void TestOptimizerCatalogue::stepSizeOptionChangesTheStep() {
    // Two step sizes, two different weights after one step: the option is really read.
    for (const auto& e : optimizerCatalogue()) {
        std::vector<torch::Tensor> after;
        for (double v : {1e-3, 1e-1}) {
            OptimizerConfig c;
            c.name = e.name;
            setStepSize(c, v);
            auto w = torch::zeros({3}, torch::kFloat64).requires_grad_(true);
            auto o = makeOptimizer(c, {w});
            stepOnce(*o, w);
            stepOnce(*o, w);
            after.push_back(w.detach().clone());
        }
        QVERIFY2(!torch::equal(after[0], after[1]), e.name.c_str());
    }
}

void TestOptimizerCatalogue::unknownNamesListTheCatalogue() {
    OptimizerConfig c;
    c.name = "lbfgs";
    const QString m = errorOf([&] { validateOptimizerConfig(c); });
    QVERIFY(m.startsWith("optimizer.name: unknown optimizer \"lbfgs\" (known: alig, sgd"));
    for (const auto& e : optimizerCatalogue())
        QVERIFY(m.contains(QString::fromStdString(e.name)));
}

void TestOptimizerCatalogue::summariesNameTheStepSize_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("expected");
    QTest::newRow("alig") << "alig"
                          << "ALI-G max_lr 0.1, momentum 0.9";
    QTest::newRow("sgd") << "sgd"
                         << "SGD lr 0.1, momentum 0.9";
    QTest::newRow("adam") << "adam"
                          << "Adam lr 0.001";
    QTest::newRow("sps") << "sps"
                         << "SPS_max max_lr 0.1, c 0.5";
    QTest::newRow("polyak") << "polyak"
                            << "Polyak max_lr 0.1";
    QTest::newRow("l4adam") << "l4adam"
                            << "L4Adam alpha 0.15";
    QTest::newRow("dfw") << "dfw"
                         << "DFW max_lr 0.1, momentum 0.9";
    QTest::newRow("decsps") << "decsps"
                            << "DecSPS max_lr 0.1, c 0.5";
    QTest::newRow("momo") << "momo"
                          << "MoMo lr 1, beta1 0.9";
    QTest::newRow("prodigy") << "prodigy"
                             << "Prodigy lr 1, d_coef 1";
    QTest::newRow("sf_sgd") << "sf_sgd"
                            << "SF-SGD lr 1, momentum 0.9";
    QTest::newRow("dog") << "dog"
                         << "DoG lr 1, dog_reps_rel 1e-06";
}

void TestOptimizerCatalogue::summariesNameTheStepSize() {
    QFETCH(QString, name);
    QFETCH(QString, expected);
    OptimizerConfig c;
    c.name = name.toStdString();
    QCOMPARE(QString::fromStdString(describeOptimizer(c)), expected);
}

void TestOptimizerCatalogue::docsTableIsTheCatalogues() {
    const std::string docs = readText(std::string(ALIG_SOURCE_DIR) + "/docs/config.md");
    QVERIFY(!docs.empty());
    QVERIFY2(docs.find(optimizerCatalogueMarkdown()) != std::string::npos,
             ("docs/config.md must hold the table `alig-train --list-optimizers` prints:\n" +
              optimizerCatalogueMarkdown())
                 .c_str());
}

void TestOptimizerCatalogue::noMethodNameIsComparedOutsideTheCatalogue() {
    // name == "alig", method != "sgd", ... anywhere in the programs' code but the catalogue.
    std::string alternatives;
    for (const auto& e : optimizerCatalogue())
        alternatives += (alternatives.empty() ? "" : "|") + e.name;
    const std::regex comparison("[!=]=\\s*\"(" + alternatives + ")\"|\"(" + alternatives +
                                ")\"\\s*[!=]=");
    namespace fs = std::filesystem;
    int files = 0;
    QStringList found;
    for (const char* dir : {"core", "ui", "app"}) {
        for (const auto& entry :
             fs::recursive_directory_iterator(fs::path(ALIG_SOURCE_DIR) / dir)) {
            const auto ext = entry.path().extension();
            if (ext != ".cpp" && ext != ".h") continue;
            if (entry.path().filename() == "optimizer_catalogue.cpp") continue;
            ++files;
            std::ifstream in(entry.path());
            int lineNo = 0;
            for (std::string line; std::getline(in, line);) {
                ++lineNo;
                if (std::regex_search(line, comparison))
                    found << QString("%1:%2: %3")
                                 .arg(QString::fromStdString(entry.path().string()))
                                 .arg(lineNo)
                                 .arg(QString::fromStdString(line).trimmed());
            }
        }
    }
    QVERIFY(files > 50);
    QVERIFY2(found.isEmpty(), qPrintable(found.join("\n")));
}

QTEST_GUILESS_MAIN(TestOptimizerCatalogue)
#include "tst_optimizer_catalogue.moc"
