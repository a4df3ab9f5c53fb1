#include "ui/classroom/playground_view.h"

#include "core/data/dataset.h"
#include "core/data/synthetic.h"
#include "core/experiment/run_session.h"
#include "core/optim/optimizer_catalogue.h"
#include "core/optim/optimizer_factory.h"
#include "core/util/choice.h"
#include "core/util/error.h"
#include "ui/classroom/decision_boundary.h"
#include "ui/classroom/lesson.h"
#include "ui/classroom/lesson_panel.h"
#include "ui/classroom/network_graph.h"
#include "ui/classroom/step_anatomy_panel.h"
#include "ui/config/number_spin_box.h"
#include "ui/plots/interpolation_plot.h"
#include "ui/plots/loss_plot.h"
#include "ui/plots/presentation.h"
#include "ui/plots/step_size_plot.h"
#include "ui/run/run_controller.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStyle>
#include <QVBoxLayout>

namespace alig::ui {

namespace {

// The data-set menu's entry for a CSV file of 2-D points.
const QString kCsvEntry = QStringLiteral("CSV file…");

// The synthetic kinds whose class count is a setting (arms of spirals, centres of blobs).
bool hasClassCount(const QString& kind) {
    return kind == "spirals" || kind == "blobs";
}

} // namespace

// Where the training thread leaves the observer it made, for the UI's timer to find.
struct PlaygroundObserverSlot {
    std::mutex mutex;
    std::shared_ptr<DecisionGridObserver> observer;
};

PlaygroundView::PlaygroundView(QString runsDir, QWidget* parent)
    : QWidget(parent)
    , m_runsDir(std::move(runsDir)) {
    setObjectName("PlaygroundView");
    m_registry = new RunRegistry(this);

    // Controls, in the order a student thinks: data, network, optimizer, training.
    auto* controls = new QWidget;
    auto* form = new QVBoxLayout(controls);
    form->setContentsMargins(0, 0, 0, 0);

    auto* lessonRow = new QFormLayout;
    m_lessonCombo = new QComboBox;
    m_lessonCombo->setObjectName("PlaygroundLesson");
    m_lessonCombo->setToolTip(tr("A guided lesson: numbered steps in a side panel, each with a "
                                 "question; doing a step unlocks the next (docs/lessons.md)"));
    lessonRow->addRow(tr("Lesson"), m_lessonCombo);
    form->addLayout(lessonRow);

    auto* dataBox = new QGroupBox(tr("Data"));
    auto* dataForm = new QFormLayout(dataBox);
    m_dataset = new QComboBox;
    for (const auto& k : core::syntheticKinds())
        m_dataset->addItem(QString::fromStdString(k));
    m_dataset->addItem(kCsvEntry);
    m_dataset->setCurrentText("spirals");
    m_dataset->setToolTip(tr("Which 2-D set: classes of points in the plane, or your own "
                             "points from a CSV file"));
    dataForm->addRow(tr("Set"), m_dataset);
    m_classes = new QSpinBox;
    m_classes->setRange(2, kPlaygroundMaxClasses);
    m_classes->setValue(2);
    m_classes->setToolTip(tr("Spirals: how many arms; blobs: how many centres. The network "
                             "ends in one output per class, with a softmax"));
    dataForm->addRow(tr("Classes"), m_classes);
    m_csvButton = new QPushButton(tr("Load CSV…"));
    m_csvButton->setToolTip(tr("Two numeric columns (x₁, x₂) and a label column (the last "
                               "one), with or without a header"));
    m_csvLabel = new QLabel;
    m_csvLabel->setWordWrap(true);
    auto* csvRow = new QVBoxLayout;
    csvRow->addWidget(m_csvButton);
    csvRow->addWidget(m_csvLabel);
    dataForm->addRow(tr("Points"), csvRow);
    m_noise = new QDoubleSpinBox;
    m_noise->setRange(0.0, 1.0);
    m_noise->setSingleStep(0.05);
    m_noise->setValue(0.05);
    m_noise->setToolTip(tr("Gaussian noise on each coordinate: more noise, more overlap, "
                           "less interpolation"));
    dataForm->addRow(tr("Noise"), m_noise);
    m_samples = new QSpinBox;
    m_samples->setRange(40, 5000);
    m_samples->setSingleStep(100);
    m_samples->setValue(600);
    dataForm->addRow(tr("Samples"), m_samples);
    m_testFraction = new QDoubleSpinBox;
    m_testFraction->setRange(0.05, 0.9);
    m_testFraction->setSingleStep(0.05);
    m_testFraction->setValue(0.3);
    m_testFraction->setToolTip(tr("The share of points held out for testing (hollow circles)"));
    dataForm->addRow(tr("Test share"), m_testFraction);
    form->addWidget(dataBox);

    auto* netBox = new QGroupBox(tr("Network"));
    auto* netForm = new QFormLayout(netBox);
    m_hidden = new QLineEdit("32, 32");
    m_hidden->setToolTip(tr("Widths of the hidden layers, e.g. \"8\" or \"32, 32, 16\", each "
                            "with its own activation if you like (\"32 tanh, 16 relu\"); "
                            "empty for a linear model"));
    netForm->addRow(tr("Hidden layers"), m_hidden);
    m_activation = new QComboBox;
    for (const auto& name : core::activationChoices().names())
        m_activation->addItem(QString::fromStdString(name));
    m_activation->setCurrentText("tanh");
    netForm->addRow(tr("Activation"), m_activation);
    form->addWidget(netBox);

    auto* optBox = new QGroupBox(tr("Optimizer"));
    auto* optForm = new QFormLayout(optBox);
    m_optimizer = new QComboBox;
    for (const auto& e : core::optimizerCatalogue())
        m_optimizer->addItem(QString::fromStdString(e.name));
    m_optimizer->setCurrentText(QString::fromStdString(core::optimizerCatalogue().front().name));
    optForm->addRow(tr("Method"), m_optimizer);
    m_rate = new NumberSpinBox;
    m_rate->setRange(1e-5, 100.0);
    m_rate->setDecimals(6);
    m_rate->setLogarithmicSteps(true);
    m_rate->setValue(0.1);
    m_rateLabel = new QLabel(tr("max_lr"));
    optForm->addRow(m_rateLabel, m_rate);
    m_momentum = new QDoubleSpinBox;
    m_momentum->setRange(0.0, 0.99);
    m_momentum->setSingleStep(0.1);
    m_momentum->setValue(0.9);
    optForm->addRow(tr("Momentum"), m_momentum);
    m_radius = new QDoubleSpinBox;
    m_radius->setRange(0.0, 1000.0);
    m_radius->setDecimals(2);
    m_radius->setSingleStep(0.5);
    m_radius->setSpecialValueText(tr("none"));
    m_radius->setValue(0.0);
    m_radius->setToolTip(tr("ALI-G's projection: after each step the weights are pulled back "
                            "into the L2 ball of this radius (none: no projection)"));
    optForm->addRow(tr("Projection radius"), m_radius);
    m_batch = new QSpinBox;
    m_batch->setRange(1, 5000);
    m_batch->setValue(16);
    optForm->addRow(tr("Batch size"), m_batch);
    m_epochs = new QSpinBox;
    m_epochs->setRange(1, 100000);
    m_epochs->setValue(300);
    optForm->addRow(tr("Epochs"), m_epochs);
    m_seed = new QSpinBox;
    m_seed->setRange(0, 1'000'000);
    m_seed->setValue(1);
    m_seed->setToolTip(tr("Fixes the points, the initial weights and the batch order"));
    optForm->addRow(tr("Seed"), m_seed);
    form->addWidget(optBox);

    auto* speedRow = new QFormLayout;
    m_speed = new QComboBox;
    m_speed->setObjectName("PlaygroundSpeed");
    for (int r : speedChoices())
        m_speed->addItem(r == 0   ? tr("as fast as it goes")
                         : r == 1 ? tr("1 step per second")
                                  : tr("%1 steps per second").arg(r),
                         r);
    m_speed->setCurrentIndex(m_speed->findData(20));
    m_speed->setToolTip(tr("How fast Train goes: slow enough to watch each step, or at full "
                           "speed. Step (F10) always takes exactly one"));
    speedRow->addRow(tr("Speed"), m_speed);
    form->addLayout(speedRow);
    auto* buttons = new QHBoxLayout;
    m_startButton = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("Train"));
    m_startButton->setObjectName("PlaygroundStart");
    m_stepButton = new QPushButton(style()->standardIcon(QStyle::SP_MediaSkipForward), tr("Step"));
    m_stepButton->setToolTip(tr("One optimizer step; the step anatomy below explains it"));
    m_resetButton =
        new QPushButton(style()->standardIcon(QStyle::SP_MediaSkipBackward), tr("Rewind"));
    m_resetButton->setToolTip(tr("Back to step 0 with the same initial weights (the seed fixes "
                                 "them: change Seed for new ones)"));
    buttons->addWidget(m_startButton);
    buttons->addWidget(m_stepButton);
    buttons->addWidget(m_resetButton);
    form->addLayout(buttons);
    m_counter = new QLabel;
    m_counter->setObjectName("PlaygroundStepCounter");
    m_counter->setTextFormat(Qt::RichText); // <big>: relative to the font presentation grows
    form->addWidget(m_counter);
    m_problem = new QLabel;
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet("color: #D55E00");
    form->addWidget(m_problem);
    m_status = new QLabel;
    m_status->setWordWrap(true);
    form->addWidget(m_status);

    auto* anatomyBox = new QGroupBox(tr("Step anatomy"));
    auto* anatomyLayout = new QVBoxLayout(anatomyBox);
    m_anatomy = new StepAnatomyPanel;
    anatomyLayout->addWidget(m_anatomy);
    form->addWidget(anatomyBox, 1);

    m_boundary = new DecisionBoundaryPlot;
    m_boundary->setMinimumSize(300, 300);
    m_loss = new LossPlot(m_registry);
    m_stepSize = new StepSizePlot(m_registry);
    m_interpolation = new InterpolationPlot(m_registry);
    // The Playground has no experiment panel and no runs table: its own keys.
    for (MetricPlot* p : std::initializer_list<MetricPlot*>{m_loss, m_stepSize, m_interpolation})
        p->setEmptyHint(tr("No steps yet.\nPress Train (F5), or Step (F10) for one step."));
    m_network = new NetworkGraph;
    auto* right = new QSplitter(Qt::Vertical);
    right->addWidget(m_network);
    right->addWidget(m_loss);
    right->addWidget(m_stepSize);
    right->addWidget(m_interpolation);
    right->setSizes({200, 260, 260, 260}); // the graph small: the plots carry the numbers

    m_lessonPanel = new LessonPanel;
    m_lessonColumn = controlsScrollArea(m_lessonPanel);
    m_lessonColumn->setMinimumWidth(220);
    m_lessonColumn->hide();
    auto* split = new QSplitter(Qt::Horizontal);
    split->addWidget(m_lessonColumn);
    split->addWidget(controlsScrollArea(controls));
    split->addWidget(m_boundary);
    split->addWidget(right);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 0);
    split->setStretchFactor(2, 3);
    split->setStretchFactor(3, 2);
    split->setSizes({280, 340, 640, 520});
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(split);

    // Any setting: back to step 0 (training again at once if it was training).
    // The CSV entry without a file says to load one (Load CSV… beside it).
    connect(m_dataset, &QComboBox::currentTextChanged, this, [this] {
        updateDataFields();
        onSettingEdited();
    });
    connect(m_csvButton, &QPushButton::clicked, this, [this] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("Load 2-D points"), QFileInfo(m_csvPath).path(),
                                         tr("CSV files (*.csv *.tsv *.txt);;All files (*)"));
        if (!path.isEmpty()) loadCsv(path);
    });
    connect(m_lessonCombo, &QComboBox::activated, this, [this](int index) {
        const QString path = m_lessonCombo->itemData(index).toString();
        if (path.isEmpty())
            closeLesson();
        else
            openLesson(path);
    });
    connect(m_lessonPanel, &LessonPanel::closeRequested, this, &PlaygroundView::closeLesson);
    connect(m_speed, &QComboBox::currentIndexChanged, this,
            [this] { setStepsPerSecond(m_speed->currentData().toInt()); });
    connect(m_activation, &QComboBox::currentTextChanged, this, &PlaygroundView::onSettingEdited);
    connect(m_optimizer, &QComboBox::currentTextChanged, this, [this] {
        updateOptimizerFields();
        onSettingEdited();
    });
    for (QDoubleSpinBox* s :
         {m_noise, m_testFraction, m_momentum, m_radius, static_cast<QDoubleSpinBox*>(m_rate)})
        connect(s, &QDoubleSpinBox::valueChanged, this, &PlaygroundView::onSettingEdited);
    for (QSpinBox* s : {m_samples, m_batch, m_epochs, m_seed, m_classes})
        connect(s, &QSpinBox::valueChanged, this, &PlaygroundView::onSettingEdited);
    connect(m_hidden, &QLineEdit::editingFinished, this, &PlaygroundView::onSettingEdited);
    connect(m_startButton, &QPushButton::clicked, this, [this] {
        if (isRunning())
            pause();
        else
            start();
    });
    connect(m_stepButton, &QPushButton::clicked, this, &PlaygroundView::stepOnce);
    connect(m_resetButton, &QPushButton::clicked, this, &PlaygroundView::reset);

    m_poll.setInterval(100); // the grid comes at most every 120 ms; 10 Hz polling catches it
    connect(&m_poll, &QTimer::timeout, this, &PlaygroundView::poll);
    m_poll.start();
    m_pace.setInterval(20);
    connect(&m_pace, &QTimer::timeout, this, &PlaygroundView::paceTick);
    updateOptimizerFields();
    updateDataFields();
    fillLessonCombo();
    reset(); // the points of the first set, before any training
}

void PlaygroundView::fillLessonCombo() {
    QSignalBlocker block(m_lessonCombo);
    m_lessonCombo->clear();
    m_lessonCombo->addItem(tr("(none)"), QString());
    for (const LessonInfo& l : listLessons()) {
        m_lessonCombo->addItem(l.problem.isEmpty() ? l.title
                                                   : tr("%1 (cannot be read)").arg(l.title),
                               QString::fromStdString(l.path));
        m_lessonCombo->setItemData(m_lessonCombo->count() - 1,
                                   l.problem.isEmpty() ? QString::fromStdString(l.name) : l.problem,
                                   Qt::ToolTipRole);
    }
}

void PlaygroundView::setConfig(const core::ExperimentConfig& c) {
    {
        // One rewind at the end, not one per control.
        std::vector<std::unique_ptr<QSignalBlocker>> blocks;
        for (QObject* o : std::initializer_list<QObject*>{
                 m_dataset, m_classes, m_noise, m_samples, m_testFraction, m_hidden, m_activation,
                 m_optimizer, m_rate, m_momentum, m_radius, m_batch, m_epochs, m_seed})
            blocks.push_back(std::make_unique<QSignalBlocker>(o));
        if (c.dataset.kind == "csv") {
            m_csvPath = QString::fromStdString(c.dataset.path);
            m_dataset->setCurrentText(kCsvEntry);
        } else {
            m_dataset->setCurrentText(QString::fromStdString(c.dataset.kind));
            m_samples->setValue(static_cast<int>(c.dataset.samples));
            m_noise->setValue(c.dataset.noise);
            m_classes->setValue(static_cast<int>(c.dataset.classes));
        }
        m_testFraction->setValue(c.dataset.testFraction);
        // One activation in its menu; one per layer beside each width ("32 tanh, 16 relu").
        const QStringList acts =
            QString::fromStdString(c.model.activation).split(',', Qt::SkipEmptyParts);
        QStringList widths;
        if (c.model.type == "mlp")
            for (size_t i = 0; i < c.model.hidden.size(); ++i)
                widths << (acts.size() > 1 ? QStringLiteral("%1 %2")
                                                 .arg(c.model.hidden[i])
                                                 .arg(acts.value(static_cast<int>(i)).trimmed())
                                           : QString::number(c.model.hidden[i]));
        m_hidden->setText(widths.join(", "));
        m_activation->setCurrentText(acts.value(0).trimmed());
        m_optimizer->setCurrentText(QString::fromStdString(c.optimizer.name));
        m_rate->setValue(core::stepSizeOf(c.optimizer));
        m_momentum->setValue(c.optimizer.momentum);
        m_radius->setValue(c.optimizer.projectionRadius.value_or(0.0));
        m_batch->setValue(static_cast<int>(c.training.batchSize));
        m_epochs->setValue(static_cast<int>(c.training.epochs));
        m_seed->setValue(static_cast<int>(c.training.seed));
    }
    const core::OptimizerEntry& e = core::optimizerEntry(m_optimizer->currentText().toStdString());
    m_rateLabel->setText(e.stepField == "lr" ? tr("Learning rate")
                                             : QString::fromStdString(e.stepField));
    m_momentum->setEnabled(e.reads("momentum"));
    m_radius->setEnabled(e.reads("projection_radius"));
    updateDataFields();
    onSettingEdited();
}

QString PlaygroundView::openLesson(const QString& path) {
    Lesson lesson;
    try {
        lesson = loadLesson(path.toStdString());
    } catch (const core::Error& e) {
        m_problem->setText(QString::fromStdString(e.what()));
        return m_problem->text();
    }
    pause();
    setConfig(core::ExperimentConfig::fromJson(lesson.experiment));
    if (lesson.speed >= 0) setStepsPerSecond(lesson.speed);
    reset();
    m_lessonPanel->setLesson(lesson, {stepCount(), 0, config().toJson()});
    m_lessonColumn->show();
    const int index = m_lessonCombo->findData(path);
    QSignalBlocker block(m_lessonCombo);
    m_lessonCombo->setCurrentIndex(std::max(0, index));
    return {};
}

bool PlaygroundView::isLessonOpen() const {
    return !m_lessonColumn->isHidden();
}

void PlaygroundView::closeLesson() {
    m_lessonColumn->hide();
    QSignalBlocker block(m_lessonCombo);
    m_lessonCombo->setCurrentIndex(0);
}

void PlaygroundView::updateLesson() {
    if (m_lessonColumn->isHidden()) return;
    const int64_t epochs = m_run && !m_run->epochs().empty() ? m_run->epochs().back().epoch : 0;
    m_lessonPanel->update({stepCount(), epochs, config().toJson()});
}

const std::vector<int>& PlaygroundView::speedChoices() {
    static const std::vector<int> choices{1, 2, 5, 10, 20, 50, 100, 200, 500, 0};
    return choices;
}

PlaygroundView::~PlaygroundView() {
    teardown();
}

core::ExperimentConfig PlaygroundView::config() const {
    core::ExperimentConfig c;
    c.name = "playground";
    c.description = "The Playground tab's experiment";
    const QString kind = m_dataset->currentText();
    if (kind == kCsvEntry) {
        c.dataset.kind = "csv";
        c.dataset.path = m_csvPath.toStdString();
    } else {
        c.dataset.kind = kind.toStdString();
        c.dataset.samples = m_samples->value();
        c.dataset.noise = m_noise->value();
        c.dataset.classes = hasClassCount(kind) ? m_classes->value() : 2;
    }
    c.dataset.testFraction = m_testFraction->value();
    c.dataset.seed = static_cast<uint64_t>(m_seed->value());
    // "32, 16" or, with an activation of its own per layer, "32 tanh, 16 relu"; a layer
    // without one takes the Activation menu's.
    c.model.hidden.clear();
    QStringList names;
    for (const QString& part : m_hidden->text().split(',', Qt::SkipEmptyParts)) {
        const QStringList words = part.simplified().split(' ');
        bool ok = false;
        const int w = words.value(0).toInt(&ok);
        c.model.hidden.push_back(ok ? w : 0); // 0 fails validation with the field's name
        names << (words.size() > 1 ? words.mid(1).join(' ') : m_activation->currentText());
    }
    c.model.type = c.model.hidden.empty() ? "linear" : "mlp";
    QStringList distinct = names;
    distinct.removeDuplicates();
    c.model.activation =
        (distinct.size() > 1 ? names.join(", ") : m_activation->currentText()).toStdString();
    if (distinct.size() == 1) c.model.activation = distinct.front().toStdString();
    c.optimizer.name = m_optimizer->currentText().toStdString();
    // The rate box is the method's own step-size option (max_lr, lr or L4's alpha).
    core::setStepSize(c.optimizer, m_rate->value());
    c.optimizer.momentum = m_momentum->value();
    if (m_radius->value() > 0.0 &&
        core::optimizerEntry(c.optimizer.name).reads("projection_radius"))
        c.optimizer.projectionRadius = m_radius->value();
    c.training.epochs = m_epochs->value();
    c.training.batchSize = m_batch->value();
    c.training.seed = static_cast<uint64_t>(m_seed->value());
    c.training.interpolationSamples = 0; // every point: the sets are small
    return c;
}

QString PlaygroundView::problem() const {
    if (m_dataset->currentText() == kCsvEntry && m_csvPath.isEmpty())
        return tr("Load a CSV file of 2-D points (Load CSV…), or choose a synthetic set.");
    try {
        config().validate();
    } catch (const core::Error& e) {
        return QString::fromStdString(e.what());
    }
    return m_dataProblem;
}

bool PlaygroundView::isValid() const {
    return problem().isEmpty();
}

bool PlaygroundView::isRunning() const {
    return m_running && m_controller && m_controller->isActive();
}

int PlaygroundView::stepsPerSecond() const {
    return m_speed->currentData().toInt();
}

int64_t PlaygroundView::stepCount() const {
    if (!m_slot) return 0;
    std::lock_guard<std::mutex> lock(m_slot->mutex);
    return m_slot->observer ? m_slot->observer->stepsSeen() : 0;
}

void PlaygroundView::setStepsPerSecond(int stepsPerSecond) {
    const int index = m_speed->findData(stepsPerSecond);
    if (index < 0) return;
    if (index != m_speed->currentIndex()) {
        m_speed->setCurrentIndex(index); // comes back here through the signal
        return;
    }
    if (!isRunning()) return;
    // Switch between paced and free training without stopping.
    if (stepsPerSecond == 0) {
        m_pace.stop();
        m_controller->resume();
    } else {
        if (!m_controller->isPaused()) m_controller->pause();
        m_granted = stepCount();
        m_paceCredit = 0.0;
        m_paceClock.start();
        m_pace.start();
    }
}

void PlaygroundView::paceTick() {
    if (!isRunning()) {
        m_pace.stop();
        return;
    }
    const int rate = stepsPerSecond();
    const double elapsed = m_paceClock.restart() / 1000.0;
    // Credit for the time since the last tick, never more than a tenth of a second's worth
    // (a slow step must not be followed by a burst).
    m_paceCredit = std::min(m_paceCredit + rate * elapsed, std::max(1.0, 0.1 * rate));
    const int64_t seen = stepCount();
    // Grant only what the trainer can take now: at most a few steps ahead of it.
    const int64_t ahead = m_granted - seen;
    const int64_t room = std::max<int64_t>(1, rate / 25) - ahead;
    const int64_t grant = std::min<int64_t>(static_cast<int64_t>(m_paceCredit), room);
    for (int64_t i = 0; i < grant; ++i)
        m_controller->stepOnce();
    if (grant > 0) {
        m_granted = std::max(m_granted, seen) + grant;
        m_paceCredit -= static_cast<double>(grant);
    }
}

QString PlaygroundView::loadCsv(const QString& path) {
    m_csvPath = path;
    {
        QSignalBlocker block(m_dataset);
        m_dataset->setCurrentText(kCsvEntry);
    }
    updateDataFields();
    onSettingEdited();
    return problem();
}

void PlaygroundView::updateDataFields() {
    const QString kind = m_dataset->currentText();
    const bool csv = kind == kCsvEntry;
    m_classes->setEnabled(hasClassCount(kind));
    for (QWidget* w : {static_cast<QWidget*>(m_noise), static_cast<QWidget*>(m_samples)})
        w->setEnabled(!csv);
    m_csvLabel->setText(m_csvPath.isEmpty() ? tr("none loaded") : QFileInfo(m_csvPath).fileName());
    m_csvLabel->setToolTip(m_csvPath);
}

void PlaygroundView::loadPoints() {
    // The points as the run will see them (the same loader, split and normalisation), so
    // that they show before the first step.
    m_dataProblem.clear();
    m_pointsShown = false;
    const QString configProblem = problem();
    if (!configProblem.isEmpty()) return;
    try {
        const core::Dataset d = core::loadDataset(config().dataset);
        if (d.inputShape != std::vector<int64_t>{2}) {
            const int64_t features = d.inputShape.empty() ? 0 : d.inputShape.front();
            m_dataProblem =
                tr("%1: the Playground draws 2-D points, so it needs 2 numeric "
                   "feature columns and a label column; this file has %2.")
                    .arg(m_csvPath, features == 1 ? tr("1 feature column")
                                                  : tr("%1 feature columns").arg(features));
            return;
        }
        if (d.numClasses() > kPlaygroundMaxClasses || d.numClasses() < 2) {
            m_dataProblem = tr("%1: the Playground draws 2 to %2 classes; this file's label "
                               "column has %3.")
                                .arg(m_csvPath)
                                .arg(kPlaygroundMaxClasses)
                                .arg(d.numClasses());
            return;
        }
        m_boundary->setPoints(playgroundPoints(d));
        m_pointsShown = true;
    } catch (const core::Error& e) {
        m_dataProblem = QString::fromStdString(e.what());
    }
}

void PlaygroundView::updateOptimizerFields() {
    const core::OptimizerEntry& e = core::optimizerEntry(m_optimizer->currentText().toStdString());
    m_rateLabel->setText(e.stepField == "lr" ? tr("Learning rate")
                                             : QString::fromStdString(e.stepField));
    QSignalBlocker block(m_rate);
    m_rate->setValue(e.demoStep);
    m_momentum->setEnabled(e.reads("momentum"));
    m_radius->setEnabled(e.reads("projection_radius"));
}

void PlaygroundView::onSettingEdited() {
    const bool wasRunning = isRunning();
    reset();
    ++m_resets;
    if (wasRunning && isValid()) start();
    updateLesson();
}

void PlaygroundView::teardown() {
    m_running = false;
    m_pace.stop();
    if (m_controller) {
        m_controller->stopAndWait();
        delete m_controller;
        m_controller = nullptr;
    }
    m_slot.reset();
    m_anatomy->setRun(nullptr);
    if (m_run) m_registry->remove(m_run);
    m_run = nullptr;
    m_pointsShown = false;
}

void PlaygroundView::reset() {
    teardown();
    m_boundary->clearAll();
    m_network->setLayers({});
    loadPoints();
    m_problem->setText(problem());
    m_status->setText(isValid() ? tr("Press Train, or Step (F10) for one step at a time.")
                                : QString());
    updateCounter();
    updateButtons();
    Q_EMIT runningChanged(false);
}

void PlaygroundView::updateCounter() {
    const int64_t step = stepCount();
    QString text = tr("Step %1").arg(step);
    if (m_run && !m_run->epochs().empty())
        text += tr(" · epoch %1").arg(m_run->epochs().back().epoch);
    m_counter->setText(QStringLiteral("<big><b>%1</b></big>").arg(text));
}

void PlaygroundView::ensureController(bool paused) {
    if (m_controller) return;
    const core::ExperimentConfig c = config();
    ++m_runNumber;
    // Always the first colour: the playground shows one run at a time.
    m_run = new Run(QStringLiteral("playground-%1").arg(m_runNumber), tr("playground"),
                    RunRegistry::palette().front(), c);
    m_registry->add(m_run);
    m_anatomy->setRun(m_run);
    m_controller = new RunController(m_run, c, m_runsDir);
    m_controller->setRecording(false);
    auto slot = std::make_shared<PlaygroundObserverSlot>();
    m_slot = slot;
    m_controller->setSessionHook([slot](core::RunSession& session) {
        auto observer = std::make_shared<DecisionGridObserver>(session);
        session.trainer().addObserver(observer.get());
        std::lock_guard<std::mutex> lock(slot->mutex);
        slot->observer = observer; // the slot, held by the worker's hook too, keeps it alive
    });
    connect(m_controller, &RunController::failed, this, [this](const QString& message) {
        m_problem->setText(message);
        updateButtons();
    });
    connect(m_controller, &RunController::finished, this, [this](core::RunStatus, const QString&) {
        m_running = false;
        m_pace.stop();
        poll();
        updateButtons();
        Q_EMIT runningChanged(false);
    });
    connect(m_controller, &RunController::pausedChanged, this, [this](bool) { updateButtons(); });
    m_controller->start(paused);
}

void PlaygroundView::start() {
    if (!isValid()) {
        m_problem->setText(problem());
        return;
    }
    if (m_controller && !m_controller->isActive()) reset(); // finished: train again
    const bool paced = stepsPerSecond() > 0;
    if (!m_controller)
        ensureController(paced);
    else if (!paced)
        m_controller->resume();
    m_running = true;
    if (paced) {
        m_granted = stepCount();
        m_paceCredit = 1.0; // the first step at once
        m_paceClock.start();
        m_pace.start();
    }
    updateButtons();
    Q_EMIT runningChanged(true);
}

void PlaygroundView::pause() {
    m_running = false;
    m_pace.stop();
    if (m_controller && !m_controller->isPaused()) m_controller->pause();
    updateButtons();
    Q_EMIT runningChanged(false);
}

void PlaygroundView::stepOnce() {
    if (!isValid()) {
        m_problem->setText(problem());
        return;
    }
    if (m_controller && !m_controller->isActive()) reset();
    if (isRunning()) {
        pause(); // Step while training stops it at the next step boundary, ready to step
        return;
    }
    if (!m_controller) ensureController(true);
    if (!m_controller->isPaused()) m_controller->pause();
    m_controller->stepOnce();
    updateButtons();
}

void PlaygroundView::poll() {
    updateCounter();
    updateLesson();
    if (!m_slot) return;
    std::shared_ptr<DecisionGridObserver> observer;
    {
        std::lock_guard<std::mutex> lock(m_slot->mutex);
        observer = m_slot->observer;
    }
    if (!observer) return;
    if (!m_pointsShown) {
        m_boundary->setPoints(observer->points());
        m_pointsShown = true;
    }
    DecisionSnapshot s;
    if (!observer->takeIfNewer(m_boundary->snapshotVersion(), s)) return;
    QString caption = tr("Decision boundary at step %1").arg(s.step);
    if (m_run && !m_run->epochs().empty()) {
        const auto& e = m_run->epochs().back();
        // Two lines: one would not fit the plot's width in presentation mode.
        caption += tr(" · epoch %1\ntest accuracy %2% · interpolated %3%")
                       .arg(e.epoch)
                       .arg(100.0 * e.testAccuracy, 0, 'f', 1)
                       .arg(100.0 * e.interpolation, 0, 'f', 1);
    }
    m_boundary->setCaption(caption);
    m_boundary->setSnapshot(s);
    m_network->setLayers(s.layers, tr("A network wider than 64 neurons in a layer is not drawn."));
    m_status->setText(s.classes == 2
                          ? tr("P(class 1) in the background: the model's belief at every point "
                               "(orange: class 1, blue: class 0). Hover to read it.")
                          : tr("The background has the colour of the class the model believes "
                               "in, faded where it is unsure. Hover to read P(class)."));
}

void PlaygroundView::updateButtons() {
    const bool running = isRunning();
    m_startButton->setText(running ? tr("Pause") : tr("Train"));
    m_startButton->setIcon(
        style()->standardIcon(running ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
    m_startButton->setEnabled(isValid());
    m_stepButton->setEnabled(isValid());
}

void PlaygroundView::setPresentation(bool on) {
    m_boundary->setPresentation(on);
    m_network->setPresentation(on);
    m_loss->setPresentation(on);
    m_stepSize->setPresentation(on);
    m_interpolation->setPresentation(on);
}

} // namespace alig::ui
