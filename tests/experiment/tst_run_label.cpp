// core::differingLabels (core/experiment/run_label.h): a run's label lists only the settings
// that differ within the set, method first and seed last, and only the optimizer fields the
// method reads.

#include "common/test_support.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/run_label.h"

#include <QtTest/QtTest>

using namespace alig;
using nlohmann::json;

namespace {

core::ExperimentConfig aligRun(double maxLr, uint64_t seed = 1) {
    core::ExperimentConfig c = test::smallSpirals(1);
    c.optimizer.name = "alig";
    c.optimizer.maxLr = maxLr;
    c.training.seed = seed;
    return c;
}

std::vector<std::string> labels(const std::vector<core::ExperimentConfig>& configs) {
    std::vector<json> docs;
    for (const auto& c : configs)
        docs.push_back(c.toJson());
    return core::differingLabels(docs);
}

} // namespace

class TestRunLabel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void onlyWhatDiffers();
    void methodFirstSeedLast();
    void namesAndOutputDoNotCount();
    void oneRunOrIdenticalRunsHaveNoLabel();
};

void TestRunLabel::onlyWhatDiffers() {
    const auto l = labels({aligRun(0.05), aligRun(5.0)});
    QCOMPARE(l, (std::vector<std::string>{"max_lr 0.05", "max_lr 5"}));
}

void TestRunLabel::methodFirstSeedLast() {
    core::ExperimentConfig sgd = aligRun(0.1, 2);
    sgd.optimizer.name = "sgd";
    sgd.optimizer.lr = 0.1;
    sgd.optimizer.maxLr.reset();
    const auto l = labels({aligRun(0.1, 1), sgd});
    // ALI-G does not read lr, SGD does not read max_lr: each shows its own step size. The
    // momentum both read is the same, so it is not there.
    QVERIFY2(l[0] == "alig max_lr 0.1 · seed 1", l[0].c_str());
    QVERIFY2(l[1] == "sgd lr 0.1 · seed 2", l[1].c_str());
    QCOMPARE(l[1], std::string("sgd lr 0.1 · seed 2"));
}

void TestRunLabel::namesAndOutputDoNotCount() {
    core::ExperimentConfig a = aligRun(0.1), b = aligRun(0.1);
    b.name = "another name";
    b.output.dir = "/tmp/elsewhere";
    b.training.threads = 3;
    b.training.batchSize = a.training.batchSize * 2;
    const auto l = labels({a, b});
    QCOMPARE(l[1], "batch_size " + std::to_string(b.training.batchSize));
}

void TestRunLabel::oneRunOrIdenticalRunsHaveNoLabel() {
    QCOMPARE(labels({aligRun(0.1)}), std::vector<std::string>{""});
    QCOMPARE(labels({aligRun(0.1), aligRun(0.1)}), (std::vector<std::string>{"", ""}));
    QVERIFY(labels({}).empty());
}

QTEST_GUILESS_MAIN(TestRunLabel)
#include "tst_run_label.moc"
