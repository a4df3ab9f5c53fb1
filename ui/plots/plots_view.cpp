#include "ui/plots/plots_view.h"

#include "ui/plots/accuracy_plot.h"
#include "ui/plots/flow_layout.h"
#include "ui/plots/grad_norm_plot.h"
#include "ui/plots/loss_plot.h"
#include "ui/plots/run_legend.h"
#include "ui/plots/step_size_plot.h"

#include "core/optim/optimizer_catalogue.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QMenu>
#include <QSignalBlocker>
#include <QSlider>
#include <QSplitter>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

namespace alig::ui {

namespace {

constexpr int kSmoothingSteps = 1000; // slider units: smoothing = value / 1000, up to 0.999

} // namespace

PlotsView::PlotsView(RunRegistry* registry, QWidget* parent)
    : QWidget(parent) {
    m_loss = new LossPlot(registry);
    m_stepSize = new StepSizePlot(registry);
    m_accuracy = new AccuracyPlot(registry);
    m_gradNorm = new GradNormPlot(registry);

    m_xAxis = new QComboBox;
    m_xAxis->addItem(tr("Step"), static_cast<int>(XAxisMode::Step));
    m_xAxis->addItem(tr("Epoch"), static_cast<int>(XAxisMode::Epoch));
    m_xAxis->addItem(tr("Wall time"), static_cast<int>(XAxisMode::WallTime));
    m_xAxis->setToolTip(tr("What the horizontal axis counts: optimizer steps, epochs (passes "
                           "over the training set, fractional within an epoch), or seconds "
                           "of training."));

    m_smoothing = new QSlider(Qt::Horizontal);
    m_smoothing->setRange(0, kSmoothingSteps - 1);
    m_smoothing->setMinimumWidth(80);
    m_smoothing->setMaximumWidth(160);
    m_smoothing->setToolTip(tr("Smoothing: exponential moving average of every per-step line "
                               "(loss, accuracy, step size, ‖g‖), as in TensorBoard; 0 shows "
                               "the raw values, values near 1 average over many steps."));
    m_smoothingValue = new QLabel;
    m_smoothingValue->setMinimumWidth(m_smoothingValue->fontMetrics().horizontalAdvance("0.000"));
    m_smoothingValue->setToolTip(m_smoothing->toolTip());

    m_logLoss = new QCheckBox(tr("Log loss"));
    m_logLoss->setToolTip(tr("Logarithmic loss axis: equal distances mean equal ratios, so a "
                             "loss going from 1 to 0.1 looks like one going from 0.1 to 0.01."));
    m_logStepSize = new QCheckBox(tr("Log step size"));
    m_logStepSize->setToolTip(tr("Logarithmic step size axis: ALI-G's step changes by factors "
                                 "of ten during training; a log axis shows all of it."));
    m_logGradNorm = new QCheckBox(tr("Log ‖g‖"));
    m_logGradNorm->setToolTip(tr("Logarithmic axis for the gradient norm ‖g‖."));
    m_rawLoss = new QCheckBox(tr("Raw loss"));
    m_rawLoss->setToolTip(tr("Also draw the loss of every mini-batch (faint), not only the "
                             "smoothed curve."));
    m_effectiveStep = new QCheckBox(tr("‖Δw‖/‖g‖"));
    m_effectiveStep->setToolTip(
        tr("Also draw how far the weights actually moved per unit of gradient, "
           "‖w_new − w_old‖ / ‖g‖: the same measure for ALI-G, SGD and Adam, so their steps "
           "compare on one axis (momentum and Adam's scaling included)."));
    m_logX = new QCheckBox(tr("Log x"));
    m_logX->setToolTip(tr("Logarithmic x axis on every plot: the first steps and the last "
                          "ones both get room."));
    m_seedGroups = new QComboBox;
    m_seedGroups->addItem(tr("each run"), static_cast<int>(PlotSettings::SeedGroups::Off));
    m_seedGroups->addItem(tr("mean ± std"), static_cast<int>(PlotSettings::SeedGroups::StdDev));
    m_seedGroups->addItem(tr("mean, min–max"), static_cast<int>(PlotSettings::SeedGroups::MinMax));
    m_seedGroups->setToolTip(tr("Runs that differ only by their seed: drawn each on its own, "
                                "or as one mean line with a band (the sample standard "
                                "deviation, or from the lowest to the highest run)."));
    m_quantities = new QToolButton;
    m_quantities->setText(tr("Method quantities"));
    m_quantities->setPopupMode(QToolButton::InstantPopup);
    m_quantities->setToolTip(
        tr("Draw what a method estimates on the effective learning rate plot, beside the step "
           "it took: Prodigy's distance d, MoMo's lower bound, DoG's r̄, Schedule-Free's "
           "averaging weight, ..."));
    auto* quantityMenu = new QMenu(m_quantities);
    for (const core::ReportedQuantity& q : core::reportedQuantities()) {
        QAction* a = quantityMenu->addAction(QString::fromStdString(q.label));
        a->setCheckable(true);
        a->setData(QString::fromStdString(q.name));
        m_quantityActions.append(a);
        connect(a, &QAction::toggled, this, &PlotsView::onControlsEdited);
    }
    m_quantities->setMenu(quantityMenu);
    m_follow = new QCheckBox(tr("Follow"));
    m_follow->setToolTip(tr("Keep the newest data in view while a run trains. Dragging or "
                            "zooming a plot stops this for that plot; double-click a plot to "
                            "fit it and follow again."));

    // The controls wrap onto a second row where the window is narrow (a 1280x720 screen,
    // presentation mode), each label kept with its control.
    auto* controlsBox = new QWidget;
    auto* controls = new FlowLayout(controlsBox, 10);
    auto* xLabel = new QLabel(tr("X axis:"));
    xLabel->setToolTip(m_xAxis->toolTip());
    controls->addWidget(keepTogether({xLabel, m_xAxis}));
    auto* smoothingLabel = new QLabel(tr("Smoothing:"));
    smoothingLabel->setToolTip(m_smoothing->toolTip());
    controls->addWidget(keepTogether({smoothingLabel, m_smoothing, m_smoothingValue}));
    controls->addWidget(keepTogether({m_logLoss, m_logStepSize, m_logGradNorm, m_logX}));
    controls->addWidget(keepTogether({m_rawLoss, m_effectiveStep, m_quantities, m_follow}));
    auto* seedsLabel = new QLabel(tr("Seeds:"));
    seedsLabel->setToolTip(m_seedGroups->toolTip());
    controls->addWidget(keepTogether({seedsLabel, m_seedGroups}));

    // Two rows of two; the rows' splitters move together so the columns stay aligned.
    m_topRow = new QSplitter(Qt::Horizontal);
    m_topRow->addWidget(m_loss);
    m_topRow->addWidget(m_stepSize);
    m_bottomRow = new QSplitter(Qt::Horizontal);
    m_bottomRow->addWidget(m_accuracy);
    m_bottomRow->addWidget(m_gradNorm);
    auto* rows = new QSplitter(Qt::Vertical);
    rows->addWidget(m_topRow);
    rows->addWidget(m_bottomRow);
    for (QSplitter* s : {m_topRow, m_bottomRow, rows}) {
        s->setChildrenCollapsible(false);
        s->setStretchFactor(0, 1);
        s->setStretchFactor(1, 1);
        s->setSizes({1000, 1000}); // equal halves (scaled to the space), whatever the hints
    }
    connect(m_topRow, &QSplitter::splitterMoved, this,
            [this] { m_bottomRow->setSizes(m_topRow->sizes()); });
    connect(m_bottomRow, &QSplitter::splitterMoved, this,
            [this] { m_topRow->setSizes(m_bottomRow->sizes()); });
    for (MetricPlot* plot : plots())
        plot->setMinimumSize(200, 110); // short ones fold their legends (fitTickCounts)

    // One run legend for all four plots, beside them: never over the data, scrolls past a
    // few dozen runs, and hovering a run picks out its curves in every plot.
    m_legend = new RunLegend(registry);
    for (MetricPlot* plot : plots())
        connect(m_legend, &RunLegend::highlighted, plot, &MetricPlot::setHighlightedRun);
    auto* legendBox = new QWidget;
    auto* legendLayout = new QVBoxLayout(legendBox);
    legendLayout->setContentsMargins(0, 0, 0, 0);
    auto* legendTitle = new QLabel(tr("<b>Runs</b>"));
    legendTitle->setToolTip(m_legend->toolTip());
    legendLayout->addWidget(legendTitle);
    legendLayout->addWidget(m_legend, 1);
    auto* columns = new QSplitter(Qt::Horizontal);
    columns->setObjectName("PlotsAndLegend");
    columns->addWidget(rows);
    columns->addWidget(legendBox);
    columns->setStretchFactor(0, 1);
    columns->setStretchFactor(1, 0);
    columns->setChildrenCollapsible(false);
    columns->setSizes({1000, 190});

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(controlsBox);
    layout->addWidget(columns, 1);

    applyToPlots();
    updateControls();

    connect(m_xAxis, &QComboBox::currentIndexChanged, this, &PlotsView::onControlsEdited);
    connect(m_smoothing, &QSlider::valueChanged, this, &PlotsView::onControlsEdited);
    for (QCheckBox* box :
         {m_logLoss, m_logStepSize, m_logGradNorm, m_logX, m_rawLoss, m_effectiveStep, m_follow})
        connect(box, &QCheckBox::toggled, this, &PlotsView::onControlsEdited);
    connect(m_seedGroups, &QComboBox::currentIndexChanged, this, &PlotsView::onControlsEdited);
    for (MetricPlot* plot : plots())
        connect(plot, &MetricPlot::followChanged, this, &PlotsView::onPlotFollowChanged);
}

QList<MetricPlot*> PlotsView::plots() const {
    return {m_loss, m_stepSize, m_accuracy, m_gradNorm};
}

void PlotsView::setSettings(const PlotSettings& settings) {
    PlotSettings s = settings;
    s.smoothing = std::clamp(s.smoothing, 0.0, PlotSettings::kMaxSmoothing);
    if (s == m_settings) return;
    m_settings = s;
    applyToPlots();
    updateControls();
    Q_EMIT settingsChanged(m_settings);
}

void PlotsView::flush() {
    for (MetricPlot* plot : plots())
        plot->flush();
}

void PlotsView::followAll() {
    for (MetricPlot* plot : plots())
        plot->setFollow(true);
    onPlotFollowChanged();
}

void PlotsView::applyToPlots() {
    const std::optional<plotmodel::Spread> groups =
        m_settings.seedGroups == PlotSettings::SeedGroups::StdDev ? plotmodel::Spread::StdDev
        : m_settings.seedGroups == PlotSettings::SeedGroups::MinMax
            ? plotmodel::Spread::MinMax
            : std::optional<plotmodel::Spread>();
    for (MetricPlot* plot : plots()) {
        plot->setXAxisMode(m_settings.xAxis);
        plot->setFollow(m_settings.follow);
        plot->setSmoothing(m_settings.smoothing);
        plot->setLogX(m_settings.logX);
        plot->setSeedGrouping(groups);
    }
    m_loss->setLogY(m_settings.logLoss);
    m_loss->setSeriesVisible(Series::RawLoss, m_settings.showRawLoss);
    m_stepSize->setLogY(m_settings.logStepSize);
    m_stepSize->setSeriesVisible(Series::EffectiveStep, m_settings.showEffectiveStep);
    for (const QString& name : m_stepSize->quantities())
        m_stepSize->setQuantityVisible(name, m_settings.shownQuantities.contains(name));
    m_gradNorm->setLogY(m_settings.logGradNorm);
}

void PlotsView::updateControls() {
    const QSignalBlocker blocks[] = {QSignalBlocker(m_xAxis),         QSignalBlocker(m_smoothing),
                                     QSignalBlocker(m_logLoss),       QSignalBlocker(m_logStepSize),
                                     QSignalBlocker(m_logGradNorm),   QSignalBlocker(m_rawLoss),
                                     QSignalBlocker(m_effectiveStep), QSignalBlocker(m_follow),
                                     QSignalBlocker(m_logX),          QSignalBlocker(m_seedGroups)};
    m_xAxis->setCurrentIndex(m_xAxis->findData(static_cast<int>(m_settings.xAxis)));
    m_smoothing->setValue(static_cast<int>(std::lround(m_settings.smoothing * kSmoothingSteps)));
    m_smoothingValue->setText(QString::number(m_settings.smoothing, 'f', 3));
    m_logLoss->setChecked(m_settings.logLoss);
    m_logStepSize->setChecked(m_settings.logStepSize);
    m_logGradNorm->setChecked(m_settings.logGradNorm);
    m_rawLoss->setChecked(m_settings.showRawLoss);
    m_effectiveStep->setChecked(m_settings.showEffectiveStep);
    m_follow->setChecked(m_settings.follow);
    m_logX->setChecked(m_settings.logX);
    m_seedGroups->setCurrentIndex(m_seedGroups->findData(static_cast<int>(m_settings.seedGroups)));
    for (QAction* a : std::as_const(m_quantityActions)) {
        const QSignalBlocker block(a);
        a->setChecked(m_settings.shownQuantities.contains(a->data().toString()));
    }
}

void PlotsView::onControlsEdited() {
    PlotSettings s = m_settings;
    s.xAxis = static_cast<XAxisMode>(m_xAxis->currentData().toInt());
    s.smoothing = static_cast<double>(m_smoothing->value()) / kSmoothingSteps;
    s.logLoss = m_logLoss->isChecked();
    s.logStepSize = m_logStepSize->isChecked();
    s.logGradNorm = m_logGradNorm->isChecked();
    s.showRawLoss = m_rawLoss->isChecked();
    s.showEffectiveStep = m_effectiveStep->isChecked();
    s.follow = m_follow->isChecked();
    s.logX = m_logX->isChecked();
    s.seedGroups = static_cast<PlotSettings::SeedGroups>(m_seedGroups->currentData().toInt());
    s.shownQuantities.clear();
    for (const QAction* a : std::as_const(m_quantityActions))
        if (a->isChecked()) s.shownQuantities.append(a->data().toString());
    // Ticking Follow again resumes the plots the user had panned, even if it was already on.
    if (s.follow && !m_settings.follow)
        for (MetricPlot* plot : plots())
            plot->setFollow(true);
    setSettings(s);
}

void PlotsView::onPlotFollowChanged() {
    // The box shows whether every plot follows: panning one plot clears it, ticking it
    // makes them all follow again.
    bool all = true;
    for (MetricPlot* plot : plots())
        all = all && plot->follow();
    if (all == m_settings.follow) return;
    m_settings.follow = all;
    const QSignalBlocker block(m_follow);
    m_follow->setChecked(all);
    Q_EMIT settingsChanged(m_settings);
}

} // namespace alig::ui
