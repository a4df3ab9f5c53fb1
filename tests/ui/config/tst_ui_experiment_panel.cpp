// ExperimentPanel and LogSlider: config round trips, the log scale, "no maximum", errors shown
// at their field, presets, which fields each kind/type/method shows, tooltips, running lock.
// Set ALIG_PANEL_SCREENSHOT_DIR to also save two screenshots of the panel there.

#include "common/test_support.h"
#include "core/optim/optimizer_catalogue.h"
#include "ui/config/experiment_panel.h"
#include "ui/config/log_slider.h"
#include "ui/config/number_spin_box.h"

#include <QtTest/QtTest>
#include <QtWidgets>
#include <nlohmann/json.hpp>

#include <functional>
#include <optional>

using namespace alig;

namespace {

// Every field away from its default, for the given kind, type and method.
core::ExperimentConfig everyFieldChanged(const QString& kind, const QString& type,
                                         const QString& method) {
    core::ExperimentConfig c;
    c.name = "everything-changed";
    c.description = "not the default";
    auto& d = c.dataset;
    d.kind = kind.toStdString();
    d.path = "/tmp/data";
    d.testPath = "/tmp/test.csv";
    d.subset = 500;
    d.testSubset = 100;
    d.normalize = false;
    d.cropPadding = 4;
    d.horizontalFlip = true;
    d.labelColumn = "species";
    d.header = "yes";
    d.testFraction = 0.25;
    d.samples = 2000;
    d.noise = 0.3;
    d.classes = 3;
    d.seed = 18446744073709551615ull; // beyond any spin box: seeds are edited as text
    auto& m = c.model;
    m.type = type.toStdString();
    m.hidden = {64, 32, 16};
    m.activation = "gelu";
    m.dropout = 0.125;
    m.depth = 16;
    m.widen = 8;
    m.channels = 48;
    m.path = "/tmp/model.pt";
    auto& o = c.optimizer;
    o.name = method.toStdString();
    o.maxLr = 0.0501;
    o.momentumForm = "adjusted";
    o.projectionRadius = 42.5;
    o.clipAtZero = true;
    o.momentum = 0.85;
    o.eps = 3e-6;
    o.lr = 0.003;
    o.weightDecay = 5e-4;
    o.nesterov = true;
    o.beta1 = 0.8;
    o.beta2 = 0.99;
    o.alpha = 0.5;
    o.centered = true;
    o.lrDecay = 0.01;
    o.initialAccumulator = 0.2;
    o.c = 0.3;
    o.fStar = 0.05;
    o.l4Gamma = 0.8;
    o.l4InitFactor = 0.6;
    o.l4ForgetTime = 500.0;
    o.schedule = "step";
    o.milestones = {3, 5};
    o.gamma = 0.5;
    o.minLrFactor = 0.05;
    o.warmupEpochs = 1;
    auto& t = c.training;
    t.epochs = 7;
    t.batchSize = 64;
    t.seed = 123456789012ull;
    t.shuffle = false;
    t.loss = "multiclass_hinge";
    t.threads = 3;
    t.device = "cuda:7"; // no such device here: the combo must keep it anyway
    t.evalBatchSize = 500;
    t.metricsInterval = 10;
    t.evalTrain = true;
    c.output.dir = "/tmp/out";
    c.output.checkpointEvery = 3;
    c.output.flushSeconds = 0.5;
    return c;
}

template <class W> W* field(ui::ExperimentPanel& panel, const QString& path) {
    auto* w = qobject_cast<W*>(panel.fieldWidget(path));
    if (!w) qWarning("no %s for %s", W::staticMetaObject.className(), qPrintable(path));
    return w;
}

void choose(ui::ExperimentPanel& panel, const QString& path, const QString& value) {
    auto* box = field<QComboBox>(panel, path);
    QVERIFY(box);
    const int index = box->findData(value);
    QVERIFY2(index >= 0, qPrintable(value));
    box->setCurrentIndex(index);
}

QString dump(const core::ExperimentConfig& c) {
    return QString::fromStdString(c.toJson().dump(1));
}

} // namespace

class TestUiExperimentPanel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
    void hiddenFieldsKeepTheirValues();
    void logSliderEnds_data();
    void logSliderEnds();
    void logSliderFollowsSpinBox_data();
    void logSliderFollowsSpinBox();
    void spinBoxReadsScientificNotation();
    void noMaximum();
    void invalidField_data();
    void invalidField();
    void presetComboLoadsPreset();
    void visibility_data();
    void visibility();
    void everyInputHasATooltip();
    void everyMethodFieldHasARow();
    void runningLocksAllButMaxLr();
    void screenshots();
};

void TestUiExperimentPanel::roundTrip_data() {
    QTest::addColumn<QString>("source");
    for (const auto& preset : core::listPresets())
        QTest::newRow(preset.name.c_str()) << QString::fromStdString(preset.name);
    // Each row shows a different set of fields; every field differs from its default.
    QTest::newRow("csv mlp sgd") << "csv mlp sgd";
    QTest::newRow("spirals wrn adam") << "spirals wrn adam";
    QTest::newRow("cifar10 resnet alig") << "cifar10 resnet alig";
    QTest::newRow("blobs cnn adamw") << "blobs cnn adamw";
    QTest::newRow("mnist torchscript alig, no max") << "mnist torchscript alig nomax";
    QTest::newRow("moons linear alig, defaults") << "moons linear alig defaults";
    QTest::newRow("csv mlp yogi") << "csv mlp yogi";
    QTest::newRow("moons linear rmsprop, cosine") << "moons linear rmsprop cosine";
    QTest::newRow("csv mlp adagrad, defaults") << "csv mlp adagrad defaults";
    QTest::newRow("spirals mlp l4adam") << "spirals mlp l4adam";
    QTest::newRow("spirals mlp l4mom, defaults") << "spirals mlp l4mom defaults";
    QTest::newRow("blobs cnn sps") << "blobs cnn sps";
    QTest::newRow("cifar10 wrn polyak, no max") << "cifar10 wrn polyak nomax";
    QTest::newRow("moons mlp dfw") << "moons mlp dfw";
    QTest::newRow("csv mlp amsgrad, constant") << "csv mlp amsgrad constant";
    QTest::newRow("struct defaults") << "";
}

void TestUiExperimentPanel::roundTrip() {
    QFETCH(QString, source);
    core::ExperimentConfig c;
    const QStringList words = source.split(' ', Qt::SkipEmptyParts);
    if (words.size() == 1) {
        c = core::ExperimentConfig::fromJson(core::loadPreset(source.toStdString()));
    } else if (words.size() >= 3) {
        c = everyFieldChanged(words[0], words[1], words[2]);
        if (words.contains("nomax")) c.optimizer.maxLr.reset();
        if (words.contains("cosine")) c.optimizer.schedule = "cosine";
        if (words.contains("constant")) c.optimizer.schedule = "constant";
        if (words.contains("defaults")) {
            if (c.optimizer.name != "dfw") c.optimizer.maxLr.reset();
            c.optimizer.eps.reset();
            c.optimizer.projectionRadius.reset();
            c.optimizer.alpha.reset();
            c.optimizer.initialAccumulator.reset();
        }
    }
    ui::ExperimentPanel panel;
    panel.setConfig(c);
    QCOMPARE(dump(panel.config()), dump(c));
    // And through a second panel, as a config handed on would go.
    ui::ExperimentPanel second;
    second.setConfig(panel.config());
    QCOMPARE(dump(second.config()), dump(c));
}

void TestUiExperimentPanel::hiddenFieldsKeepTheirValues() {
    core::ExperimentConfig c;
    c.model.depth = 21; // wrong for a ResNet, but an MLP does not read it
    c.model.widen = 999;
    c.dataset.testFraction = 7.0; // fashion-mnist has its own test set
    ui::ExperimentPanel panel;
    panel.setConfig(c);
    QVERIFY2(panel.isValid(), qPrintable(panel.validationMessage()));
    QCOMPARE(dump(panel.config()), dump(c));
    choose(panel, "model.type", "resnet"); // now depth 21 is shown, and wrong
    QVERIFY(!panel.isValid());
    choose(panel, "model.type", "mlp");
    QVERIFY(panel.isValid());
    QCOMPARE(panel.config().model.depth, int64_t{21});
}

void TestUiExperimentPanel::logSliderEnds_data() {
    QTest::addColumn<int>("position");
    QTest::addColumn<double>("expected");
    // 200 positions a decade from 1e-4: position p is 10^(-4 + p/200).
    QTest::newRow("left end") << 0 << 1e-4;
    QTest::newRow("one decade") << 200 << 1e-3;
    QTest::newRow("middle") << 600 << 0.1;
    QTest::newRow("right end") << 1200 << 100.0;
    QTest::newRow("3 significant digits") << 540 << 0.0501; // 10^-1.3 = 0.050119
}

void TestUiExperimentPanel::logSliderEnds() {
    QFETCH(int, position);
    QFETCH(double, expected);
    ui::LogSlider editor;
    QCOMPARE(editor.slider()->minimum(), 0);
    QCOMPARE(editor.slider()->maximum(), 1200);
    editor.slider()->setValue(position == 600 ? 599 : 600); // make sure the next move changes
    QSignalSpy changed(&editor, &ui::LogSlider::valueChanged);
    editor.slider()->setValue(position);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(editor.value(), expected);
    QCOMPARE(editor.spinBox()->value(), expected);
    QCOMPARE(changed.at(0).at(0).toDouble(), expected);
    QCOMPARE(editor.slider()->value(), position); // no feedback moved it
}

void TestUiExperimentPanel::logSliderFollowsSpinBox_data() {
    QTest::addColumn<double>("value");
    QTest::addColumn<int>("position");
    // position = round((log10(value) + 4) * 200)
    QTest::newRow("0.05") << 0.05 << 540; // 539.79
    QTest::newRow("0.3") << 0.3 << 695;   // 695.42
    QTest::newRow("7.5") << 7.5 << 975;   // 975.01
    QTest::newRow("1e-4") << 1e-4 << 0;
    QTest::newRow("100") << 100.0 << 1200;
    QTest::newRow("beyond the right end") << 500.0 << 1200;
    QTest::newRow("0 (invalid, kept)") << 0.0 << 0;
}

void TestUiExperimentPanel::logSliderFollowsSpinBox() {
    QFETCH(double, value);
    QFETCH(int, position);
    ui::LogSlider editor;
    QSignalSpy changed(&editor, &ui::LogSlider::valueChanged);
    editor.spinBox()->setValue(value);
    QCOMPARE(editor.slider()->value(), position);
    QCOMPARE(editor.value(), value); // the slider did not round the typed value
    QCOMPARE(changed.count(), 1);
    if (value > 0 && value <= 100) {
        // Back from the slider: within half a step (1.2% / 2) of the typed value.
        ALIG_COMPARE_NEAR(ui::LogSlider::valueAt(position), value, 0.006);
        editor.slider()->setValue(position + (position < 1200 ? 1 : -1));
        editor.slider()->setValue(position);
        ALIG_COMPARE_NEAR(editor.value(), value, 0.006);
        QCOMPARE(changed.count(), 3);
    }
}

void TestUiExperimentPanel::spinBoxReadsScientificNotation() {
    ui::LogSlider editor;
    editor.show();
    QSignalSpy changed(&editor, &ui::LogSlider::valueChanged);
    auto* spin = editor.spinBox();
    spin->selectAll();
    QTest::keyClicks(spin, "2e-3");
    QCOMPARE(changed.count(), 0); // no half-typed value escapes ("2" would be a huge step)
    QTest::keyClick(spin, Qt::Key_Return);
    QCOMPARE(editor.value(), 0.002);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(spin->text(), QString("0.002"));
    // Arrow keys walk 1-2-5.
    QTest::keyClick(spin, Qt::Key_Up);
    QCOMPARE(editor.value(), 0.005);
    QTest::keyClick(spin, Qt::Key_Down);
    QTest::keyClick(spin, Qt::Key_Down);
    QCOMPARE(editor.value(), 0.001);
}

void TestUiExperimentPanel::noMaximum() {
    ui::ExperimentPanel panel;
    QSignalSpy edited(&panel, &ui::ExperimentPanel::maxLrEdited);
    core::ExperimentConfig c;
    c.optimizer.maxLr = 0.5;
    panel.setConfig(c);
    QCOMPARE(edited.count(), 0); // setConfig is not the user
    auto* noMax = field<QCheckBox>(panel, "optimizer.max_lr.none");
    auto* editor = panel.findChild<ui::LogSlider*>();
    QVERIFY(noMax && editor);
    QVERIFY(editor->isEnabled());

    noMax->click();
    QVERIFY(!panel.config().optimizer.maxLr.has_value());
    QVERIFY(!editor->isEnabled());
    QCOMPARE(edited.count(), 1);
    QCOMPARE(edited.at(0).at(0).value<std::optional<double>>(), std::optional<double>());
    QVERIFY(panel.isValid());

    noMax->click(); // the editor kept its value
    QCOMPARE(panel.config().optimizer.maxLr, std::optional<double>(0.5));
    QCOMPARE(edited.count(), 2);
    QCOMPARE(edited.at(1).at(0).value<std::optional<double>>(), std::optional<double>(0.5));

    editor->slider()->setValue(600);
    QCOMPARE(edited.count(), 3);
    QCOMPARE(edited.at(2).at(0).value<std::optional<double>>(), std::optional<double>(0.1));
    QCOMPARE(panel.config().optimizer.maxLr, std::optional<double>(0.1));

    editor->spinBox()->setValue(0.0); // invalid: shown, and never sent to a running run
    QCOMPARE(edited.count(), 3);
    QVERIFY(!panel.isValid());
}

void TestUiExperimentPanel::invalidField_data() {
    QTest::addColumn<QString>("which");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("message");
    QTest::newRow("hidden widths") << "hidden"
                                   << "model.hidden"
                                   << "model.hidden: \"x\" is not a whole number";
    QTest::newRow("hidden width 0") << "hidden0"
                                    << "model.hidden"
                                    << "model.hidden[1]: must be in [1, 1000000], got 0";
    QTest::newRow("resnet depth") << "resnet"
                                  << "model.depth"
                                  << "model.depth: a CIFAR ResNet needs depth 6n+2";
    QTest::newRow("csv without path") << "csv"
                                      << "dataset.path"
                                      << "dataset.path: a csv dataset needs the CSV file's path";
    QTest::newRow("moons test fraction 1") << "moons"
                                           << "dataset.test_fraction"
                                           << "dataset.test_fraction: must be in (0, 1), got 1";
    QTest::newRow("max_lr 0") << "maxlr"
                              << "optimizer.max_lr"
                              << "optimizer.max_lr: must be > 0, got 0";
    QTest::newRow("nesterov without momentum")
        << "nesterov"
        << "optimizer.nesterov"
        << "optimizer.nesterov: Nesterov momentum needs optimizer.momentum > 0";
    QTest::newRow("milestones not numbers") << "milestones"
                                            << "optimizer.milestones"
                                            << "optimizer.milestones: \"x\" is not a whole number";
    QTest::newRow("milestones decreasing")
        << "milestones-order"
        << "optimizer.milestones"
        << "optimizer.milestones: must increase, got 120 then 60";
    QTest::newRow("sps c 0") << "sps"
                             << "optimizer.c"
                             << "optimizer.c: must be > 0, got 0";
    QTest::newRow("empty seed") << "seed"
                                << "training.seed"
                                << "training.seed: must be a whole number";
}

void TestUiExperimentPanel::invalidField() {
    QFETCH(QString, which);
    QFETCH(QString, path);
    QFETCH(QString, message);
    ui::ExperimentPanel panel;
    panel.setConfig(core::ExperimentConfig{});
    QVERIFY(panel.isValid());

    // Setting up the case (still valid), breaking it, fixing it.
    std::function<void()> prepare = [] {}, breakIt, fix;
    if (which == "hidden" || which == "hidden0") {
        auto* edit = field<QLineEdit>(panel, "model.hidden");
        breakIt = [=] { edit->setText(which == "hidden" ? "64, x" : "64, 0"); };
        fix = [=] { edit->setText("64, 32"); };
    } else if (which == "resnet") {
        prepare = [&] { choose(panel, "model.type", "resnet"); };
        breakIt = [&] { field<QSpinBox>(panel, "model.depth")->setValue(21); };
        fix = [&] { field<QSpinBox>(panel, "model.depth")->setValue(32); };
    } else if (which == "csv") {
        breakIt = [&] { choose(panel, "dataset.kind", "csv"); };
        fix = [&] { field<QLineEdit>(panel, "dataset.path")->setText("/tmp/iris.csv"); };
    } else if (which == "moons") {
        prepare = [&] { choose(panel, "dataset.kind", "moons"); };
        breakIt = [&] { field<QDoubleSpinBox>(panel, "dataset.test_fraction")->setValue(1.0); };
        fix = [&] { field<QDoubleSpinBox>(panel, "dataset.test_fraction")->setValue(0.3); };
    } else if (which == "maxlr") {
        breakIt = [&] { field<QDoubleSpinBox>(panel, "optimizer.max_lr")->setValue(0.0); };
        fix = [&] { field<QDoubleSpinBox>(panel, "optimizer.max_lr")->setValue(0.2); };
    } else if (which == "nesterov") {
        prepare = [&] {
            choose(panel, "optimizer.name", "sgd");
            field<QDoubleSpinBox>(panel, "optimizer.momentum")->setValue(0.0);
        };
        breakIt = [&] { field<QCheckBox>(panel, "optimizer.nesterov")->setChecked(true); };
        fix = [&] { field<QDoubleSpinBox>(panel, "optimizer.momentum")->setValue(0.9); };
    } else if (which == "milestones" || which == "milestones-order") {
        prepare = [&] {
            field<QLineEdit>(panel, "optimizer.milestones")->setText("60, 120");
            choose(panel, "optimizer.schedule", "step");
        };
        breakIt = [&] {
            field<QLineEdit>(panel, "optimizer.milestones")
                ->setText(which == "milestones" ? "60, x" : "120, 60");
        };
        fix = [&] { field<QLineEdit>(panel, "optimizer.milestones")->setText("60, 120, 160"); };
    } else if (which == "sps") {
        prepare = [&] { choose(panel, "optimizer.name", "sps"); };
        breakIt = [&] { field<QDoubleSpinBox>(panel, "optimizer.c")->setValue(0.0); };
        fix = [&] { field<QDoubleSpinBox>(panel, "optimizer.c")->setValue(0.5); };
    } else if (which == "seed") {
        breakIt = [&] { field<QLineEdit>(panel, "training.seed")->clear(); };
        fix = [&] { field<QLineEdit>(panel, "training.seed")->setText("42"); };
    }
    prepare();
    QVERIFY2(panel.isValid(), qPrintable(panel.validationMessage()));

    QWidget* input = panel.fieldWidget(path);
    QVERIFY(input);
    auto* errors = panel.findChild<QLabel*>("errors");
    QVERIFY(errors);
    const QString toolTip = input->toolTip();
    QSignalSpy validity(&panel, &ui::ExperimentPanel::validityChanged);

    breakIt();
    QVERIFY(!panel.isValid());
    QVERIFY2(panel.validationMessage().startsWith(message), qPrintable(panel.validationMessage()));
    QCOMPARE(input->property(ui::ExperimentPanel::kErrorProperty).toBool(), true);
    QVERIFY(input->toolTip().startsWith(message));
    QVERIFY(input->toolTip().endsWith(toolTip)); // the explanation stays
    QVERIFY(errors->isVisibleTo(&panel));
    QVERIFY(errors->text().contains(message));
    // Another edit while invalid does not signal again.
    field<QLineEdit>(panel, "name")->setText("still broken");
    QCOMPARE(validity.count(), 1);
    QCOMPARE(validity.at(0).at(0).toBool(), false);
    // Nothing else is marked.
    for (const QString& other : QStringList{"name", "dataset.kind", "training.epochs"})
        if (other != path)
            QVERIFY(
                !panel.fieldWidget(other)->property(ui::ExperimentPanel::kErrorProperty).toBool());

    fix();
    QVERIFY2(panel.isValid(), qPrintable(panel.validationMessage()));
    QCOMPARE(validity.count(), 2);
    QCOMPARE(validity.at(1).at(0).toBool(), true);
    QCOMPARE(input->property(ui::ExperimentPanel::kErrorProperty).toBool(), false);
    QCOMPARE(input->toolTip(), toolTip);
    QVERIFY(!errors->isVisibleTo(&panel));
    QVERIFY(panel.validationMessage().isEmpty());
}

void TestUiExperimentPanel::presetComboLoadsPreset() {
    const auto presets = core::listPresets();
    QVERIFY(presets.size() >= 2);
    ui::ExperimentPanel panel;
    auto* combo = panel.findChild<QComboBox*>("preset");
    QVERIFY(combo);
    QCOMPARE(combo->count(), int(presets.size()));
    QSignalSpy changed(&panel, &ui::ExperimentPanel::configChanged);
    for (const auto& preset : presets) {
        const QString name = QString::fromStdString(preset.name);
        const int index = combo->findData(name);
        QVERIFY(index >= 0);
        combo->setCurrentIndex(index);
        Q_EMIT combo->activated(index); // what a click in the popup sends
        QCOMPARE(panel.config().name, preset.name);
        const auto expected = core::ExperimentConfig::fromJson(core::loadPreset(preset.name));
        QCOMPARE(dump(panel.config()), dump(expected));
        bool described = false;
        for (auto* label : panel.findChildren<QLabel*>())
            described |= label->text() == QString::fromStdString(preset.description);
        QVERIFY(described);
    }
    QCOMPARE(changed.count(), int(presets.size()));
    QVERIFY(!panel.loadPreset("no-such-preset"));
}

void TestUiExperimentPanel::visibility_data() {
    QTest::addColumn<QString>("combo");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QStringList>("shown");
    QTest::addColumn<QStringList>("hidden");
    QTest::newRow("csv") << "dataset.kind"
                         << "csv" << QStringList{"dataset.path",          "dataset.test_path",
                                                 "dataset.label_column",  "dataset.header",
                                                 "dataset.test_fraction", "dataset.seed"}
                         << QStringList{"dataset.samples", "dataset.noise", "dataset.classes",
                                        "dataset.crop_padding", "dataset.horizontal_flip"};
    QTest::newRow("spirals") << "dataset.kind"
                             << "spirals"
                             << QStringList{"dataset.samples", "dataset.noise", "dataset.classes",
                                            "dataset.test_fraction", "dataset.seed"}
                             << QStringList{"dataset.path", "dataset.test_path",
                                            "dataset.label_column", "dataset.crop_padding"};
    QTest::newRow("moons") << "dataset.kind"
                           << "moons" << QStringList{"dataset.samples", "dataset.noise"}
                           << QStringList{"dataset.classes", "dataset.path"};
    QTest::newRow("cifar10") << "dataset.kind"
                             << "cifar10"
                             << QStringList{"dataset.path", "dataset.crop_padding",
                                            "dataset.horizontal_flip", "dataset.subset"}
                             << QStringList{"dataset.samples", "dataset.test_fraction",
                                            "dataset.header", "dataset.seed"};
    QTest::newRow("resnet") << "model.type"
                            << "resnet" << QStringList{"model.depth"}
                            << QStringList{"model.widen",    "model.hidden", "model.activation",
                                           "model.channels", "model.path",   "model.dropout"};
    QTest::newRow("wrn") << "model.type"
                         << "wrn" << QStringList{"model.depth", "model.widen", "model.dropout"}
                         << QStringList{"model.hidden", "model.channels"};
    QTest::newRow("cnn") << "model.type"
                         << "cnn" << QStringList{"model.channels"}
                         << QStringList{"model.depth", "model.hidden", "model.dropout"};
    QTest::newRow("torchscript") << "model.type"
                                 << "torchscript" << QStringList{"model.path"}
                                 << QStringList{"model.depth", "model.hidden"};
    QTest::newRow("mlp") << "model.type"
                         << "mlp"
                         << QStringList{"model.hidden", "model.activation", "model.dropout"}
                         << QStringList{"model.depth", "model.path"};
    QTest::newRow("alig") << "optimizer.name"
                          << "alig"
                          << QStringList{"optimizer.max_lr",
                                         "optimizer.max_lr.none",
                                         "optimizer.momentum",
                                         "optimizer.momentum_form",
                                         "optimizer.projection_radius",
                                         "optimizer.clip_at_zero",
                                         "optimizer.eps"}
                          << QStringList{"optimizer.lr", "optimizer.weight_decay",
                                         "optimizer.nesterov", "optimizer.beta1"};
    QTest::newRow("sgd") << "optimizer.name"
                         << "sgd"
                         << QStringList{"optimizer.lr", "optimizer.weight_decay",
                                        "optimizer.nesterov", "optimizer.momentum"}
                         << QStringList{"optimizer.max_lr", "optimizer.max_lr.none",
                                        "optimizer.beta1", "optimizer.eps",
                                        "optimizer.projection_radius"};
    QTest::newRow("adam") << "optimizer.name"
                          << "adam"
                          << QStringList{"optimizer.lr", "optimizer.beta1", "optimizer.beta2",
                                         "optimizer.eps", "optimizer.weight_decay"}
                          << QStringList{"optimizer.momentum", "optimizer.nesterov",
                                         "optimizer.max_lr",   "optimizer.momentum_form",
                                         "optimizer.alpha",    "optimizer.c"};
    QTest::newRow("yogi") << "optimizer.name"
                          << "yogi"
                          << QStringList{"optimizer.lr",
                                         "optimizer.beta1",
                                         "optimizer.beta2",
                                         "optimizer.eps",
                                         "optimizer.initial_accumulator",
                                         "optimizer.weight_decay",
                                         "optimizer.schedule"}
                          << QStringList{"optimizer.max_lr", "optimizer.momentum",
                                         "optimizer.alpha", "optimizer.lr_decay"};
    QTest::newRow("rmsprop") << "optimizer.name"
                             << "rmsprop"
                             << QStringList{"optimizer.lr", "optimizer.alpha", "optimizer.centered",
                                            "optimizer.eps"}
                             << QStringList{"optimizer.beta1", "optimizer.momentum",
                                            "optimizer.initial_accumulator"};
    QTest::newRow("adagrad") << "optimizer.name"
                             << "adagrad"
                             << QStringList{"optimizer.lr", "optimizer.lr_decay",
                                            "optimizer.initial_accumulator"}
                             << QStringList{"optimizer.beta1", "optimizer.centered"};
    QTest::newRow("sps") << "optimizer.name"
                         << "sps"
                         << QStringList{"optimizer.max_lr", "optimizer.max_lr.none", "optimizer.c",
                                        "optimizer.f_star", "optimizer.eps"}
                         << QStringList{"optimizer.lr", "optimizer.momentum",
                                        "optimizer.projection_radius", "optimizer.l4_gamma"};
    QTest::newRow("l4mom") << "optimizer.name"
                           << "l4mom"
                           << QStringList{"optimizer.alpha", "optimizer.l4_gamma",
                                          "optimizer.l4_init_factor", "optimizer.l4_forget_time",
                                          "optimizer.beta1"}
                           << QStringList{"optimizer.lr", "optimizer.beta2", "optimizer.max_lr",
                                          "optimizer.c"};
    QTest::newRow("dfw") << "optimizer.name"
                         << "dfw"
                         << QStringList{"optimizer.max_lr", "optimizer.momentum",
                                        "optimizer.weight_decay"}
                         << QStringList{"optimizer.max_lr.none", "optimizer.lr",
                                        "optimizer.momentum_form", "optimizer.f_star"};
    QTest::newRow("step schedule")
        << "optimizer.schedule"
        << "step"
        << QStringList{"optimizer.milestones", "optimizer.gamma", "optimizer.warmup_epochs"}
        << QStringList{"optimizer.min_lr_factor"};
    QTest::newRow("cosine schedule") << "optimizer.schedule"
                                     << "cosine" << QStringList{"optimizer.min_lr_factor"}
                                     << QStringList{"optimizer.milestones", "optimizer.gamma"};
}

void TestUiExperimentPanel::visibility() {
    QFETCH(QString, combo);
    QFETCH(QString, value);
    QFETCH(QStringList, shown);
    QFETCH(QStringList, hidden);
    ui::ExperimentPanel panel;
    // Start from a state where the rows differ: each choice must both show and hide.
    core::ExperimentConfig c;
    c.dataset.kind = value == "cifar10" ? "moons" : "cifar10";
    c.model.type = value == "mlp" ? "wrn" : "mlp";
    c.optimizer.name = value == "alig" ? "sgd" : "alig";
    panel.setConfig(c);
    panel.resize(380, 1400);
    panel.show();
    choose(panel, combo, value);
    for (const QString& path : shown) {
        QWidget* input = panel.fieldWidget(path);
        QVERIFY2(input, qPrintable(path));
        QVERIFY2(input->isVisibleTo(&panel), qPrintable(path + " hidden"));
        // Laid out with room, not squeezed to 0 px (seen with QFormLayout::WrapLongRows).
        QTRY_VERIFY2(input->height() >= input->minimumSizeHint().height(), qPrintable(path));
    }
    for (const QString& path : hidden) {
        QVERIFY2(panel.fieldWidget(path), qPrintable(path));
        QVERIFY2(!panel.fieldWidget(path)->isVisibleTo(&panel), qPrintable(path + " shown"));
    }
}

// Every optimizer.* field a method reads (its catalogue entry) has a row that shows when the
// method is chosen, and a value set there reaches config(): a method added to the catalogue
// with a field the panel lacks fails here.
void TestUiExperimentPanel::everyMethodFieldHasARow() {
    for (const core::OptimizerEntry& e : core::optimizerCatalogue()) {
        ui::ExperimentPanel panel;
        core::ExperimentConfig c;
        c.optimizer.name = e.name;
        panel.setConfig(c);
        panel.resize(380, 1400);
        panel.show();
        for (const std::string& f : e.fields) {
            const QString path = QString::fromStdString("optimizer." + f);
            QWidget* input = panel.fieldWidget(path);
            QVERIFY2(input, qPrintable(QString::fromStdString(e.name) + ": no row for " + path));
            QVERIFY2(input->isVisibleTo(&panel),
                     qPrintable(QString::fromStdString(e.name) + ": " + path + " hidden"));
        }
    }
    // The new methods' settings come back from the form as they went in.
    core::ExperimentConfig c;
    c.optimizer.name = "prodigy";
    c.optimizer.d0 = 3e-5;
    c.optimizer.dCoef = 2.0;
    c.optimizer.growthRate = 1.02;
    c.optimizer.safeguardWarmup = true;
    ui::ExperimentPanel panel;
    panel.setConfig(c);
    core::ExperimentConfig back = panel.config();
    QCOMPARE(back.optimizer.d0, 3e-5);
    QCOMPARE(back.optimizer.dCoef, 2.0);
    QVERIFY(back.optimizer.growthRate && *back.optimizer.growthRate == 1.02);
    QVERIFY(back.optimizer.safeguardWarmup);
    QVERIFY(!back.optimizer.beta3);
    c.optimizer.name = "dog";
    c.optimizer.dogInitEta = 1e-3;
    c.optimizer.dogAverage = false;
    panel.setConfig(c);
    back = panel.config();
    QVERIFY(back.optimizer.dogInitEta && *back.optimizer.dogInitEta == 1e-3);
    QVERIFY(!back.optimizer.dogAverage);
    c.optimizer.name = "sf_sgd";
    c.optimizer.sfWarmupSteps = 250;
    panel.setConfig(c);
    QCOMPARE(panel.config().optimizer.sfWarmupSteps, int64_t{250});
}

void TestUiExperimentPanel::everyInputHasATooltip() {
    ui::ExperimentPanel panel;
    QStringList missing;
    int inputs = 0;
    for (QWidget* w : panel.findChildren<QWidget*>()) {
        const bool spinBoxEditor =
            qobject_cast<QLineEdit*>(w) && qobject_cast<QAbstractSpinBox*>(w->parentWidget());
        const bool input = qobject_cast<QAbstractSpinBox*>(w) || qobject_cast<QComboBox*>(w) ||
                           (qobject_cast<QLineEdit*>(w) && !spinBoxEditor) ||
                           qobject_cast<QAbstractButton*>(w) || qobject_cast<QSlider*>(w);
        if (!input) continue;
        ++inputs;
        if (w->toolTip().trimmed().isEmpty())
            missing << QString("%1 \"%2\"").arg(w->metaObject()->className(), w->objectName());
    }
    QVERIFY(inputs > 40);
    QVERIFY2(missing.isEmpty(), qPrintable(missing.join(", ")));
}

void TestUiExperimentPanel::runningLocksAllButMaxLr() {
    ui::ExperimentPanel panel;
    panel.setRunning(true);
    auto* editor = panel.findChild<ui::LogSlider*>();
    QVERIFY(editor->slider()->isEnabled());
    QVERIFY(panel.fieldWidget("optimizer.max_lr")->isEnabled());
    QVERIFY(panel.fieldWidget("optimizer.max_lr.none")->isEnabled());
    for (const QString& path :
         QStringList{"name", "dataset.kind", "model.hidden", "optimizer.momentum",
                     "training.epochs", "output.checkpoint_every"})
        QVERIFY2(!panel.fieldWidget(path)->isEnabled(), qPrintable(path));
    QVERIFY(!panel.findChild<QComboBox*>("preset")->isEnabled());
    panel.setRunning(false);
    QVERIFY(panel.fieldWidget("model.hidden")->isEnabled());
    QVERIFY(panel.findChild<QComboBox*>("preset")->isEnabled());
}

void TestUiExperimentPanel::screenshots() {
    const QString dir = qEnvironmentVariable("ALIG_PANEL_SCREENSHOT_DIR");
    if (dir.isEmpty()) QSKIP("set ALIG_PANEL_SCREENSHOT_DIR to save screenshots");
    ui::ExperimentPanel panel;
    panel.resize(380, 1400);
    panel.show();
    QVERIFY(panel.loadPreset(core::kDefaultPreset));
    QTest::qWait(50);
    QVERIFY(panel.grab().save(dir + "/panel-alig.png"));

    choose(panel, "dataset.kind", "csv");
    choose(panel, "optimizer.name", "sgd");
    field<QLineEdit>(panel, "model.hidden")->setText("64, x");
    QTest::qWait(50); // layout requests travel up one parent per event loop pass
    QVERIFY(panel.grab().save(dir + "/panel-csv-sgd.png"));
    panel.resize(360, 700); // the dock's size: the form scrolls
    QTest::qWait(50);
    QVERIFY(panel.grab().save(dir + "/panel-dock.png"));

    panel.resize(380, 1400);
    QVERIFY(panel.loadPreset(core::kDefaultPreset));
    choose(panel, "optimizer.name", "prodigy"); // a tuning-free method's own rows
    QWidget* d0 = panel.fieldWidget("optimizer.d0");
    QTRY_VERIFY_WITH_TIMEOUT(d0->isVisibleTo(&panel) &&
                                 d0->height() >= d0->minimumSizeHint().height(),
                             alig::test::kPatienceMs);
    QVERIFY(panel.grab().save(dir + "/panel-prodigy.png"));
}

QTEST_MAIN(TestUiExperimentPanel)
#include "tst_ui_experiment_panel.moc"
