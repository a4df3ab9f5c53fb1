// The window against the bad-input corpus (bad_input_corpus.h): a bad experiment file is
// refused when opened, bad data, models and folders when the run is built, each with a
// message that names the file or field and the problem; the window goes on working. And
// the window's side of the security promise: opening an experiment runs nothing and never
// chooses where the window writes, and a TorchScript file is called what it is, a program.

#include "common/test_support.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/run_store.h"
#include "robustness/bad_input_corpus.h"
#include "ui/config/experiment_panel.h"
#include "ui/run/run.h"
#include "ui/run/run_controller.h"
#include "ui/window/main_window.h"

#include <QLabel>
#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace fs = std::filesystem;
using namespace alig;

namespace {

std::unique_ptr<ui::MainWindow> makeWindow(const QString& runsDir) {
    auto w = std::make_unique<ui::MainWindow>(runsDir, /*restoreSettings=*/false);
    w->setDialogsEnabled(false);
    w->resize(1200, 800);
    w->show();
    return w;
}

core::ExperimentConfig spirals() {
    return alig::test::smallSpirals(1, 200);
}

// Fails the test unless every fragment is in the message.
bool containsAll(const QString& message, const std::vector<std::string>& fragments) {
    for (const auto& f : fragments)
        if (!message.contains(QString::fromStdString(f))) return false;
    return true;
}

} // namespace

class TestUiBadInput : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void windowRefusesWithAMessage_data();
    void windowRefusesWithAMessage();
    void unwritableRunsFolder();
    void openingAnExperimentRunsNothingAndWritesOnlyToTheRunsFolder();
    void torchScriptIsCalledAProgram();

private:
    std::vector<alig::test::BadInput> m_cases;
};

void TestUiBadInput::initTestCase() {
    alig::test::isolateSettings();
    m_cases = alig::test::makeBadInputCorpus(alig::test::scratchDir("corpus"));
}

void TestUiBadInput::windowRefusesWithAMessage_data() {
    QTest::addColumn<int>("index");
    for (size_t i = 0; i < m_cases.size(); ++i)
        if (m_cases[i].name != "output-unwritable") // the window picks its own folder
            QTest::newRow(m_cases[i].name.c_str()) << static_cast<int>(i);
}

void TestUiBadInput::windowRefusesWithAMessage() {
    QFETCH(int, index);
    const auto& c = m_cases.at(static_cast<size_t>(index));
    auto w = makeWindow(alig::test::scratchPath("runs-" + c.name));
    const QString path = QString::fromStdString(c.experimentPath);
    const bool opened = w->openExperiment(path);
    if (c.badExperiment) {
        QVERIFY2(!opened, "the window opened a bad experiment file");
        QVERIFY2(containsAll(w->lastError(), c.expected), qPrintable(w->lastError()));
        QVERIFY2(w->lastError().contains(path), qPrintable(w->lastError()));
    } else {
        QVERIFY2(opened, qPrintable(w->lastError()));
        ui::Run* run = w->startRun();
        if (run) {
            // Refused while the run is built, before its first step.
            QTRY_VERIFY_WITH_TIMEOUT(run->status() == core::RunStatus::Failed,
                                     alig::test::kPatienceMs);
            QVERIFY(run->steps().empty());
        }
        // Either way (the panel refused to start, or the run failed), the message says it.
        QVERIFY2(containsAll(w->lastError(), c.expected), qPrintable(w->lastError()));
    }
    QVERIFY2(!w->lastError().contains("Exception raised from"), qPrintable(w->lastError()));
    // The window goes on: a good experiment trains.
    w->experimentPanel()->setConfig(spirals());
    ui::Run* good = w->startRun();
    QVERIFY(good);
    QTRY_COMPARE_WITH_TIMEOUT(good->status(), core::RunStatus::Completed, alig::test::kPatienceMs);
}

void TestUiBadInput::unwritableRunsFolder() {
    const QString dir = alig::test::scratchPath("unwritable");
    alig::test::writeFile((dir + "/file").toStdString(), "not a folder");
    auto w = makeWindow(dir + "/file/runs");
    w->experimentPanel()->setConfig(spirals());
    ui::Run* run = w->startRun();
    QVERIFY(run);
    QTRY_VERIFY_WITH_TIMEOUT(run->status() == core::RunStatus::Failed, alig::test::kPatienceMs);
    QVERIFY2(w->lastError().contains(dir + "/file/runs") &&
                 w->lastError().contains("cannot create the run folder"),
             qPrintable(w->lastError()));
}

void TestUiBadInput::openingAnExperimentRunsNothingAndWritesOnlyToTheRunsFolder() {
    const std::string root = alig::test::scratchDir("security");
    // A TorchScript model that is not there: opening must not load (run) it.
    nlohmann::json doc = spirals().toJson();
    doc["model"]["type"] = "torchscript";
    doc["model"]["path"] = root + "/never-loaded.pt";
    alig::test::writeFile(root + "/script.json", doc.dump(2));
    auto w = makeWindow(QString::fromStdString(root + "/runs"));
    QVERIFY2(w->openExperiment(QString::fromStdString(root + "/script.json")),
             qPrintable(w->lastError()));
    QCOMPARE(w->experimentPanel()->config().model.path, root + "/never-loaded.pt");

    // An experiment that names its own output folder and a run name that climbs out: the
    // window still writes only inside its runs folder.
    doc = spirals().toJson();
    doc["name"] = "../../climbed";
    doc["output"]["dir"] = root + "/elsewhere";
    alig::test::writeFile(root + "/escape.json", doc.dump(2));
    QVERIFY(w->openExperiment(QString::fromStdString(root + "/escape.json")));
    QSignalSpy finished(w.get(), &ui::MainWindow::runFinished);
    ui::Run* run = w->startRun();
    QVERIFY(run);
    QVERIFY(finished.wait(alig::test::kPatienceMs));
    QCOMPARE(run->status(), core::RunStatus::Completed);
    QVERIFY(!fs::exists(root + "/elsewhere"));
    QVERIFY(!fs::exists(root + "/climbed"));
    const fs::path runDir = run->runDir().toStdString();
    QCOMPARE(fs::weakly_canonical(runDir).parent_path(), fs::weakly_canonical(root + "/runs"));
    QVERIFY(fs::exists(runDir / "run.json"));
}

void TestUiBadInput::torchScriptIsCalledAProgram() {
    auto w = makeWindow(alig::test::scratchPath("warning"));
    auto* warning = w->experimentPanel()->findChild<QLabel*>("torchScriptWarning");
    QVERIFY(warning);
    core::ExperimentConfig c = spirals();
    w->experimentPanel()->setConfig(c);
    QVERIFY(!warning->isVisible()); // an MLP runs no one else's code
    c.model.type = "torchscript";
    c.model.path = "/tmp/model.pt";
    w->experimentPanel()->setConfig(c);
    QTRY_VERIFY(warning->isVisible());
    QVERIFY(warning->text().contains("program"));
    QVERIFY(warning->text().contains("trust"));
}

QTEST_MAIN(TestUiBadInput)
#include "tst_ui_bad_input.moc"
