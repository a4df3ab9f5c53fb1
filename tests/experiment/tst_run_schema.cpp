// The run schema (core/experiment/run_schema.h): every column of metrics.csv and epochs.csv
// written and read back to the same value, folders written with older, reordered or other
// columns read by header name, and a resumed recorder rewriting an older file with today's
// header without losing its rows.

#include "common/test_support.h"
#include "core/experiment/run_schema.h"
#include "core/experiment/run_store.h"
#include "core/util/error.h"

#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

using namespace alig::core;
using alig::test::errorOf;

namespace {

// Every field a distinct value that no default has, with digits a short format would lose.
StepMetrics sampleStep(int64_t step) {
    StepMetrics m;
    m.step = step;
    m.epoch = 3;
    m.loss = 0.69314718055994529 + static_cast<double>(step);
    m.accuracy = 0.1234567890123456;
    m.stepSize = 1.0 / 3.0;
    m.unclippedStepSize = 2.0 / 3.0;
    m.clipped = true;
    m.gradNorm = 1e-300;
    m.maxLr = 0.5;
    m.effectiveStep = 0.25;
    m.elapsed = 12.345678;
    return m;
}

EpochMetrics sampleEpoch(int64_t epoch) {
    EpochMetrics e;
    e.epoch = epoch;
    e.step = 40 * epoch;
    e.trainLoss = 1.0 / 7.0;
    e.trainAccuracy = 0.875;
    e.testLoss = 2.0 / 7.0;
    e.testAccuracy = 0.8125;
    e.interpolation = 0.5;
    e.elapsed = 99.5;
    e.epochSeconds = 3.25;
    return e;
}

std::string contentsOf(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string firstLine(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

} // namespace

class TestRunSchema : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void headersAreTheDocumentedColumns();
    void stepRoundTripsEveryColumn();
    void epochRoundTripsEveryColumn();
    void olderFolderReadsByHeaderName();
    void missingKeyColumnIsAnError();
    void resumeRewritesAnOlderFileWithTodaysHeader();
};

void TestRunSchema::headersAreTheDocumentedColumns() {
    // The files' columns as README, docs/alig.md and older folders know them.
    QCOMPARE(csvHeader(stepColumns()),
             std::string("step,epoch,loss,accuracy,step_size,unclipped_step_size,clipped,"
                         "grad_norm,max_lr,effective_step,elapsed_s"));
    QCOMPARE(csvHeader(epochColumns()),
             std::string("epoch,step,train_loss,train_accuracy,test_loss,test_accuracy,elapsed_s,"
                         "epoch_s,interpolation,batch_loss"));
}

void TestRunSchema::stepRoundTripsEveryColumn() {
    const std::string path = alig::test::scratchDir("step-round-trip") + "/metrics.csv";
    StepMetrics unclipped = sampleStep(2);
    unclipped.clipped = false;
    unclipped.maxLr = std::numeric_limits<double>::quiet_NaN(); // no max_lr
    alig::test::writeFile(path, csvHeader(stepColumns()) + "\n" +
                                    csvFields(stepColumns(), sampleStep(1)) + "\n" +
                                    csvFields(stepColumns(), unclipped) + "\n");
    const std::vector<StepMetrics> rows = readStepsCsv(path);
    QCOMPARE(rows.size(), size_t{2});
    // Column by column, through the schema's own accessors and then through the fields.
    for (const auto& c : stepColumns()) {
        const double written = c.get(sampleStep(1)), read = c.get(rows[0]);
        QVERIFY2(written == read, c.name);
    }
    const StepMetrics& m = rows[0];
    QCOMPARE(m.step, int64_t{1});
    QCOMPARE(m.epoch, int64_t{3});
    QCOMPARE(m.loss, 0.69314718055994529 + 1.0);
    QCOMPARE(m.accuracy, 0.1234567890123456);
    QCOMPARE(m.stepSize, 1.0 / 3.0);
    QCOMPARE(m.unclippedStepSize, 2.0 / 3.0);
    QCOMPARE(m.clipped, true);
    QCOMPARE(m.gradNorm, 1e-300);
    QCOMPARE(m.maxLr, 0.5);
    QCOMPARE(m.effectiveStep, 0.25);
    QCOMPARE(m.elapsed, 12.345678);
    QCOMPARE(rows[1].clipped, false);
    QVERIFY(std::isnan(rows[1].maxLr));
}

void TestRunSchema::epochRoundTripsEveryColumn() {
    const std::string path = alig::test::scratchDir("epoch-round-trip") + "/epochs.csv";
    alig::test::writeFile(path, csvHeader(epochColumns()) + "\n" +
                                    csvFields(epochColumns(), sampleEpoch(1)) + "\n");
    const std::vector<EpochMetrics> rows = readEpochsCsv(path);
    QCOMPARE(rows.size(), size_t{1});
    const EpochMetrics& e = rows[0];
    QCOMPARE(e.epoch, int64_t{1});
    QCOMPARE(e.step, int64_t{40});
    QCOMPARE(e.trainLoss, 1.0 / 7.0);
    QCOMPARE(e.trainAccuracy, 0.875);
    QCOMPARE(e.testLoss, 2.0 / 7.0);
    QCOMPARE(e.testAccuracy, 0.8125);
    QCOMPARE(e.elapsed, 99.5);
    QCOMPARE(e.epochSeconds, 3.25);
    QCOMPARE(e.interpolation, 0.5);
}

void TestRunSchema::olderFolderReadsByHeaderName() {
    // A folder from an older build: metrics.csv with its columns in another order, without
    // effective_step and with a (text) column this build does not know; epochs.csv from before the
    // interpolation meter, its columns reordered too.
    const std::string dir = alig::test::scratchDir("older") + "/run";
    alig::test::writeFile(dir + "/run.json", "{\"status\": \"completed\"}\n");
    alig::test::writeFile(dir + "/metrics.csv",
                          "epoch,step,loss,grad_norm,accuracy,retired_column,step_size,"
                          "unclipped_step_size,clipped,max_lr,elapsed_s\n"
                          "1,1,2.5,4,0.25,text,0.1,0.3,1,0.1,0.5\n"
                          "1,2,2.25,3,0.5,text,0.2,0.2,0,0.1,1.0\n");
    alig::test::writeFile(dir + "/epochs.csv",
                          "step,epoch,test_loss,test_accuracy,train_loss,train_accuracy,"
                          "elapsed_s,epoch_s\n"
                          "2,1,2.0,0.75,2.1,0.5,1.5,1.25\n");
    const RunRecord record = readRun(dir);
    QCOMPARE(record.steps.size(), size_t{2});
    const StepMetrics& s = record.steps[1];
    QCOMPARE(s.step, int64_t{2});
    QCOMPARE(s.epoch, int64_t{1});
    QCOMPARE(s.loss, 2.25);
    QCOMPARE(s.gradNorm, 3.0);
    QCOMPARE(s.accuracy, 0.5);
    QCOMPARE(s.stepSize, 0.2);
    QCOMPARE(s.unclippedStepSize, 0.2);
    QCOMPARE(s.clipped, false);
    QCOMPARE(s.maxLr, 0.1);
    QCOMPARE(s.elapsed, 1.0);
    QCOMPARE(s.effectiveStep, StepMetrics{}.effectiveStep); // not in the file: the default
    QCOMPARE(record.steps[0].clipped, true);
    QCOMPARE(record.epochs.size(), size_t{1});
    const EpochMetrics& e = record.epochs[0];
    QCOMPARE(e.epoch, int64_t{1});
    QCOMPARE(e.step, int64_t{2});
    QCOMPARE(e.trainLoss, 2.1);
    QCOMPARE(e.trainAccuracy, 0.5);
    QCOMPARE(e.testLoss, 2.0);
    QCOMPARE(e.testAccuracy, 0.75);
    QCOMPARE(e.elapsed, 1.5);
    QCOMPARE(e.epochSeconds, 1.25);
    QVERIFY(std::isnan(e.interpolation)); // recorded before the meter
}

void TestRunSchema::missingKeyColumnIsAnError() {
    const std::string path = alig::test::scratchDir("no-key") + "/metrics.csv";
    alig::test::writeFile(path, "epoch,loss\n1,0.5\n");
    const QString error = errorOf([&] { readStepsCsv(path); });
    QVERIFY2(error.startsWith(QString::fromStdString(path)) && error.contains("\"step\""),
             qPrintable(error));
}

void TestRunSchema::resumeRewritesAnOlderFileWithTodaysHeader() {
    const std::string dir = alig::test::scratchDir("resume-older") + "/run";
    alig::test::writeFile(dir + "/metrics.csv",
                          "step,epoch,loss,accuracy,step_size,unclipped_step_size,clipped,"
                          "grad_norm,max_lr,elapsed_s\n"
                          "1,1,2.5,0.25,0.1,0.3,1,4,0.1,0.5\n"
                          "2,1,2.25,0.5,0.2,0.2,0,3,0.1,1.0\n"
                          "3,2,2,0.5,0.2,0.2,0,3,0.1,1.5\n");
    alig::test::writeFile(dir + "/epochs.csv",
                          "epoch,step,train_loss,train_accuracy,test_loss,test_accuracy,"
                          "elapsed_s,epoch_s\n"
                          "1,2,2.1,0.5,2.0,0.75,1.5,1.25\n"
                          "2,4,2.0,0.5,1.9,0.75,2.5,1.0\n");
    {
        // Resumed from the checkpoint of epoch 1, step 2: later rows go.
        RunRecorder recorder(dir, nlohmann::json::object(), 60.0, 2, 1);
    }
    QCOMPARE(firstLine(dir + "/metrics.csv"), csvHeader(stepColumns()));
    QCOMPARE(firstLine(dir + "/epochs.csv"), csvHeader(epochColumns()));
    const RunRecord record = readRun(dir);
    QCOMPARE(record.steps.size(), size_t{2});
    QCOMPARE(record.steps[1].loss, 2.25);
    QCOMPARE(record.steps[1].gradNorm, 3.0);
    QCOMPARE(record.epochs.size(), size_t{1});
    QCOMPARE(record.epochs[0].testAccuracy, 0.75);
    QCOMPARE(record.epochs[0].epochSeconds, 1.25);
    QVERIFY(std::isnan(record.epochs[0].interpolation));
    QVERIFY(contentsOf(dir + "/epochs.csv").find(",nan\n") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestRunSchema)
#include "tst_run_schema.moc"
