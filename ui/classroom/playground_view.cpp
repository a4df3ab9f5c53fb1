#include "ui/classroom/playground_view.h"

#include "core/data/synthetic.h"
#include "core/experiment/run_session.h"
#include "core/optim/optimizer_factory.h"
#include "core/util/choice.h"
#include "core/util/error.h"
#include "ui/classroom/decision_boundary.h"
#include "ui/classroom/step_anatomy_panel.h"
#include "ui/config/number_spin_box.h"
#include "ui/plots/interpolation_plot.h"
#include "ui/plots/loss_plot.h"
#include "ui/plots/presentation.h"
#include "ui/plots/step_size_plot.h"
#include "ui/run/run_controller.h"

#include <QComboBox>
#include <QDoubleSpinBox>
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

    auto* dataBox = new QGroupBox(tr("Data"));
    auto* dataForm = new QFormLayout(dataBox);
    m_dataset = new QComboBox;
    for (const auto& k : core::syntheticKinds())
        m_dataset->addItem(QString::fromStdString(k));
    m_dataset->setCurrentText("spirals");
    m_dataset->setToolTip(tr("Which 2-D set: two classes of points in the plane"));
    dataForm->addRow(tr("Set"), m_dataset);
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
    dataForm->addRow(tr("Points"), m_samples);
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
    m_hidden->setToolTip(tr("Widths of the hidden layers, e.g. \"8\" or \"32, 32, 16\"; empty "
                            "for a linear model"));
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

    auto* buttons = new QHBoxLayout;
    m_startButton = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("Train"));
    m_startButton->setObjectName("PlaygroundStart");
    m_stepButton = new QPushButton(style()->standardIcon(QStyle::SP_MediaSkipForward), tr("Step"));
    m_stepButton->setToolTip(tr("One optimizer step; the step anatomy below explains it"));
    m_resetButton = new QPushButton(style()->standardIcon(QStyle::SP_BrowserReload), tr("Reset"));
    m_resetButton->setToolTip(tr("Back to step 0 with new initial weights from the seed"));
    buttons->addWidget(m_startButton);
    buttons->addWidget(m_stepButton);
    buttons->addWidget(m_resetButton);
    form->addLayout(buttons);
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
    auto* right = new QSplitter(Qt::Vertical);
    right->addWidget(m_loss);
    right->addWidget(m_stepSize);
    right->addWidget(m_interpolation);

    auto* split = new QSplitter(Qt::Horizontal);
    split->addWidget(controlsScrollArea(controls));
    split->addWidget(m_boundary);
    split->addWidget(right);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 3);
    split->setStretchFactor(2, 2);
    split->setSizes({340, 640, 520});
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(split);

    // Any setting: back to step 0 (training again at once if it was training).
    connect(m_dataset, &QComboBox::currentTextChanged, this, &PlaygroundView::onSettingEdited);
    connect(m_activation, &QComboBox::currentTextChanged, this, &PlaygroundView::onSettingEdited);
    connect(m_optimizer, &QComboBox::currentTextChanged, this, [this] {
        updateOptimizerFields();
        onSettingEdited();
    });
    for (QDoubleSpinBox* s :
         {m_noise, m_testFraction, m_momentum, static_cast<QDoubleSpinBox*>(m_rate)})
        connect(s, &QDoubleSpinBox::valueChanged, this, &PlaygroundView::onSettingEdited);
    for (QSpinBox* s : {m_samples, m_batch, m_epochs, m_seed})
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
    updateOptimizerFields();
    updateButtons();
}

PlaygroundView::~PlaygroundView() {
    teardown();
}

core::ExperimentConfig PlaygroundView::config() const {
    core::ExperimentConfig c;
    c.name = "playground";
    c.description = "The Playground tab's experiment";
    c.dataset.kind = m_dataset->currentText().toStdString();
    c.dataset.samples = m_samples->value();
    c.dataset.noise = m_noise->value();
    c.dataset.testFraction = m_testFraction->value();
    c.dataset.classes = 2;
    c.dataset.seed = static_cast<uint64_t>(m_seed->value());
    c.model.hidden.clear();
    for (const QString& part : m_hidden->text().split(',', Qt::SkipEmptyParts)) {
        bool ok = false;
        const int w = part.trimmed().toInt(&ok);
        c.model.hidden.push_back(ok ? w : 0); // 0 fails validation with the field's name
    }
    c.model.type = c.model.hidden.empty() ? "linear" : "mlp";
    c.model.activation = m_activation->currentText().toStdString();
    c.optimizer.name = m_optimizer->currentText().toStdString();
    // The rate box is the method's own step-size option (max_lr, lr or L4's alpha).
    core::setStepSize(c.optimizer, m_rate->value());
    c.optimizer.momentum = m_momentum->value();
    c.training.epochs = m_epochs->value();
    c.training.batchSize = m_batch->value();
    c.training.seed = static_cast<uint64_t>(m_seed->value());
    c.training.interpolationSamples = 0; // every point: the sets are small
    return c;
}

QString PlaygroundView::problem() const {
    try {
        config().validate();
    } catch (const core::Error& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

bool PlaygroundView::isValid() const {
    return problem().isEmpty();
}

bool PlaygroundView::isRunning() const {
    return m_controller && m_controller->isActive() && !m_controller->isPaused();
}

void PlaygroundView::updateOptimizerFields() {
    const core::OptimizerEntry& e = core::optimizerEntry(m_optimizer->currentText().toStdString());
    m_rateLabel->setText(e.stepField == "lr" ? tr("Learning rate")
                                             : QString::fromStdString(e.stepField));
    QSignalBlocker block(m_rate);
    m_rate->setValue(e.demoStep);
    m_momentum->setEnabled(e.reads("momentum"));
}

void PlaygroundView::onSettingEdited() {
    const bool wasRunning = isRunning();
    reset();
    ++m_resets;
    if (wasRunning && isValid()) start();
}

void PlaygroundView::teardown() {
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
    m_problem->setText(problem());
    m_status->setText(isValid() ? tr("Press Train, or Step for one step at a time.") : QString());
    updateButtons();
    Q_EMIT runningChanged(false);
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
    if (!m_controller)
        ensureController(false);
    else
        m_controller->resume();
    updateButtons();
    Q_EMIT runningChanged(true);
}

void PlaygroundView::pause() {
    if (m_controller) m_controller->pause();
    updateButtons();
    Q_EMIT runningChanged(false);
}

void PlaygroundView::stepOnce() {
    if (!isValid()) {
        m_problem->setText(problem());
        return;
    }
    if (m_controller && !m_controller->isActive()) reset();
    if (!m_controller) ensureController(true);
    if (!m_controller->isPaused()) m_controller->pause();
    m_controller->stepOnce();
    updateButtons();
}

void PlaygroundView::poll() {
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
    if (m_run)
        m_status->setText(tr("P(orange) in the background: the model's belief at every point. "
                             "%1 steps.")
                              .arg(m_run->steps().empty() ? 0 : m_run->steps().back().step));
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
    m_loss->setPresentation(on);
    m_stepSize->setPresentation(on);
    m_interpolation->setPresentation(on);
    m_anatomy->setPresentation(on);
}

} // namespace alig::ui
