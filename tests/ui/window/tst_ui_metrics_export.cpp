// File > Export Metrics (ui/window/metrics_export.h): every column of the run folder's
// metrics.csv and epochs.csv (core/experiment/run_schema.h) after run_id and run columns, each
// value exact, for every run exported; two runs of one name stay apart by their id.

#include "common/test_support.h"
#include "core/experiment/run_schema.h"
#include "ui/run/run.h"
#include "ui/window/metrics_export.h"

#include <QtTest/QtTest>

#include <fstream>
#include <limits>

using namespace alig;

namespace {

core::StepMetrics step(int64_t n, double loss) {
    core::StepMetrics m;
    m.step = n;
    m.epoch = 1;
    m.loss = loss;
    m.accuracy = 0.375;
    m.stepSize = 0.1;
    m.unclippedStepSize = 0.30000000000000004;
    m.clipped = true;
    m.gradNorm = 4.0;
    m.maxLr = 0.1;
    m.effectiveStep = 0.0625;
    m.elapsed = 1.5;
    return m;
}

core::EpochMetrics epoch(int64_t n) {
    core::EpochMetrics e;
    e.epoch = n;
    e.step = 2 * n;
    e.trainLoss = 1.0 / 3.0;
    e.trainAccuracy = 0.5;
    e.testLoss = 0.75;
    e.testAccuracy = 0.625;
    e.interpolation = 0.25;
    e.batchLoss = 0.375;
    e.elapsed = 2.5;
    e.epochSeconds = 1.125;
    return e;
}

std::string firstLine(const QString& path) {
    std::ifstream in(path.toStdString());
    std::string line;
    std::getline(in, line);
    return line;
}

} // namespace

class TestUiMetricsExport : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void exportHasEveryColumn();
};

void TestUiMetricsExport::exportHasEveryColumn() {
    // One name for both, as two runs of one preset had before names were made unique (and
    // as two stores merged by hand still may): only the id tells their rows apart.
    ui::Run a("20260101-120000-00000a", "same run", Qt::red, core::ExperimentConfig{});
    ui::Run b("20260101-120000-00000b", "same run", Qt::blue, core::ExperimentConfig{});
    a.appendSteps({step(1, 2.0 / 3.0), step(2, 0.5)});
    a.appendEpochs({epoch(1)});
    b.appendSteps({step(1, 0.125)});
    b.appendEpochs({epoch(1), epoch(2)});
    const QString dir = QString::fromStdString(alig::test::scratchDir("export"));
    const QString steps = dir + "/metrics.csv", epochs = dir + "/metrics-epochs.csv";
    ui::exportMetricsCsv({&a, &b}, steps, epochs);

    // The columns as they are written out in full, so that a column the schema loses fails
    // here as well (the window's epochs file once lacked epoch_s).
    QCOMPARE(
        firstLine(steps),
        std::string("run_id,run,step,epoch,loss,accuracy,step_size,unclipped_step_size,clipped,"
                    "grad_norm,max_lr,effective_step,elapsed_s"));
    QCOMPARE(firstLine(epochs),
             std::string("run_id,run,epoch,step,train_loss,train_accuracy,test_loss,test_accuracy,"
                         "elapsed_s,epoch_s,interpolation,batch_loss"));

    // Read back with the run store's reader (which skips the run column): every value exact.
    const auto readSteps = core::readStepsCsv(steps.toStdString());
    QCOMPARE(readSteps.size(), size_t{3});
    const core::StepMetrics expected[] = {step(1, 2.0 / 3.0), step(2, 0.5), step(1, 0.125)};
    for (size_t i = 0; i < 3; ++i)
        for (const auto& c : core::stepColumns())
            QVERIFY2(c.get(readSteps[i]) == c.get(expected[i]), c.name);
    const auto readEpochs = core::readEpochsCsv(epochs.toStdString());
    QCOMPARE(readEpochs.size(), size_t{3});
    const core::EpochMetrics expectedEpochs[] = {epoch(1), epoch(1), epoch(2)};
    for (size_t i = 0; i < 3; ++i)
        for (const auto& c : core::epochColumns())
            QVERIFY2(c.get(readEpochs[i]) == c.get(expectedEpochs[i]), c.name);

    // The run_id and run columns name each row's run; (run_id, step) is unique.
    std::ifstream in(steps.toStdString());
    std::string line;
    std::getline(in, line);
    QSet<QString> keys;
    QStringList rows;
    while (std::getline(in, line)) {
        const QStringList f = QString::fromStdString(line).split(',');
        keys.insert(f[0] + '/' + f[2]);
        rows << QString::fromStdString(line);
    }
    QCOMPARE(rows.size(), 3);
    QCOMPARE(keys.size(), 3); // without the id, ("same run", 1) would be there twice
    QVERIFY2(rows[0].startsWith("\"20260101-120000-00000a\",\"same run\",1,1,"),
             qPrintable(rows[0]));
    QVERIFY2(rows[2].startsWith("\"20260101-120000-00000b\",\"same run\",1,1,"),
             qPrintable(rows[2]));
}

QTEST_GUILESS_MAIN(TestUiMetricsExport)
#include "tst_ui_metrics_export.moc"
