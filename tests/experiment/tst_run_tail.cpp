// RunTail, the reader of a folder another process is writing: rows appear as their line
// ends arrive (a half-written last line is held back, however it is cut), a file that is not
// there yet is no error, a replaced file (a resume) starts over, run.json is read again
// whenever it is replaced, and the folder is only ever read.

#include "common/test_support.h"
#include "core/experiment/run_schema.h"
#include "core/experiment/run_tail.h"
#include "core/util/atomic_file.h"

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>

using alig::core::RunTail;
namespace fs = std::filesystem;

namespace {

void append(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << text;
}

std::string stepRow(int64_t step, double loss) {
    alig::core::StepMetrics m;
    m.step = step;
    m.epoch = 1;
    m.loss = loss;
    return alig::core::csvFields(alig::core::stepColumns(), m) + "\n";
}

} // namespace

class TestRunTail : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void rowsArriveWithTheirLineEnds() {
        const std::string dir = alig::test::scratchDir("rows");
        RunTail tail(dir);
        RunTail::Update u = tail.poll(); // nothing written yet
        QVERIFY(u.steps.empty() && !u.grew && !u.infoChanged && !u.reset);

        const std::string metrics = dir + "/metrics.csv";
        append(metrics, alig::core::csvHeader(alig::core::stepColumns()) + "\n");
        append(metrics, stepRow(1, 0.5));
        const std::string second = stepRow(2, 0.25);
        // Every cut of the second row: nothing of it shows until its line end arrives.
        append(metrics, second.substr(0, 1));
        u = tail.poll();
        QCOMPARE(u.steps.size(), size_t{1});
        QCOMPARE(u.steps[0].loss, 0.5);
        for (size_t i = 1; i + 1 < second.size(); ++i) {
            append(metrics, second.substr(i, 1));
            u = tail.poll();
            QVERIFY2(u.steps.empty(), qPrintable(QString("cut at %1").arg(i)));
            QVERIFY(u.grew);
        }
        append(metrics, "\n");
        u = tail.poll();
        QCOMPARE(u.steps.size(), size_t{1});
        QCOMPARE(u.steps[0].step, int64_t{2});
        QCOMPARE(u.steps[0].loss, 0.25);
        QVERIFY(!tail.poll().grew);
    }

    void olderColumnsAndBadRows() {
        const std::string dir = alig::test::scratchDir("columns");
        // An older file: fewer columns, one this build does not know, a row that is garbage.
        alig::test::writeFile(dir + "/epochs.csv", "epoch,step,test_accuracy,shiny\n"
                                                   "1,10,0.5,x\n"
                                                   "not,a,row,at all\n"
                                                   "2,20,0.75,y\n");
        RunTail tail(dir);
        const RunTail::Update u = tail.poll();
        QCOMPARE(u.epochs.size(), size_t{2});
        QCOMPARE(u.epochs[1].testAccuracy, 0.75);
        QVERIFY(std::isnan(u.epochs[1].interpolation)); // not in the file
    }

    void replacedFilesStartOver() {
        const std::string dir = alig::test::scratchDir("replaced");
        const std::string metrics = dir + "/metrics.csv";
        const std::string header = alig::core::csvHeader(alig::core::stepColumns()) + "\n";
        alig::test::writeFile(metrics,
                              header + stepRow(1, 1.0) + stepRow(2, 2.0) + stepRow(3, 3.0));
        RunTail tail(dir);
        QCOMPARE(tail.poll().steps.size(), size_t{3});
        // A resume keeps the rows up to its checkpoint and replaces the file.
        alig::core::writeFileAtomically(metrics, header + stepRow(1, 1.0));
        RunTail::Update u = tail.poll();
        QVERIFY(u.reset);
        QCOMPARE(u.steps.size(), size_t{1});
        append(metrics, stepRow(2, 20.0));
        u = tail.poll();
        QVERIFY(!u.reset);
        QCOMPARE(u.steps.size(), size_t{1});
        QCOMPARE(u.steps[0].loss, 20.0);
    }

    void runJsonWhenReplaced() {
        const std::string dir = alig::test::scratchDir("info");
        alig::core::writeFileAtomically(dir + "/run.json", R"({"status": "running"})");
        RunTail tail(dir);
        RunTail::Update u = tail.poll();
        QVERIFY(u.infoChanged);
        QCOMPARE(u.info["status"].get<std::string>(), std::string("running"));
        QVERIFY(!tail.poll().infoChanged);
        alig::core::writeFileAtomically(dir + "/run.json", R"({"status": "completed"})");
        u = tail.poll();
        QVERIFY(u.infoChanged);
        QCOMPARE(u.info["status"].get<std::string>(), std::string("completed"));
    }

    void neverWrites() {
        const std::string dir = alig::test::scratchDir("read-only");
        alig::test::writeFile(dir + "/metrics.csv",
                              alig::core::csvHeader(alig::core::stepColumns()) + "\n" +
                                  stepRow(1, 1.0));
        fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
        RunTail tail(dir);
        QCOMPARE(tail.poll().steps.size(), size_t{1});
        fs::permissions(dir, fs::perms::owner_all);
        QCOMPARE(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
    }

    void missingFolderIsNamed() {
        QVERIFY(alig::test::errorOf([] {
                    RunTail tail("/no/such/run");
                }).contains("/no/such/run: no such run folder"));
    }
};

QTEST_GUILESS_MAIN(TestRunTail)
#include "tst_run_tail.moc"
