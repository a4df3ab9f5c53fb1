#include "ui/config/experiment_panel.h"

#include "core/data/dataset_config.h"
#include "core/models/model_config.h"
#include "core/optim/lr_schedule.h"
#include "core/optim/optimizer_catalogue.h"
#include "core/train/training_config.h"
#include "core/util/choice.h"
#include "core/util/error.h"
#include "core/util/paths.h"
#include "ui/config/log_slider.h"
#include "ui/config/number_spin_box.h"

#include <torch/cuda.h>

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QRegularExpressionValidator>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QStyle>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>
#include <torch/cuda.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <exception>

namespace alig::ui {

namespace {

const char* kBaseToolTip = "baseToolTip"; // the tooltip without an error message

// The menu labels of the config's choices, by field and JSON name; the names and their order
// come from core's tables (fillChoices), so a choice core adds shows up, by its name until it
// gets a label here.
QString choiceLabel(const QString& field, const QString& name) {
    static const QHash<QString, QString> labels{
        {"dataset.kind/fashion-mnist", QObject::tr("Fashion-MNIST (built in)")},
        {"dataset.kind/mnist", QObject::tr("MNIST (IDX folder)")},
        {"dataset.kind/kmnist", QObject::tr("Kuzushiji-MNIST (IDX folder)")},
        {"dataset.kind/idx", QObject::tr("Other IDX folder")},
        {"dataset.kind/cifar10", QObject::tr("CIFAR-10 (binary files)")},
        {"dataset.kind/cifar100", QObject::tr("CIFAR-100 (binary files)")},
        {"dataset.kind/svhn", QObject::tr("SVHN (cropped digits)")},
        {"dataset.kind/csv", QObject::tr("CSV table")},
        {"dataset.kind/spirals", QObject::tr("Spirals (2-D, synthetic)")},
        {"dataset.kind/circles", QObject::tr("Circles (2-D, synthetic)")},
        {"dataset.kind/moons", QObject::tr("Moons (2-D, synthetic)")},
        {"dataset.kind/xor", QObject::tr("XOR (2-D, synthetic)")},
        {"dataset.kind/blobs", QObject::tr("Blobs (2-D, synthetic)")},
        {"model.type/linear", QObject::tr("Linear (logistic regression)")},
        {"model.type/mlp", QObject::tr("MLP (fully connected)")},
        {"model.type/cnn", QObject::tr("Small CNN (images)")},
        {"model.type/resnet", QObject::tr("ResNet (CIFAR)")},
        {"model.type/wrn", QObject::tr("Wide ResNet")},
        {"model.type/torchscript", QObject::tr("TorchScript file (.pt)")},
        {"model.activation/relu", QObject::tr("ReLU")},
        {"model.activation/tanh", QObject::tr("tanh")},
        {"model.activation/sigmoid", QObject::tr("Sigmoid")},
        {"model.activation/gelu", QObject::tr("GELU")},
        {"model.activation/leaky_relu", QObject::tr("Leaky ReLU")},
        {"optimizer.schedule/constant", QObject::tr("Constant")},
        {"optimizer.schedule/step", QObject::tr("Step decay at milestones")},
        {"optimizer.schedule/cosine", QObject::tr("Cosine")},
        {"training.loss/cross_entropy", QObject::tr("Cross-entropy")},
        {"training.loss/multiclass_hinge", QObject::tr("Multi-class hinge (SVM)")},
    };
    return labels.value(field + "/" + name, name);
}

template <class E> void fillChoices(QComboBox* box, const core::ChoiceTable<E>& table) {
    const QString field = QString::fromStdString(table.field());
    for (const std::string& name : table.names())
        box->addItem(choiceLabel(field, QString::fromStdString(name)),
                     QString::fromStdString(name));
}

QString optimizerLabel(const QString& name) {
    const core::OptimizerEntry* e = core::findOptimizer(name.toStdString());
    return e ? QString::fromStdString(e->label) : name;
}

QString toQ(const std::string& s) {
    return QString::fromStdString(s);
}
std::string toStd(const QString& s) {
    return s.toStdString();
}
QString dataOf(const QComboBox* box) {
    return box->currentData().toString();
}

// Selects the item whose data is `value`, adding one when the list lacks it (a config from a
// file may name a device this machine does not have): the form must not change a value.
void selectData(QComboBox* box, const QString& value) {
    int index = box->findData(value);
    if (index < 0) {
        box->addItem(value, value);
        index = box->count() - 1;
    }
    box->setCurrentIndex(index);
}

void setInt(QSpinBox* box, int64_t value) {
    box->setValue(static_cast<int>(std::clamp<int64_t>(value, box->minimum(), box->maximum())));
}

QSpinBox* intBox(int minimum, int maximum = INT_MAX) {
    auto* box = new QSpinBox;
    box->setRange(minimum, maximum);
    return box;
}

NumberSpinBox* numberBox(double minimum, double maximum, double step, bool logSteps = false) {
    auto* box = new NumberSpinBox;
    box->setRange(minimum, maximum);
    box->setSingleStep(step);
    box->setLogarithmicSteps(logSteps);
    return box;
}

QComboBox* comboBox() {
    auto* box = new QComboBox;
    // Long item labels must not make the dock wider than it is; the popup shows them whole.
    box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    box->setMinimumContentsLength(12);
    return box;
}

QLineEdit* seedEdit() {
    auto* edit = new QLineEdit;
    // Seeds are unsigned 64-bit, beyond what QSpinBox holds; the panel parses the digits.
    edit->setValidator(new QRegularExpressionValidator(QRegularExpression("[0-9]{0,20}"), edit));
    return edit;
}

QString formatWidths(const std::vector<int64_t>& widths) {
    QStringList parts;
    for (int64_t w : widths)
        parts << QString::number(w);
    return parts.join(", ");
}

// "256, 256" -> {256, 256}; "" -> {} (no hidden layer). Ranges are left to validate().
std::optional<std::vector<int64_t>> parseWidths(const QString& text, QString* error) {
    std::vector<int64_t> widths;
    if (text.trimmed().isEmpty()) return widths;
    for (const QString& part : text.split(',')) {
        bool ok = false;
        const qlonglong w = part.trimmed().toLongLong(&ok);
        if (!ok) {
            *error = QObject::tr("model.hidden: \"%1\" is not a whole number; write the widths of "
                                 "the hidden layers separated by commas, e.g. 256, 256")
                         .arg(part.trimmed());
            return std::nullopt;
        }
        widths.push_back(w);
    }
    return widths;
}

// "60, 120, 160" -> {60, 120, 160}; order and range are left to validate().
std::optional<std::vector<int64_t>> parseMilestones(const QString& text, QString* error) {
    std::vector<int64_t> epochs;
    if (text.trimmed().isEmpty()) return epochs;
    for (const QString& part : text.split(',')) {
        bool ok = false;
        const qlonglong epoch = part.trimmed().toLongLong(&ok);
        if (!ok) {
            *error = QObject::tr("optimizer.milestones: \"%1\" is not a whole number; write the "
                                 "epochs separated by commas, e.g. 60, 120, 160")
                         .arg(part.trimmed());
            return std::nullopt;
        }
        epochs.push_back(epoch);
    }
    return epochs;
}

std::optional<uint64_t> parseSeed(const QString& text, const QString& path, QString* error) {
    bool ok = false;
    const qulonglong seed = text.trimmed().toULongLong(&ok);
    if (!ok) {
        *error =
            QObject::tr("%1: must be a whole number from 0 to 18446744073709551615, got \"%2\"")
                .arg(path, text);
        return std::nullopt;
    }
    return seed;
}

// The JSON path an error message starts with: "model.hidden[1]: must be ..." -> model.hidden.
QString pathOf(const QString& message) {
    const int colon = message.indexOf(QLatin1String(": "));
    if (colon < 0) return {};
    QString path = message.left(colon);
    path.remove(QRegularExpression(R"(\[\d+\]$)"));
    return path;
}

QFormLayout* newForm(QGroupBox* box) {
    auto* form = new QFormLayout(box);
    // Labels are short enough for a 360 px dock. WrapLongRows would add height-for-width,
    // whose cached heights QFormLayout::setRowVisible() leaves stale: shown rows got 0 px.
    form->setRowWrapPolicy(QFormLayout::DontWrapRows);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    return form;
}

int cudaDeviceCount() {
    static const int count = static_cast<int>(torch::cuda::device_count());
    return count;
}

} // namespace

ExperimentPanel::ExperimentPanel(QWidget* parent)
    : QWidget(parent) {
    buildForm();
    setConfig(core::ExperimentConfig{});
}

// ---------------------------------------------------------------------------------------------
// Building the form

void ExperimentPanel::buildForm() {
    auto* content = new QWidget;
    auto* sections = new QVBoxLayout(content);

    auto* top = new QGroupBox(tr("Experiment"));
    auto* topForm = new QFormLayout(top);
    m_preset = comboBox();
    m_preset->setObjectName("preset");
    m_preset->setPlaceholderText(tr("Choose a preset…"));
    for (const auto& preset : core::listPresets()) {
        m_preset->addItem(toQ(preset.name), toQ(preset.name));
        m_preset->setItemData(m_preset->count() - 1, toQ(preset.description), Qt::ToolTipRole);
    }
    m_preset->setToolTip(tr("Load a ready-made experiment; it replaces every field below, and "
                            "its description appears underneath."));
    topForm->addRow(tr("Preset"), m_preset);
    m_presetDescription = new QLabel;
    m_presetDescription->setWordWrap(true);
    m_presetDescription->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_presetDescription->setForegroundRole(QPalette::PlaceholderText);
    topForm->addRow(m_presetDescription);
    m_name = new QLineEdit;
    addField(topForm, "name", tr("Name"), m_name,
             tr("Names the run in the runs table and its folder on disk."));
    connect(m_preset, &QComboBox::activated, this,
            [this](int index) { loadPreset(m_preset->itemData(index).toString()); });

    sections->addWidget(top);
    sections->addWidget(buildDatasetSection());
    sections->addWidget(buildModelSection());
    sections->addWidget(buildOptimizerSection());
    sections->addWidget(buildTrainingSection());
    sections->addWidget(buildOutputSection());
    sections->addStretch(1);

    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    // The dock is narrow: the form wraps and scrolls down, never sideways.
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setWidget(content);

    m_errorLabel = new QLabel;
    m_errorLabel->setObjectName("errors");
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errorLabel->setStyleSheet("color: #c62828; padding: 4px;");
    m_errorLabel->hide();

    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll, 1);
    outer->addWidget(m_errorLabel);

    setStyleSheet(
        QStringLiteral("*[%1=\"true\"] { border: 2px solid #c62828; border-radius: 3px; }")
            .arg(kErrorProperty));
}

QWidget* ExperimentPanel::buildDatasetSection() {
    auto* box = new QGroupBox(tr("Dataset"));
    auto* form = newForm(box);

    m_kind = comboBox();
    fillChoices(m_kind, core::datasetKindChoices());
    addField(form, "dataset.kind", tr("Data"), m_kind,
             tr("What to learn: built-in image sets, your own IDX, CIFAR or CSV files, or a small "
                "2-D set generated on the fly that trains in seconds."));

    m_path = new QLineEdit;
    addField(form, "dataset.path", tr("Path"), m_path,
             tr("Where the data is: the folder of the IDX or CIFAR files, or the CSV file; "
                "empty uses /usr/share/datasets/fashion-mnist or, for CIFAR, %1.")
                 .arg(toQ(core::defaultDatasetsDir())),
             withBrowseButton(m_path, &m_pathBrowse));
    connect(m_pathBrowse, &QPushButton::clicked, this, [this] { browse(Browse::DatasetPath); });
    m_pathBrowse->setToolTip(tr("Pick the data folder (or, for CSV, the file) in a dialog."));

    m_testPath = new QLineEdit;
    m_testPath->setPlaceholderText(tr("empty: split Path"));
    addField(form, "dataset.test_path", tr("Test file"), m_testPath,
             tr("A separate CSV file with the same columns to test on; leave it empty to hold out "
                "part of the training file instead."),
             withBrowseButton(m_testPath, &m_testPathBrowse));
    connect(m_testPathBrowse, &QPushButton::clicked, this, [this] { browse(Browse::CsvTestFile); });
    m_testPathBrowse->setToolTip(tr("Pick the CSV test file in a dialog."));

    m_labelColumn = new QLineEdit;
    m_labelColumn->setPlaceholderText(tr("last column"));
    addField(form, "dataset.label_column", tr("Label column"), m_labelColumn,
             tr("The column that holds the class, by header name or 0-based index; leave it empty "
                "for the last column."));

    m_header = comboBox();
    m_header->addItem(tr("Detect"), "auto");
    m_header->addItem(tr("First row is a header"), "yes");
    m_header->addItem(tr("No header row"), "no");
    addField(form, "dataset.header", tr("Header"), m_header,
             tr("Whether the first row names the columns; Detect treats a first row with any "
                "non-number as a header."));

    m_samples = intBox(0);
    addField(form, "dataset.samples", tr("Samples"), m_samples,
             tr("How many points to generate in total, before the test split."));

    m_noise = numberBox(0.0, 1e6, 0.01);
    addField(form, "dataset.noise", tr("Noise"), m_noise,
             tr("The standard deviation of the Gaussian noise added to each point: more noise "
                "makes the classes overlap."));

    m_classes = intBox(0, 1000);
    addField(form, "dataset.classes", tr("Classes"), m_classes,
             tr("How many spiral arms or blob centres, each its own class."));

    // 0 and 1 are allowed so that validate() explains why a split needs both parts.
    m_testFraction = numberBox(0.0, 1.0, 0.05);
    addField(form, "dataset.test_fraction", tr("Test fraction"), m_testFraction,
             tr("The share of the samples held out to measure test accuracy, e.g. 0.2 for 20%."));

    m_dataSeed = seedEdit();
    addField(form, "dataset.seed", tr("Data seed"), m_dataSeed,
             tr("Fixes the generated points and the train/test split, so the same seed gives the "
                "same data."));

    m_subset = intBox(0);
    m_subset->setSpecialValueText(tr("all"));
    addField(form, "dataset.subset", tr("Subset"), m_subset,
             tr("Train on only the first N samples for a quick demo; 0 keeps them all."));

    m_normalize = new QCheckBox(tr("Normalize inputs"));
    addField(form, "dataset.normalize", {}, m_normalize,
             tr("Shift and scale every input channel to mean 0 and standard deviation 1, "
                "measured on the training set; this usually trains faster."));

    m_cropPadding = intBox(0, 1000);
    m_cropPadding->setSpecialValueText(tr("off"));
    m_cropPadding->setSuffix(tr(" px"));
    addField(form, "dataset.crop_padding", tr("Random crop"), m_cropPadding,
             tr("Augmentation: pad each training image by this many pixels and cut a random "
                "window of the original size; 0 turns it off."));

    m_horizontalFlip = new QCheckBox(tr("Random horizontal flip"));
    addField(form, "dataset.horizontal_flip", {}, m_horizontalFlip,
             tr("Augmentation: mirror half of each training batch left to right."));
    return box;
}

QWidget* ExperimentPanel::buildModelSection() {
    auto* box = new QGroupBox(tr("Model"));
    auto* form = newForm(box);

    m_modelType = comboBox();
    fillChoices(m_modelType, core::modelTypeChoices());
    addField(form, "model.type", tr("Type"), m_modelType,
             tr("The network to train; its input size and number of outputs come from the "
                "dataset."));

    m_hiddenText = new QLineEdit;
    m_hiddenText->setPlaceholderText(tr("e.g. 256, 256"));
    addField(form, "model.hidden", tr("Hidden widths"), m_hiddenText,
             tr("The number of units in each hidden layer, separated by commas, e.g. 256, 256 "
                "for two layers; leave it empty for none."));

    m_activation = comboBox();
    fillChoices(m_activation, core::activationChoices());
    addField(form, "model.activation", tr("Activation"), m_activation,
             tr("The non-linearity after each hidden layer."));

    m_dropout = numberBox(0.0, 1.0, 0.05);
    addField(form, "model.dropout", tr("Dropout"), m_dropout,
             tr("The chance that each hidden unit is switched off in a training step, which "
                "fights overfitting; 0 turns it off."));

    // Any depth can be typed: validate() says which depths a ResNet or WRN can have.
    m_depth = intBox(0, 10000);
    addField(form, "model.depth", tr("Depth"), m_depth,
             tr("The number of layers: 6n+2 for a ResNet (20, 32, 44, 56, 110), 6n+4 for a Wide "
                "ResNet (16, 22, 28, 40)."));

    m_widen = intBox(0, 1000);
    addField(form, "model.widen", tr("Widen factor"), m_widen,
             tr("How many times wider than a plain ResNet each layer is (WRN-16-4 has depth 16, "
                "widen 4)."));

    m_channels = intBox(0, 100000);
    addField(form, "model.channels", tr("Channels"), m_channels,
             tr("The number of filters in the first convolution; later layers have more."));

    m_modelPath = new QLineEdit;
    m_modelPath->setPlaceholderText(tr("a .pt file"));
    // The warning sits in the row, so it shows whenever a TorchScript file can be chosen.
    auto* modelFileRow = new QWidget;
    auto* modelFileLayout = new QVBoxLayout(modelFileRow);
    modelFileLayout->setContentsMargins(0, 0, 0, 0);
    modelFileLayout->addWidget(withBrowseButton(m_modelPath, &m_modelPathBrowse));
    m_torchScriptWarning = new QLabel(
        tr("A TorchScript file is a program from whoever made it: training runs its code with "
           "your rights. Use only files from people you trust."));
    m_torchScriptWarning->setObjectName("torchScriptWarning");
    m_torchScriptWarning->setWordWrap(true);
    m_torchScriptWarning->setTextInteractionFlags(Qt::TextSelectableByMouse);
    modelFileLayout->addWidget(m_torchScriptWarning);
    addField(form, "model.path", tr("File"), m_modelPath,
             tr("A model saved with torch.jit.save; it is trained like the built-in ones. It is "
                "a program: it runs with your rights, so use only files you trust."),
             modelFileRow);
    connect(m_modelPathBrowse, &QPushButton::clicked, this, [this] { browse(Browse::ModelFile); });
    m_modelPathBrowse->setToolTip(tr("Pick the TorchScript .pt file in a dialog."));
    return box;
}

QWidget* ExperimentPanel::buildOptimizerSection() {
    auto* box = new QGroupBox(tr("Optimizer"));
    auto* form = newForm(box);

    m_method = comboBox();
    for (const auto& name : core::optimizerNames())
        m_method->addItem(optimizerLabel(toQ(name)), toQ(name));
    addField(form, "optimizer.name", tr("Method"), m_method,
             tr("How the weights are updated. ALI-G, SPS, the Polyak step, L4 and DFW pick their "
                "own step size from the loss; SGD, the Adam family (Adam, AdamW, AMSGrad, Yogi), "
                "Adagrad and RMSprop take a learning rate you choose. The ALI-G paper compares "
                "against all of them."));

    m_maxLr = new LogSlider;
    addField(form, "optimizer.max_lr", tr("max_lr"), m_maxLr->spinBox(),
             tr("The largest step ALI-G, SPS or the Polyak step may take; when the step computed "
                "from the loss is larger, this is used instead (the step is 'clipped'). For DFW "
                "it is η, the step's upper end."),
             m_maxLr);
    m_maxLr->slider()->setToolTip(
        tr("Drag to set max_lr on a logarithmic scale from 0.0001 to 100; each tick is ten "
           "times the last."));
    m_maxLr->setToolTip(m_maxLr->spinBox()->toolTip());

    m_noMaxLr = new QCheckBox(tr("No maximum (pure Polyak step)"));
    addField(form, "optimizer.max_lr.none", {}, m_noMaxLr,
             tr("Never clip: every step is loss/||g||², which can be huge when the gradient is "
                "small."));

    numberField(form, "optimizer.momentum", tr("Momentum"), &core::OptimizerConfig::momentum,
                {0.0, 1.0, 0.1},
                tr("How much of the previous update is carried into the next one, from 0 (none) "
                   "to just below 1; 0.9 is usual."));

    m_momentumForm = comboBox();
    m_momentumForm->addItem(tr("Standard (reference ALI-G)"), "standard");
    m_momentumForm->addItem(tr("Adjusted (PyTorch Nesterov)"), "adjusted");
    addField(form, "optimizer.momentum_form", tr("Momentum form"), m_momentumForm,
             tr("Standard follows the ALI-G paper's code (v = μv − γg, w += μv); Adjusted is "
                "PyTorch's Nesterov SGD with the ALI-G step as learning rate."));

    optionalField(form, "optimizer.eps", tr("eps"), &core::OptimizerConfig::eps,
                  {0.0, 1.0, 1e-8, true},
                  tr("the method's own eps (1e-5 for ALI-G and DFW, 1e-8 for Adam, 1e-3 for "
                     "Yogi, ...)"),
                  tr("A small number added to a denominator so that a tiny gradient cannot make "
                     "the step blow up."),
                  &core::OptimizerConfig::resolvedEps);

    m_project = new QCheckBox(tr("radius"));
    m_project->setToolTip(tr("Keep all weights inside a ball of this radius, the paper's "
                             "regulariser in place of weight decay."));
    m_radius = numberBox(0.0, 1e12, 1.0, true);
    m_radius->setValue(100.0); // the paper's CIFAR radius, offered when projection is ticked
    {
        auto* row = new QWidget;
        auto* layout = new QHBoxLayout(row);
        layout->setContentsMargins(0, 0, 0, 0);
        layout->addWidget(m_project);
        layout->addWidget(m_radius, 1);
        addField(form, "optimizer.projection_radius", tr("L2 ball"), m_radius,
                 tr("After every step, shrink the weights back onto the L2 ball of this radius "
                    "when they leave it."),
                 row);
        watch(m_project);
    }

    flagField(form, "optimizer.clip_at_zero", tr("Clip negative steps to 0"),
              &core::OptimizerConfig::clipAtZero,
              tr("Never step when the loss is negative (the reference implementation does not "
                 "clip)."));

    optionalField(form, "optimizer.lr", tr("Learning rate"), &core::OptimizerConfig::lr,
                  {0.0, 1e9, 1e-4, true},
                  tr("the method's own (0.1 for SGD, 1e-3 for Adam, 1 for Prodigy, DoG, MoMo "
                     "and Schedule-Free SGD, ...)"),
                  tr("The fixed step size: how far the weights move along the (scaled) gradient "
                     "in each step. Prodigy, DoG and MoMo estimate their step and use it as a "
                     "factor or cap."),
                  &core::OptimizerConfig::resolvedLr);

    numberField(form, "optimizer.weight_decay", tr("Weight decay"),
                &core::OptimizerConfig::weightDecay, {0.0, 1e9, 1e-4, true},
                tr("Pulls every weight a little towards 0 in each step, which fights overfitting; "
                   "0 turns it off."));

    flagField(form, "optimizer.nesterov", tr("Nesterov momentum"), &core::OptimizerConfig::nesterov,
              tr("Evaluate the momentum one step ahead, which often converges a little faster; "
                 "needs momentum above 0."));

    numberField(form, "optimizer.beta1", tr("beta1"), &core::OptimizerConfig::beta1,
                {0.0, 1.0, 0.01},
                tr("How slowly Adam's running average of the gradient forgets; 0.9 is usual."));
    numberField(form, "optimizer.beta2", tr("beta2"), &core::OptimizerConfig::beta2,
                {0.0, 1.0, 0.001},
                tr("How slowly Adam's running average of the squared gradient forgets; 0.999 is "
                   "usual."));

    optionalField(form, "optimizer.alpha", tr("alpha"), &core::OptimizerConfig::alpha,
                  {0.0, 1e6, 0.01}, tr("the method's own alpha (0.99 for RMSprop, 0.15 for L4)"),
                  tr("RMSprop: how slowly its running average of the squared gradient forgets "
                     "(0.99 is usual). L4: the fraction of the step that would bring the loss "
                     "down to its target in one go (0.15 is the paper's)."),
                  &core::OptimizerConfig::resolvedAlpha);

    flagField(form, "optimizer.centered", tr("Centered"), &core::OptimizerConfig::centered,
              tr("RMSprop: divide by an estimate of the gradient's variance instead of its "
                 "average square."));

    numberField(form, "optimizer.lr_decay", tr("lr decay"), &core::OptimizerConfig::lrDecay,
                {0.0, 1e9, 1e-4, true},
                tr("Adagrad: shrinks the learning rate in step t to lr / (1 + (t − 1) × decay); 0 "
                   "keeps it."));

    optionalField(form, "optimizer.initial_accumulator", tr("Initial accumulator"),
                  &core::OptimizerConfig::initialAccumulator, {0.0, 1e9, 1e-6, true},
                  tr("the method's own start (0 for Adagrad, 1e-6 for Yogi)"),
                  tr("Where the running sum (Adagrad) or average (Yogi) of squared gradients "
                     "starts; a larger value makes the first steps smaller."),
                  &core::OptimizerConfig::resolvedInitialAccumulator);

    numberField(
        form, "optimizer.c", tr("c"), &core::OptimizerConfig::c, {0.0, 1e6, 0.1},
        tr("SPS divides the Polyak step (loss − f*)/||g||² by c: 0.5 is the paper's choice; "
           "a larger c takes smaller steps."));

    numberField(form, "optimizer.f_star", tr("f*"), &core::OptimizerConfig::fStar,
                {-1e9, 1e9, 0.01},
                tr("The lowest loss you expect a batch to reach (0 when the network can fit the "
                   "training data). The step aims at it; below it, no step is taken."));

    numberField(form, "optimizer.l4_gamma", tr("L4 gamma"), &core::OptimizerConfig::l4Gamma,
                {0.0, 1.0, 0.05},
                tr("L4 aims at this share of the smallest loss seen so far (0.9 in the paper)."));
    numberField(form, "optimizer.l4_init_factor", tr("L4 initial target"),
                &core::OptimizerConfig::l4InitFactor, {0.0, 1.0, 0.05},
                tr("L4's first guess of the smallest loss, as a share of the first batch's loss "
                   "(0.75 in the paper)."));
    numberField(form, "optimizer.l4_forget_time", tr("L4 forget time"),
                &core::OptimizerConfig::l4ForgetTime, {0.0, 1e12, 100.0, true},
                tr("In steps: L4 raises its smallest loss by 1/τ each step so that an old lucky "
                   "batch is forgotten (1000 in the paper)."));

    // The tuning-free methods' own settings (docs/config.md has the ranges and the papers).
    numberField(form, "optimizer.d0", tr("Prodigy d0"), &core::OptimizerConfig::d0,
                {1e-12, 1e6, 1e-6, true},
                tr("Prodigy's first guess of the distance to a solution; it grows from there, so "
                   "a tiny value (1e-6) is safe."));
    numberField(form, "optimizer.d_coef", tr("Prodigy d_coef"), &core::OptimizerConfig::dCoef,
                {1e-6, 1e6, 0.1, true},
                tr("Scales Prodigy's distance estimate, and so every step: the authors' knob "
                   "when the default is off (0.5 or 2)."));
    optionalField(form, "optimizer.growth_rate", tr("Prodigy growth"),
                  &core::OptimizerConfig::growthRate, {1.0, 1e6, 0.01}, tr("no limit"),
                  tr("The most Prodigy's estimate may grow in one step (1.02 acts as a "
                     "warm-up)."));
    optionalField(form, "optimizer.beta3", tr("Prodigy beta3"), &core::OptimizerConfig::beta3,
                  {0.0, 0.9999, 0.001}, tr("the square root of beta2"),
                  tr("How slowly Prodigy's sums behind its estimate forget."));
    flagField(form, "optimizer.decouple", tr("Decoupled weight decay"),
              &core::OptimizerConfig::decouple,
              tr("Prodigy: shrink the weights as AdamW does, apart from the gradient (off: add "
                 "the decay to the gradient)."));
    flagField(form, "optimizer.safeguard_warmup", tr("Safeguard warm-up"),
              &core::OptimizerConfig::safeguardWarmup,
              tr("Prodigy: leave the learning rate out of its estimate's denominator, for "
                 "schedules with a warm-up."));
    flagField(form, "optimizer.bias_correction", tr("Bias correction"),
              &core::OptimizerConfig::biasCorrection,
              tr("Prodigy: Adam's bias correction on its step; MoMo: its averages start at 0 "
                 "and are corrected."));
    countField(form, "optimizer.sf_warmup_steps", tr("Schedule-Free warm-up"),
               &core::OptimizerConfig::sfWarmupSteps, 100000000,
               tr("Steps over which Schedule-Free raises its learning rate linearly (0: "
                  "none)."));
    numberField(form, "optimizer.sf_r", tr("Schedule-Free r"), &core::OptimizerConfig::sfR,
                {0.0, 100.0, 0.5},
                tr("How much later steps weigh in Schedule-Free's average: the weight grows as "
                   "(k+1)^r (0: equal weights)."));
    numberField(form, "optimizer.sf_weight_lr_power", tr("Schedule-Free lr power"),
                &core::OptimizerConfig::sfWeightLrPower, {0.0, 100.0, 0.5},
                tr("The average's weight also grows as the largest learning rate so far to this "
                   "power (2 in the paper)."));
    numberField(form, "optimizer.momo_lb", tr("MoMo lower bound"), &core::OptimizerConfig::momoLb,
                {-1e9, 1e9, 0.01},
                tr("The lowest loss MoMo's model may predict (0 when the network can fit the "
                   "data); its step is cut where the model reaches it."));
    flagField(form, "optimizer.momo_online_lb", tr("Estimate the lower bound"),
              &core::OptimizerConfig::momoOnlineLb,
              tr("MoMo*: estimate the lower bound while training, starting from the value "
                 "above."));
    flagField(form, "optimizer.momo_divide", tr("Proximal weight decay"),
              &core::OptimizerConfig::momoDivide,
              tr("MoMo-Adam: divide the weights by 1 + lr·λ (off: AdamW's multiplication by "
                 "1 − lr·λ)."));
    numberField(form, "optimizer.dog_reps_rel", tr("DoG first distance"),
                &core::OptimizerConfig::dogRepsRel, {1e-12, 1.0, 1e-6, true},
                tr("DoG's first step moves this share of (1 + the weights' norm); 1e-4 is "
                   "suggested with BatchNorm."));
    optionalField(form, "optimizer.dog_init_eta", tr("DoG first step"),
                  &core::OptimizerConfig::dogInitEta, {1e-12, 1e6, 1e-6, true},
                  tr("from the first distance"),
                  tr("DoG's first step size, in place of the one the first distance gives."));
    flagField(form, "optimizer.dog_average", tr("Evaluate the average"),
              &core::OptimizerConfig::dogAverage,
              tr("DoG: evaluate and checkpoint the polynomial-decay average of the weights, as "
                 "the authors recommend."));
    numberField(form, "optimizer.dog_average_gamma", tr("DoG average gamma"),
                &core::OptimizerConfig::dogAverageGamma, {0.0, 1e6, 1.0},
                tr("How fast DoG's average forgets old weights: larger weighs recent ones more "
                   "(8 in the paper)."));

    m_schedule = comboBox();
    fillChoices(m_schedule, core::scheduleChoices());
    addField(form, "optimizer.schedule", tr("Schedule"), m_schedule,
             tr("How the learning rate (for ALI-G, SPS, Polyak and DFW: max_lr; for L4: alpha) "
                "changes during training: constant, cut by a factor at chosen epochs (the "
                "paper's SGD), or a smooth cosine down to the end of the run."));

    m_milestones = new QLineEdit;
    m_milestones->setPlaceholderText(tr("e.g. 60, 120, 160"));
    addField(form, "optimizer.milestones", tr("Milestones"), m_milestones,
             tr("The epochs at which the rate is multiplied by gamma, separated by commas (the "
                "paper's Wide ResNet: 60, 120, 160 with gamma 0.2)."));
    numberField(form, "optimizer.gamma", tr("Decay factor"), &core::OptimizerConfig::gamma,
                {0.0, 1.0, 0.05},
                tr("What the rate is multiplied by at each milestone: 0.1 divides it by 10."));
    numberField(form, "optimizer.min_lr_factor", tr("Final factor"),
                &core::OptimizerConfig::minLrFactor, {0.0, 1.0, 0.01},
                tr("Cosine: the share of the rate left at the last step (0: it ends at 0)."));
    m_warmupEpochs = intBox(0, 1000000);
    m_warmupEpochs->setSpecialValueText(tr("none"));
    m_warmupEpochs->setSuffix(tr(" epochs"));
    addField(form, "optimizer.warmup_epochs", tr("Warm-up"), m_warmupEpochs,
             tr("Epochs over which the rate grows linearly from almost 0 to its value, which "
                "keeps the first steps of a big network from blowing up; 0: none."));

    connect(m_maxLr, &LogSlider::valueChanged, this, [this] {
        if (!m_loading) emitMaxLr();
    });
    connect(m_noMaxLr, &QCheckBox::toggled, this, [this] {
        if (!m_loading) emitMaxLr();
    });
    return box;
}

QWidget* ExperimentPanel::buildTrainingSection() {
    auto* box = new QGroupBox(tr("Training"));
    auto* form = newForm(box);

    m_epochs = intBox(0);
    addField(form, "training.epochs", tr("Epochs"), m_epochs,
             tr("How many times training goes through the whole training set."));

    m_batchSize = intBox(0);
    addField(form, "training.batch_size", tr("Batch size"), m_batchSize,
             tr("How many samples each step averages its loss and gradient over."));

    m_trainSeed = seedEdit();
    addField(form, "training.seed", tr("Seed"), m_trainSeed,
             tr("Fixes the initial weights, the data order, dropout and augmentation: the same "
                "seed on the CPU gives the same run."));

    m_threads = intBox(0, 100000);
    m_threads->setSpecialValueText(tr("all cores"));
    addField(form, "training.threads", tr("CPU threads"), m_threads,
             tr("How many CPU cores training may use; 0 uses them all."));

    m_device = comboBox();
    m_device->addItem(tr("Automatic"), "auto");
    m_device->addItem(tr("CPU"), "cpu");
    for (int i = 0; i < cudaDeviceCount(); ++i)
        m_device->addItem(QString("cuda:%1").arg(i), QString("cuda:%1").arg(i));
    addField(form, "training.device", tr("Device"), m_device,
             tr("Where to train: Automatic uses the GPU when there is one, else the CPU."));

    m_loss = comboBox();
    fillChoices(m_loss, core::lossChoices());
    addField(form, "training.loss", tr("Loss"), m_loss,
             tr("What training minimises: cross-entropy (the usual choice) or the multi-class "
                "hinge loss of an SVM."));

    m_evalTrain = new QCheckBox(tr("Evaluate train set each epoch"));
    addField(form, "training.eval_train", {}, m_evalTrain,
             tr("After each epoch, measure the training loss and accuracy in one extra pass "
                "instead of averaging the epoch's batches (slower, but exact)."));
    return box;
}

QWidget* ExperimentPanel::buildOutputSection() {
    auto* box = new QGroupBox(tr("Output"));
    auto* form = newForm(box);
    m_checkpointEvery = intBox(0);
    m_checkpointEvery->setSpecialValueText(tr("only at the end"));
    m_checkpointEvery->setSuffix(tr(" epochs"));
    connect(m_checkpointEvery, &QSpinBox::valueChanged, this,
            [this](int n) { m_checkpointEvery->setSuffix(n == 1 ? tr(" epoch") : tr(" epochs")); });
    addField(form, "output.checkpoint_every", tr("Checkpoint every"), m_checkpointEvery,
             tr("Save the weights every N epochs so that a run can be resumed; 0 saves only at "
                "the end."));
    return box;
}

void ExperimentPanel::addField(QFormLayout* form, const QString& path, const QString& label,
                               QWidget* input, const QString& toolTip, QWidget* rowWidget) {
    input->setObjectName(path);
    input->setToolTip(toolTip);
    input->setProperty(kBaseToolTip, toolTip);
    m_fields.insert(path, input);
    QWidget* row = rowWidget ? rowWidget : input;
    if (label.isEmpty())
        form->addRow(row);
    else
        form->addRow(label, row);
    m_rows.insert(path, {form, row});
    watch(input);
}

void ExperimentPanel::numberField(QFormLayout* form, const QString& path, const QString& label,
                                  double core::OptimizerConfig::*member, NumberRange range,
                                  const QString& toolTip) {
    NumberSpinBox* box = numberBox(range.minimum, range.maximum, range.step, range.logSteps);
    addField(form, path, label, box, toolTip);
    m_numberFields.insert(path, {member, box});
}

void ExperimentPanel::flagField(QFormLayout* form, const QString& path, const QString& text,
                                bool core::OptimizerConfig::*member, const QString& toolTip) {
    auto* box = new QCheckBox(text);
    addField(form, path, {}, box, toolTip);
    m_flagFields.insert(path, {member, box});
}

void ExperimentPanel::optionalField(QFormLayout* form, const QString& path, const QString& label,
                                    std::optional<double> core::OptimizerConfig::*member,
                                    NumberRange range, const QString& unset, const QString& toolTip,
                                    Resolved resolved) {
    auto* custom = new QCheckBox(tr("custom"));
    custom->setToolTip(tr("Off: %1; on: the value beside it.").arg(unset));
    NumberSpinBox* box = numberBox(range.minimum, range.maximum, range.step, range.logSteps);
    addField(form, path, label, box, toolTip, withCustomBox(custom, box));
    m_optionalFields.insert(path, {member, custom, box, resolved});
}

void ExperimentPanel::countField(QFormLayout* form, const QString& path, const QString& label,
                                 int64_t core::OptimizerConfig::*member, int maximum,
                                 const QString& toolTip) {
    QSpinBox* box = intBox(0, maximum);
    addField(form, path, label, box, toolTip);
    m_countFields.insert(path, {member, box});
}

QWidget* ExperimentPanel::withCustomBox(QCheckBox* custom, QWidget* input) {
    auto* row = new QWidget;
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(custom);
    layout->addWidget(input, 1);
    watch(custom);
    return row;
}

QWidget* ExperimentPanel::withBrowseButton(QLineEdit* edit, QPushButton** button) {
    auto* row = new QWidget;
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    *button = new QPushButton(tr("Browse…"));
    layout->addWidget(*button);
    return row;
}

// Every edit revalidates; combos and check boxes may also change which fields are shown.
void ExperimentPanel::watch(QWidget* input) {
    if (auto* edit = qobject_cast<QLineEdit*>(input))
        connect(edit, &QLineEdit::textChanged, this, &ExperimentPanel::onEdited);
    else if (auto* spin = qobject_cast<QSpinBox*>(input))
        connect(spin, &QSpinBox::valueChanged, this, &ExperimentPanel::onEdited);
    else if (auto* number = qobject_cast<QDoubleSpinBox*>(input))
        connect(number, &QDoubleSpinBox::valueChanged, this, &ExperimentPanel::onEdited);
    else if (auto* check = qobject_cast<QCheckBox*>(input))
        connect(check, &QCheckBox::toggled, this, &ExperimentPanel::onEdited);
    else if (auto* combo = qobject_cast<QComboBox*>(input))
        connect(combo, &QComboBox::currentIndexChanged, this, &ExperimentPanel::onEdited);
}

// ---------------------------------------------------------------------------------------------
// Config in and out

void ExperimentPanel::setConfig(const core::ExperimentConfig& config) {
    m_loading = true;
    m_base = config;

    m_name->setText(toQ(config.name));

    const auto& d = config.dataset;
    selectData(m_kind, toQ(d.kind));
    m_path->setText(toQ(d.path));
    m_testPath->setText(toQ(d.testPath));
    setInt(m_subset, d.subset);
    m_normalize->setChecked(d.normalize);
    setInt(m_cropPadding, d.cropPadding);
    m_horizontalFlip->setChecked(d.horizontalFlip);
    m_labelColumn->setText(toQ(d.labelColumn));
    selectData(m_header, toQ(d.header));
    m_testFraction->setValue(d.testFraction);
    setInt(m_samples, d.samples);
    m_noise->setValue(d.noise);
    setInt(m_classes, d.classes);
    m_dataSeed->setText(QString::number(d.seed));

    const auto& m = config.model;
    selectData(m_modelType, toQ(m.type));
    m_hiddenText->setText(formatWidths(m.hidden));
    selectData(m_activation, toQ(m.activation));
    m_dropout->setValue(m.dropout);
    setInt(m_depth, m.depth);
    setInt(m_widen, m.widen);
    setInt(m_channels, m.channels);
    m_modelPath->setText(toQ(m.path));

    const auto& o = config.optimizer;
    selectData(m_method, toQ(o.name));
    for (const NumberField& f : std::as_const(m_numberFields))
        f.box->setValue(o.*f.member);
    for (const FlagField& f : std::as_const(m_flagFields))
        f.box->setChecked(o.*f.member);
    for (const OptionalField& f : std::as_const(m_optionalFields)) {
        // The editor keeps its last value while unset, so ticking "custom" restores one.
        if (o.*f.member)
            f.box->setValue(*(o.*f.member));
        else if (f.resolved)
            f.box->setValue((o.*f.resolved)());
        f.custom->setChecked((o.*f.member).has_value());
    }
    for (const CountField& f : std::as_const(m_countFields))
        setInt(f.box, o.*f.member);
    // The editor keeps its last value under "no maximum", so unticking it restores one.
    if (o.maxLr) m_maxLr->setValue(*o.maxLr);
    m_noMaxLr->setChecked(!o.maxLr);
    selectData(m_momentumForm, toQ(o.momentumForm));
    if (o.projectionRadius) m_radius->setValue(*o.projectionRadius);
    m_project->setChecked(o.projectionRadius.has_value());
    selectData(m_schedule, toQ(o.schedule));
    m_milestones->setText(formatWidths(o.milestones));
    setInt(m_warmupEpochs, o.warmupEpochs);

    const auto& t = config.training;
    setInt(m_epochs, t.epochs);
    setInt(m_batchSize, t.batchSize);
    m_trainSeed->setText(QString::number(t.seed));
    setInt(m_threads, t.threads);
    selectData(m_device, toQ(t.device));
    selectData(m_loss, toQ(t.loss));
    m_evalTrain->setChecked(t.evalTrain);

    setInt(m_checkpointEvery, config.output.checkpointEvery);

    {
        const QSignalBlocker blocker(m_preset);
        m_preset->setCurrentIndex(m_preset->findData(toQ(config.name)));
    }
    m_presetDescription->setText(toQ(config.description));
    m_presetDescription->setVisible(!config.description.empty());

    m_loading = false;
    updateVisibility();
    updateEnabled();
    revalidate();
    Q_EMIT configChanged();
}

core::ExperimentConfig ExperimentPanel::config() const {
    core::ExperimentConfig c = m_base;
    auto shown = [this](const QString& path) { return isRelevant(path); };
    QString ignored;

    c.name = toStd(m_name->text());

    auto& d = c.dataset;
    d.kind = toStd(dataOf(m_kind));
    if (shown("dataset.path")) d.path = toStd(m_path->text());
    if (shown("dataset.test_path")) d.testPath = toStd(m_testPath->text());
    if (shown("dataset.subset")) d.subset = m_subset->value();
    if (shown("dataset.normalize")) d.normalize = m_normalize->isChecked();
    if (shown("dataset.crop_padding")) d.cropPadding = m_cropPadding->value();
    if (shown("dataset.horizontal_flip")) d.horizontalFlip = m_horizontalFlip->isChecked();
    if (shown("dataset.label_column")) d.labelColumn = toStd(m_labelColumn->text());
    if (shown("dataset.header")) d.header = toStd(dataOf(m_header));
    if (shown("dataset.test_fraction")) d.testFraction = m_testFraction->value();
    if (shown("dataset.samples")) d.samples = m_samples->value();
    if (shown("dataset.noise")) d.noise = m_noise->value();
    if (shown("dataset.classes")) d.classes = m_classes->value();
    if (shown("dataset.seed"))
        d.seed = parseSeed(m_dataSeed->text(), "dataset.seed", &ignored).value_or(d.seed);

    auto& m = c.model;
    m.type = toStd(dataOf(m_modelType));
    if (shown("model.hidden"))
        m.hidden = parseWidths(m_hiddenText->text(), &ignored).value_or(m.hidden);
    if (shown("model.activation")) m.activation = toStd(dataOf(m_activation));
    if (shown("model.dropout")) m.dropout = m_dropout->value();
    if (shown("model.depth")) m.depth = m_depth->value();
    if (shown("model.widen")) m.widen = m_widen->value();
    if (shown("model.channels")) m.channels = m_channels->value();
    if (shown("model.path")) m.path = toStd(m_modelPath->text());

    auto& o = c.optimizer;
    o.name = toStd(dataOf(m_method));
    for (auto it = m_numberFields.cbegin(); it != m_numberFields.cend(); ++it)
        if (shown(it.key())) o.*it->member = it->box->value();
    for (auto it = m_flagFields.cbegin(); it != m_flagFields.cend(); ++it)
        if (shown(it.key())) o.*it->member = it->box->isChecked();
    for (auto it = m_optionalFields.cbegin(); it != m_optionalFields.cend(); ++it)
        if (shown(it.key()))
            o.*it->member =
                it->custom->isChecked() ? std::optional<double>(it->box->value()) : std::nullopt;
    for (auto it = m_countFields.cbegin(); it != m_countFields.cend(); ++it)
        if (shown(it.key())) o.*it->member = it->box->value();
    // DFW has no "no maximum": its max_lr is eta.
    if (shown("optimizer.max_lr"))
        o.maxLr = shown("optimizer.max_lr.none") && m_noMaxLr->isChecked()
                      ? std::nullopt
                      : std::optional<double>(m_maxLr->value());
    if (shown("optimizer.momentum_form")) o.momentumForm = toStd(dataOf(m_momentumForm));
    if (shown("optimizer.projection_radius"))
        o.projectionRadius =
            m_project->isChecked() ? std::optional<double>(m_radius->value()) : std::nullopt;
    o.schedule = toStd(dataOf(m_schedule));
    if (shown("optimizer.milestones"))
        o.milestones = parseMilestones(m_milestones->text(), &ignored).value_or(o.milestones);
    o.warmupEpochs = m_warmupEpochs->value();

    auto& t = c.training;
    t.epochs = m_epochs->value();
    t.batchSize = m_batchSize->value();
    t.seed = parseSeed(m_trainSeed->text(), "training.seed", &ignored).value_or(t.seed);
    t.threads = m_threads->value();
    t.device = toStd(dataOf(m_device));
    t.loss = toStd(dataOf(m_loss));
    t.evalTrain = m_evalTrain->isChecked();

    c.output.checkpointEvery = m_checkpointEvery->value();
    return c;
}

QString ExperimentPanel::validationMessage() const {
    QStringList lines;
    for (const auto& error : m_errors)
        lines << error.second;
    return lines.join('\n');
}

bool ExperimentPanel::loadPreset(const QString& name) {
    try {
        setConfig(core::ExperimentConfig::fromJson(core::loadPreset(toStd(name))));
        Q_EMIT presetLoaded(name);
        return true;
    } catch (const std::exception& e) {
        m_presetDescription->setText(tr("Cannot load this preset: %1").arg(e.what()));
        m_presetDescription->show();
        return false;
    }
}

void ExperimentPanel::setRunning(bool running) {
    m_running = running;
    updateEnabled();
}

// ---------------------------------------------------------------------------------------------
// Reacting to edits

// Which fields the chosen dataset kind, model type and method use. It decides both what is
// shown and what config() takes from the form, so a hidden field never changes the config.
bool ExperimentPanel::isRelevant(const QString& path) const {
    const core::OptimizerEntry* method = core::findOptimizer(dataOf(m_method).toStdString());
    const std::string kind = toStd(dataOf(m_kind));
    const std::string type = toStd(dataOf(m_modelType));
    const std::string schedule = toStd(dataOf(m_schedule));

    // What a dataset kind and a model type read is core's knowledge; a name the tables lack
    // (a config from a newer version) shows every field.
    if (path.startsWith("dataset."))
        return !core::datasetKindChoices().contains(kind) ||
               core::datasetKindReads(core::parseDatasetKind(kind),
                                      toStd(path.mid(int(sizeof("dataset.")) - 1)));
    if (path.startsWith("model."))
        return !core::modelTypeChoices().contains(type) ||
               core::modelTypeReads(core::parseModelType(type),
                                    toStd(path.mid(int(sizeof("model.")) - 1)));

    // The method's own fields are its catalogue entry's; the schedule's apply to every method.
    if (path == "optimizer.max_lr.none")
        return method && method->stepField == "max_lr" && method->stepMayBeNone;
    const bool known = core::scheduleChoices().contains(schedule);
    if (path == "optimizer.milestones" || path == "optimizer.gamma")
        return !known || core::scheduleChoices().parse(schedule) == core::ScheduleKind::Step;
    if (path == "optimizer.min_lr_factor")
        return !known || core::scheduleChoices().parse(schedule) == core::ScheduleKind::Cosine;
    if (path == "optimizer.name" || path == "optimizer.schedule" ||
        path == "optimizer.warmup_epochs")
        return true;
    if (path.startsWith("optimizer."))
        return method && method->reads(path.mid(int(sizeof("optimizer.")) - 1).toStdString());
    return true;
}

void ExperimentPanel::updateVisibility() {
    for (auto it = m_rows.cbegin(); it != m_rows.cend(); ++it)
        it->form->setRowVisible(it->widget, isRelevant(it.key()));

    const std::string kind = toStd(dataOf(m_kind));
    const core::DataSource source = core::datasetKindChoices().contains(kind)
                                        ? core::dataSourceOf(core::parseDatasetKind(kind))
                                        : core::DataSource::IdxFolder;
    if (source == core::DataSource::ShippedImages)
        m_path->setPlaceholderText(tr("empty: the default folder"));
    else if (source == core::DataSource::CsvFile)
        m_path->setPlaceholderText(tr("CSV file (required)"));
    else
        m_path->setPlaceholderText(tr("IDX folder (required)"));

    // Unticked, a box with a method default (eps, lr, ...) shows what the method will use.
    core::OptimizerConfig defaults;
    defaults.name = toStd(dataOf(m_method));
    for (const OptionalField& f : std::as_const(m_optionalFields))
        if (f.resolved && !f.custom->isChecked()) {
            const QSignalBlocker blocker(f.box);
            f.box->setValue((defaults.*f.resolved)());
        }
}

void ExperimentPanel::updateEnabled() {
    for (auto it = m_rows.cbegin(); it != m_rows.cend(); ++it)
        it->widget->setEnabled(!m_running || it.key().startsWith("optimizer.max_lr"));
    m_preset->setEnabled(!m_running);
    m_maxLr->setEnabled(!(isRelevant("optimizer.max_lr.none") && m_noMaxLr->isChecked()));
    for (const OptionalField& f : std::as_const(m_optionalFields))
        f.box->setEnabled(f.custom->isChecked());
    m_radius->setEnabled(m_project->isChecked());
}

void ExperimentPanel::onEdited() {
    if (m_loading) return;
    updateVisibility();
    updateEnabled();
    revalidate();
    Q_EMIT configChanged();
}

void ExperimentPanel::emitMaxLr() {
    if (m_noMaxLr->isChecked()) {
        Q_EMIT maxLrEdited(std::nullopt);
        return;
    }
    const double value = m_maxLr->value();
    // A running optimizer must never get a max_lr that validate() would refuse.
    if (value > 0.0 && std::isfinite(value)) Q_EMIT maxLrEdited(value);
}

// The form's own parse errors first, then the first error ExperimentConfig::validate() finds;
// each marks the input registered for the path the message starts with.
void ExperimentPanel::revalidate() {
    const bool wasValid = isValid();
    QList<std::pair<QString, QString>> errors;
    QString message;
    if (isRelevant("model.hidden") && !parseWidths(m_hiddenText->text(), &message))
        errors.append({"model.hidden", message});
    if (isRelevant("dataset.seed") && !parseSeed(m_dataSeed->text(), "dataset.seed", &message))
        errors.append({"dataset.seed", message});
    if (!parseSeed(m_trainSeed->text(), "training.seed", &message))
        errors.append({"training.seed", message});
    if (isRelevant("optimizer.milestones") && !parseMilestones(m_milestones->text(), &message))
        errors.append({"optimizer.milestones", message});
    try {
        config().validate();
    } catch (const std::exception& e) {
        message = QString::fromUtf8(e.what());
        errors.append({pathOf(message), message});
    }
    m_errors = errors;

    QHash<QWidget*, QStringList> messages;
    for (const auto& [path, text] : errors)
        if (QWidget* input = m_fields.value(path)) messages[input] << text;
    for (QWidget* input : std::as_const(m_fields)) {
        const bool bad = messages.contains(input);
        const QString base = input->property(kBaseToolTip).toString();
        input->setToolTip(bad ? messages[input].join('\n') + "\n\n" + base : base);
        if (input->property(kErrorProperty).toBool() != bad) {
            input->setProperty(kErrorProperty, bad);
            // Style sheets read dynamic properties only when the widget is polished again.
            input->style()->unpolish(input);
            input->style()->polish(input);
            input->update();
        }
    }
    m_errorLabel->setText(validationMessage());
    m_errorLabel->setVisible(!errors.isEmpty());

    if (wasValid != isValid()) Q_EMIT validityChanged(isValid());
}

void ExperimentPanel::browse(Browse what) {
    QString chosen;
    if (what == Browse::DatasetPath && dataOf(m_kind) != "csv") {
        chosen = QFileDialog::getExistingDirectory(this, tr("Choose the dataset folder"),
                                                   m_path->text());
    } else if (what == Browse::ModelFile) {
        chosen = QFileDialog::getOpenFileName(this, tr("Choose a TorchScript model"),
                                              m_modelPath->text(),
                                              tr("TorchScript files (*.pt *.pth);;All files (*)"));
    } else {
        QLineEdit* edit = what == Browse::CsvTestFile ? m_testPath : m_path;
        chosen = QFileDialog::getOpenFileName(this, tr("Choose a CSV file"), edit->text(),
                                              tr("CSV files (*.csv *.txt);;All files (*)"));
    }
    if (chosen.isEmpty()) return;
    QLineEdit* target = what == Browse::ModelFile     ? m_modelPath
                        : what == Browse::CsvTestFile ? m_testPath
                                                      : m_path;
    target->setText(chosen); // textChanged revalidates
}

} // namespace alig::ui
