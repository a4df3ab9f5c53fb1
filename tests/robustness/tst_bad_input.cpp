// alig-train against the bad-input corpus (bad_input_corpus.h): every case ends quickly
// with exit code 2 and one message that names the file or field and the problem, and
// nothing is trained. Also: run names from experiment files never leave the runs folder.

#include "common/test_support.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/run_store.h"
#include "core/util/paths.h"
#include "robustness/bad_input_corpus.h"

#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace fs = std::filesystem;

namespace {

struct Result {
    int exitCode = -1;
    bool crashed = false, timedOut = false;
    QString out, err;
    qint64 ms = 0;
};

Result finish(QProcess& p, const QElapsedTimer& clock, bool timedOut) {
    Result r;
    r.timedOut = timedOut;
    r.ms = clock.elapsed();
    r.crashed = p.exitStatus() != QProcess::NormalExit;
    r.exitCode = r.crashed ? -1 : p.exitCode();
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

QProcessEnvironment environment(const QString& xdgHome) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_DATA_HOME", xdgHome);
    env.insert("OMP_NUM_THREADS", "1");
    return env;
}

Result runTrain(const QStringList& args, const QString& xdgHome, int timeoutMs = 60000) {
    QProcess p;
    p.setProcessEnvironment(environment(xdgHome));
    QElapsedTimer clock;
    clock.start();
    p.start(ALIG_TRAIN_PATH, args);
    bool timedOut = false;
    if (!p.waitForFinished(timeoutMs)) {
        timedOut = true;
        p.kill();
        p.waitForFinished();
    }
    return finish(p, clock, timedOut);
}

// Runs alig-train once per job, a few at a time (each start loads LibTorch; most of the
// time is spent there), and returns the results in the jobs' order.
std::vector<Result> runAll(const std::vector<std::pair<QStringList, QString>>& jobs,
                           int timeoutMs = 60000) {
    constexpr size_t kAtOnce = 4;
    std::vector<Result> results(jobs.size());
    for (size_t first = 0; first < jobs.size(); first += kAtOnce) {
        const size_t last = std::min(jobs.size(), first + kAtOnce);
        std::vector<std::unique_ptr<QProcess>> procs;
        std::vector<QElapsedTimer> clocks(last - first);
        for (size_t i = first; i < last; ++i) {
            auto p = std::make_unique<QProcess>();
            p->setProcessEnvironment(environment(jobs[i].second));
            clocks[i - first].start();
            p->start(ALIG_TRAIN_PATH, jobs[i].first);
            procs.push_back(std::move(p));
        }
        for (size_t i = first; i < last; ++i) {
            QProcess& p = *procs[i - first];
            const qint64 left = std::max<qint64>(1, timeoutMs - clocks[i - first].elapsed());
            bool timedOut = false;
            if (!p.waitForFinished(static_cast<int>(left))) {
                timedOut = true;
                p.kill();
                p.waitForFinished();
            }
            results[i] = finish(p, clocks[i - first], timedOut);
        }
    }
    return results;
}

std::string corpusRoot() {
    return alig::test::scratchDir("corpus");
}

} // namespace

class TestBadInput : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cliRefusesWithAMessage_data();
    void cliRefusesWithAMessage();
    void runNamesStayInsideTheRunsFolder_data();
    void runNamesStayInsideTheRunsFolder();
    void cliRunNameCannotEscape();

private:
    std::vector<alig::test::BadInput> m_cases;
    std::vector<Result> m_results; // alig-train's answer to each case
    std::vector<QString> m_outDirs;
};

void TestBadInput::initTestCase() {
    m_cases = alig::test::makeBadInputCorpus(corpusRoot());
    QVERIFY(m_cases.size() >= 25);
    std::vector<std::pair<QStringList, QString>> jobs;
    for (const auto& c : m_cases) {
        const QString runs = QString::fromStdString(alig::test::scratchDir("cli-" + c.name));
        QStringList args{QString::fromStdString(c.experimentPath), "--quiet"};
        if (c.name != "output-unwritable") args << "--out" << runs + "/run";
        m_outDirs.push_back(runs + "/run");
        jobs.emplace_back(args, runs);
    }
    m_results = runAll(jobs);
}

void TestBadInput::cliRefusesWithAMessage_data() {
    QTest::addColumn<int>("index");
    // initTestCase wrote the corpus; rows refer to it by position.
    for (size_t i = 0; i < m_cases.size(); ++i)
        QTest::newRow(m_cases[i].name.c_str()) << static_cast<int>(i);
}

void TestBadInput::cliRefusesWithAMessage() {
    QFETCH(int, index);
    const auto& c = m_cases.at(static_cast<size_t>(index));
    const Result& r = m_results.at(static_cast<size_t>(index));
    const QString& out = m_outDirs.at(static_cast<size_t>(index));
    QVERIFY2(!r.timedOut, "alig-train hung");
    QVERIFY2(!r.crashed, qPrintable("alig-train crashed:\n" + r.err));
    QVERIFY2(r.exitCode == 2,
             qPrintable(QString("exit code %1\n%2%3").arg(r.exitCode).arg(r.err, r.out)));
    // One clear line: the program's name, the file or field, the problem; no backtrace.
    QVERIFY2(r.err.startsWith("alig-train: "), qPrintable(r.err));
    for (const auto& fragment : c.expected)
        QVERIFY2(
            r.err.contains(QString::fromStdString(fragment)),
            qPrintable(
                QString("expected \"%1\" in: %2").arg(QString::fromStdString(fragment), r.err)));
    QVERIFY2(!r.err.contains("Exception raised from"), qPrintable(r.err));
    QVERIFY2(r.err.count('\n') <= 3, qPrintable(r.err));
    // Refused up front: nothing trained, and no run folder was left behind for bad data.
    QVERIFY2(!r.out.contains("epoch "), qPrintable(r.out));
    QVERIFY(!fs::exists(out.toStdString() + "/metrics.csv"));
    // A header claiming billions of items is refused from the file's size, at once.
    QVERIFY2(r.ms < 30000, qPrintable(QString("took %1 ms").arg(r.ms)));
}

void TestBadInput::runNamesStayInsideTheRunsFolder_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("folder"); // what safeFolderName makes of it
    QTest::newRow("plain") << "mlp-alig_0.5"
                           << "mlp-alig_0.5";
    QTest::newRow("parent") << ".."
                            << "--";
    QTest::newRow("traversal") << "../../etc/passwd"
                               << "------etc-passwd";
    QTest::newRow("absolute") << "/tmp/x"
                              << "-tmp-x";
    QTest::newRow("hidden") << ".config"
                            << "-config";
    QTest::newRow("backslash") << "a\\..\\b"
                               << "a----b";
    QTest::newRow("dots inside") << "lr0.1..x"
                                 << "lr0.1.-x";
    QTest::newRow("empty") << ""
                           << "run";
    QTest::newRow("spaces and unicode") << "my run é"
                                        << "my-run---";
    QTest::newRow("long") << QString(200, 'a') << QString(80, 'a');
}

void TestBadInput::runNamesStayInsideTheRunsFolder() {
    QFETCH(QString, name);
    QFETCH(QString, folder);
    QCOMPARE(QString::fromStdString(alig::core::safeFolderName(name.toStdString())), folder);
    // createRunDir puts the run directly under the parent, whatever the name.
    const std::string parent = alig::test::scratchDir("names");
    alig::core::ExperimentConfig config;
    config.name = name.toStdString();
    const fs::path dir = alig::core::createRunDir(config, {}, parent);
    QCOMPARE(fs::weakly_canonical(dir).parent_path(), fs::weakly_canonical(parent));
    const std::string leaf = dir.filename().string();
    QVERIFY(leaf.find("..") == std::string::npos);
    QVERIFY(leaf.front() != '.');
}

void TestBadInput::cliRunNameCannotEscape() {
    // An experiment file from someone else names its run "../../escaped": the run still
    // lands in the runs folder, and nothing is written beside it.
    const std::string root = alig::test::scratchDir("escape");
    nlohmann::json doc = alig::core::loadPreset("spirals-mlp-alig");
    doc["name"] = "../../escaped";
    doc["dataset"]["samples"] = 64;
    doc["training"]["epochs"] = 1;
    doc["training"]["threads"] = 1;
    alig::test::writeFile(root + "/experiment.json", doc.dump());
    const QString xdg = QString::fromStdString(root + "/xdg");
    const Result r = runTrain({QString::fromStdString(root + "/experiment.json"), "--quiet"}, xdg);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
    const fs::path runs = root + "/xdg/alig-studio/runs";
    int count = 0;
    for (const auto& entry : fs::directory_iterator(runs)) {
        ++count;
        QVERIFY(fs::exists(entry.path() / "run.json"));
    }
    QCOMPARE(count, 1);
    QVERIFY(!fs::exists(root + "/xdg/escaped") && !fs::exists(root + "/escaped"));
    QVERIFY(!fs::exists(root + "/xdg/alig-studio/escaped"));
}

QTEST_GUILESS_MAIN(TestBadInput)
#include "tst_bad_input.moc"
