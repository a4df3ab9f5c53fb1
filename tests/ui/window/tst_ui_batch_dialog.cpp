// The Compare and Sweep dialogs teach their syntax: the catalogue's methods are listed, a wrong
// line is marked where it is typed and Start waits until it is fixed (no field is lost), the
// preview shows what a line inherits from the experiment, and a sweep's values are checked.

#include "common/test_support.h"
#include "core/experiment/experiment_config.h"
#include "core/optim/optimizer_catalogue.h"
#include "ui/window/batch_dialog.h"

#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTreeWidget>
#include <QtTest/QtTest>

using namespace alig;

namespace {

// The spirals experiment with ALI-G at momentum 0.9: a setting another method inherits.
nlohmann::json base() {
    core::ExperimentConfig c = test::smallSpirals(1);
    c.optimizer.name = "alig";
    c.optimizer.momentum = 0.9;
    nlohmann::json doc = c.toJson();
    doc["output"]["dir"] = "";
    return doc;
}

// The preview's row for `field` under the setting `label`, or nullptr.
QTreeWidgetItem* previewRow(QTreeWidget* tree, const QString& label, const QString& field) {
    for (int i = 0; i < tree->topLevelItemCount(); ++i) {
        QTreeWidgetItem* top = tree->topLevelItem(i);
        if (top->text(0) != label) continue;
        for (int j = 0; j < top->childCount(); ++j)
            if (top->child(j)->text(0) == field) return top->child(j);
    }
    return nullptr;
}

} // namespace

class TestUiBatchDialog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { test::isolateSettings(); }
    void listsTheCatalogue();
    void wrongLineIsMarkedInPlace();
    void previewShowsWhatIsInherited();
    void sweepValuesAreChecked();
};

void TestUiBatchDialog::listsTheCatalogue() {
    ui::BatchDialog dialog(false, base());
    QListWidget* methods = dialog.methodList();
    QCOMPARE(methods->count(), static_cast<int>(core::optimizerCatalogue().size()));
    for (int i = 0; i < methods->count(); ++i)
        QCOMPARE(methods->item(i)->data(Qt::UserRole).toString().toStdString(),
                 core::optimizerCatalogue()[static_cast<size_t>(i)].name);
    // A double-click adds the method's line, and it plans.
    dialog.optimizerEdit()->setPlainText("alig");
    const int before = dialog.plannedRuns();
    Q_EMIT methods->itemDoubleClicked(methods->item(methods->count() - 1));
    QVERIFY(dialog.optimizerEdit()->toPlainText().endsWith(
        QString::fromStdString(core::optimizerCatalogue().back().name)));
    QCOMPARE(dialog.plannedRuns(), before + 1);
    QVERIFY(dialog.problem().isEmpty());
}

void TestUiBatchDialog::wrongLineIsMarkedInPlace() {
    ui::BatchDialog dialog(false, base());
    dialog.show();
    dialog.optimizerEdit()->setPlainText("alig:max_lr=0.1\nsgdd:lr=0.1\nadam:lr=abc");
    QCOMPARE(dialog.badLines(), (QList<int>{1, 2}));
    QVERIFY2(dialog.problem().contains("Line 2") && dialog.problem().contains("sgdd"),
             qPrintable(dialog.problem()));
    QVERIFY2(dialog.problem().contains("Line 3"), qPrintable(dialog.problem()));
    QVERIFY(!dialog.startButton()->isEnabled());
    QCOMPARE(dialog.optimizerEdit()->extraSelections().size(), 2);
    // Start does not close it, and nothing typed is lost.
    dialog.accept();
    QVERIFY(dialog.isVisible());
    QCOMPARE(dialog.result(), int(QDialog::Rejected));
    QVERIFY(dialog.optimizerEdit()->toPlainText().contains("sgdd"));
    // Fixed, it plans: three settings x two seeds.
    dialog.optimizerEdit()->setPlainText("alig:max_lr=0.1\nsgd:lr=0.1\nadam:lr=1e-3");
    ui::BatchRequest r = dialog.request();
    r.seeds = 2;
    dialog.setRequest(r);
    QVERIFY2(dialog.problem().isEmpty(), qPrintable(dialog.problem()));
    QVERIFY(dialog.badLines().isEmpty());
    QCOMPARE(dialog.plannedRuns(), 6);
    QVERIFY(dialog.startButton()->isEnabled());
    // The same setting twice would share its runs' folders: refused on its line.
    dialog.optimizerEdit()->setPlainText("sgd:lr=0.1\nsgd:lr=0.1");
    QCOMPARE(dialog.badLines(), QList<int>{1});
    dialog.accept();
    QVERIFY(dialog.isVisible());
}

void TestUiBatchDialog::previewShowsWhatIsInherited() {
    ui::BatchDialog dialog(false, base());
    dialog.optimizerEdit()->setPlainText("sgd:lr=0.1\nsgd:lr=0.2:momentum=0\nadam:max_lr=3");
    QVERIFY2(dialog.problem().isEmpty(), qPrintable(dialog.problem()));
    // The experiment's momentum 0.9 reaches SGD unless the line sets it: the preview says so.
    QTreeWidgetItem* inherited = previewRow(dialog.preview(), "sgd lr=0.1", "momentum");
    QVERIFY(inherited);
    QCOMPARE(inherited->text(1), QString("0.9"));
    QCOMPARE(inherited->text(2), QString("the experiment"));
    QTreeWidgetItem* set = previewRow(dialog.preview(), "sgd lr=0.2 momentum=0", "momentum");
    QVERIFY(set);
    QCOMPARE(set->text(1), QString("0"));
    QCOMPARE(set->text(2), QString("this line"));
    QCOMPARE(previewRow(dialog.preview(), "sgd lr=0.1", "lr")->text(2), QString("this line"));
    // A key the method does not read is named as such.
    QTreeWidgetItem* unread = previewRow(dialog.preview(), "adam max_lr=3", "max_lr");
    QVERIFY(unread);
    QVERIFY2(unread->text(2).startsWith("not read by"), qPrintable(unread->text(2)));
}

void TestUiBatchDialog::sweepValuesAreChecked() {
    ui::BatchDialog dialog(true, base());
    ui::BatchRequest r = dialog.request();
    r.optimizers = "alig\nsgd:momentum=0.9";
    r.param = "learning_rate";
    r.values = "logspace:1e-3:10";
    r.seeds = 3;
    dialog.setRequest(r);
    QVERIFY2(dialog.problem().startsWith("Values:"), qPrintable(dialog.problem()));
    QVERIFY(!dialog.startButton()->isEnabled());
    dialog.valuesEdit()->setText("logspace:1e-3:10:5");
    QVERIFY2(dialog.problem().isEmpty(), qPrintable(dialog.problem()));
    QCOMPARE(dialog.plannedRuns(), 2 * 5 * 3);
    // The swept field is marked as such in the preview.
    QTreeWidgetItem* swept = previewRow(dialog.preview(), "alig", "max_lr");
    QVERIFY(swept);
    QCOMPARE(swept->text(2), QString("swept"));
    // A swept value that makes an invalid experiment names the line.
    dialog.valuesEdit()->setText("0.1, -1");
    QVERIFY2(dialog.problem().contains("Line 1"), qPrintable(dialog.problem()));
}

QTEST_MAIN(TestUiBatchDialog)
#include "tst_ui_batch_dialog.moc"
