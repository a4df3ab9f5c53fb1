#include "ui/plots/metric_plot.h"

#include "ui/plots/debiased_ema.h"

#include "ui/plots/presentation.h"
#include "ui/run/refresh_pacer.h"
#include "ui/run/run.h"
#include <nlohmann/json.hpp>

#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QFileDialog>
#include <QFontMetrics>
#include <QInputDialog>
#include <QMenu>
#include <QMessageBox>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <limits>

namespace alig::ui {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kReplotIntervalMs = 40; // 25 Hz, as PlotJuggler: smooth to the eye, cheap to draw
constexpr double kToolTipRadiusPx = 40.0;

// QCPAxisTickerLog labels only powers of ten, which leaves a loss between 0.3 and 2 with one
// label or none. Over narrow ranges this ticker labels 1-2-5 steps, or plain linear steps
// when the range spans less than a factor of 3; over wide ranges it keeps the powers of ten.
class ReadableLogTicker : public QCPAxisTickerLog {
protected:
    enum class Mode { Linear, OneTwoFive, Powers };

    QVector<double> createTickVector(double tickStep, const QCPRange& range) override {
        const double ratio = range.lower > 0 ? range.upper / range.lower : 1e9;
        m_mode = ratio < 3 ? Mode::Linear : ratio <= 300 ? Mode::OneTwoFive : Mode::Powers;
        if (m_mode == Mode::Linear) return QCPAxisTicker::createTickVector(tickStep, range);
        if (m_mode == Mode::Powers) return QCPAxisTickerLog::createTickVector(tickStep, range);
        // 1-2-5 where the axis has room for them (tickCount(), from its length), else 1-3,
        // else the powers of ten alone: labels on a short axis never run into each other.
        const int first = static_cast<int>(std::floor(std::log10(range.lower)));
        const int last = static_cast<int>(std::ceil(std::log10(range.upper)));
        QVector<double> ticks;
        for (const std::vector<double>& mantissas :
             {std::vector<double>{1.0, 2.0, 5.0}, {1.0, 3.0}, {1.0}}) {
            ticks.clear();
            int inside = 0;
            for (int e = first; e <= last; ++e)
                for (double m : mantissas) {
                    const double t = m * std::pow(10.0, e);
                    ticks.append(t);
                    inside += range.contains(t) ? 1 : 0;
                }
            if (inside <= tickCount() + 1) break;
        }
        return ticks; // the caller trims what lies outside the range
    }

    int getSubTickCount(double tickStep) override {
        switch (m_mode) {
        case Mode::Linear:
            return QCPAxisTicker::getSubTickCount(tickStep);
        case Mode::OneTwoFive:
            return 0; // 1-2-5 gaps differ: no common count fits
        case Mode::Powers:
            return QCPAxisTickerLog::getSubTickCount(tickStep);
        }
        return 0;
    }

private:
    Mode m_mode = Mode::Powers;
};

QString formatValue(double v) {
    return QString::number(v, 'g', 4);
}

} // namespace

void MetricPlot::Range::include(double v) {
    if (!std::isfinite(v)) return;
    if (!valid) {
        lower = upper = v;
        valid = true;
        return;
    }
    lower = std::min(lower, v);
    upper = std::max(upper, v);
}

// A run's graphs, parallel to m_specs, with the state that lets batches append: the running
// average, the last value of step lines, and the data ranges (fitting by scanning a million
// points 30 times a second would cost more than drawing them).
struct MetricPlot::RunGraphs {
    Run* run = nullptr;
    std::string groupKey; // the config but for its seed: runs with one key form a seed group
    bool inGroup = false; // drawn as part of its seed group's mean and band
    bool diverged = false;
    std::vector<QCPGraph*> graphs;
    std::vector<DebiasedEma> ema;
    std::vector<double> lastValue;
    std::vector<bool> trailing; // the graph ends with a point repeating lastValue
    std::vector<Range> keys, values;
    bool live = false; // its graphs are on the "live" layer
};

// One seed group on show: its members, and per series (parallel to m_specs) the band and its
// three graphs (lower and upper edges filled between, and the mean), null where the series
// has no band.
struct MetricPlot::GroupGraphs {
    std::vector<const Run*> members;
    std::vector<plotmodel::Band> bands;
    std::vector<QCPGraph*> graphs; // 3 per series: lower, upper, mean
};

namespace {

// What makes runs one seed group: everything they learn from but the seed.
std::string groupKeyOf(const core::ExperimentConfig& config) {
    nlohmann::json j = config.toJson();
    j.erase("name");
    j.erase("description");
    j.erase("output");
    if (j.contains("training")) {
        j["training"].erase("seed");
        j["training"].erase("threads");
        j["training"].erase("device");
    }
    return j.dump();
}

plotmodel::Curve curveOf(const QCPGraph* g) {
    plotmodel::Curve c;
    const auto data = g->data();
    c.x.reserve(static_cast<size_t>(data->size()));
    c.y.reserve(static_cast<size_t>(data->size()));
    for (auto it = data->constBegin(); it != data->constEnd(); ++it) {
        c.x.push_back(it->key);
        c.y.push_back(it->value);
    }
    return c;
}

// The series legend's row in the plot layout, under the title (0).
constexpr int kLegendRow = 1;

} // namespace

MetricPlot::MetricPlot(const QString& title, QWidget* parent)
    : QCustomPlot(parent) {
    setAutoAddPlottableToLegend(false);
    setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    setNoAntialiasingOnDrag(true);
    setPlottingHint(QCP::phFastPolylines, true);
    setMouseTracking(true);

    // Faint series (raw values) go below every solid line, whichever run came first.
    addLayer(QStringLiteral("faint"), layer(QStringLiteral("main")), QCustomPlot::limBelow);
    // Training runs draw on a layer of their own, above the runs that have ended, with its own
    // paint buffer: while a sweep trains two runs among 45 and the axes stay, a replot redraws
    // the two alone (onReplotTimer).
    addLayer(QStringLiteral("live"), layer(QStringLiteral("main")), QCustomPlot::limAbove);
    layer(QStringLiteral("live"))->setMode(QCPLayer::lmBuffered);

    QFont titleFont = font();
    titleFont.setBold(true);
    plotLayout()->insertRow(0);
    plotLayout()->addElement(0, 0, new QCPTextElement(this, title, titleFont));
    // The series legend goes between the title and the axes, in one row: it never covers a
    // curve. Runs are named once, in the run legend beside the plots.
    placeLegendInRow(this, kLegendRow);
    // A plot shorter than the axes' margins plus QCustomPlot's 50 px minimum would push its
    // x label out of sight (a short dock with a sweep's 45 runs): the axes shrink instead.
    axisRect()->setMinimumSize(30, 20);

    m_linearTicker = yAxis->ticker();
    m_logTicker = QSharedPointer<ReadableLogTicker>::create();
    m_linearXTicker = xAxis->ticker();
    m_logXTicker = QSharedPointer<ReadableLogTicker>::create();
    xAxis->setLabel(QStringLiteral("step"));

    QFont small = font();
    small.setPointSizeF(std::max(6.0, font().pointSizeF() * 0.8));
    legend->setVisible(false); // shown by updateLegend() once there is something to name
    legend->setFont(small);
    legend->setIconSize(18, 8);
    legend->setColumnSpacing(10);
    legend->setMargins(QMargins(4, 0, 4, 0));

    // Names the runs a fit left out of the y range, so a clipped curve is never a mystery.
    m_clipNote = new QCPItemText(this);
    m_clipNote->setClipToAxisRect(true);
    m_clipNote->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_clipNote->position->setCoords(0.99, 0.01);
    m_clipNote->setPositionAlignment(Qt::AlignTop | Qt::AlignRight);
    m_clipNote->setColor(QColor(0xB0, 0x30, 0x00));
    m_clipNote->setBrush(QColor(255, 255, 255, 210));
    m_clipNote->setFont(small);
    m_clipNote->setVisible(false);

    m_emptyHint = new QCPItemText(this);
    m_emptyHint->setClipToAxisRect(true);
    m_emptyHint->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_emptyHint->position->setCoords(0.5, 0.5);
    m_emptyHint->setPositionAlignment(Qt::AlignCenter);
    m_emptyHint->setTextAlignment(Qt::AlignCenter);
    m_emptyHint->setColor(QColor(0, 0, 0, 110));
    m_emptyHint->setText(tr("No data yet.\nPress Start (F5) to train the experiment,\n"
                            "or tick a run in the Runs table."));

    // Before every replot, whoever asked for it (our timer, a drag, a zoom, a resize).
    connect(this, &QCustomPlot::beforeReplot, this, &MetricPlot::updateScatterSkip);
    connect(this, &QCustomPlot::beforeReplot, this, &MetricPlot::updateEmptyHint);
    connect(this, &QCustomPlot::beforeReplot, this, &MetricPlot::fitTickCounts);

    // A queued replot draws later, from the event loop: its cost counts too.
    connect(this, &QCustomPlot::beforeReplot, this, &RefreshPacer::beginCost);
    connect(this, &QCustomPlot::afterReplot, this, &RefreshPacer::endCost);
    m_replotTimer.setSingleShot(true);
    // 25 Hz, slower when the window's refreshes cost more than their share here.
    RefreshPacer& pacer = RefreshPacer::instance();
    m_replotTimer.setInterval(pacer.interval(kReplotIntervalMs));
    connect(&pacer, &RefreshPacer::scaleChanged, this,
            [this, &pacer] { m_replotTimer.setInterval(pacer.interval(kReplotIntervalMs)); });
    connect(&m_replotTimer, &QTimer::timeout, this, &MetricPlot::onReplotTimer);

    connect(this, &QCustomPlot::mouseWheel, this, [this] { stopFollowingByUser(); });
    connect(this, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        m_dragging =
            e->button() == Qt::LeftButton && axisRect()->rect().contains(e->position().toPoint());
    });
    connect(this, &QCustomPlot::mouseRelease, this, [this] { m_dragging = false; });
    connect(this, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        if (m_dragging && (e->buttons() & Qt::LeftButton)) {
            stopFollowingByUser();
            QToolTip::hideText();
        } else if (e->buttons() == Qt::NoButton) {
            showToolTip(e);
        }
    });
    connect(this, &QCustomPlot::mouseDoubleClick, this, [this] {
        const bool resumed = !m_follow;
        m_follow = true;
        fitToData();
        if (resumed) Q_EMIT followChanged(true);
    });
}

MetricPlot::~MetricPlot() = default;

void MetricPlot::addSeries(SeriesSpec spec) {
    Q_ASSERT(m_runs.empty()); // specs are fixed before runs arrive
    Q_ASSERT(spec.source == Source::Step || (!spec.smoothed && !spec.changesOnly));
    QCPGraph* kind = addGraph();
    kind->setName(spec.kindName);
    spec.style(kind, QColor(80, 80, 80));
    if (spec.faint) { // a faint grey icon would be invisible in the legend
        QPen pen = kind->pen();
        pen.setColor(QColor(80, 80, 80, 150));
        kind->setPen(pen);
    }
    m_kindGraphs.push_back(kind);
    m_specs.push_back(std::move(spec));
    m_specVisible.push_back(true);
}

MetricPlot::SeriesSpec MetricPlot::stepSeries(Series series, const QString& kindName,
                                              std::function<double(const core::StepMetrics&)> value,
                                              Style style) {
    SeriesSpec spec;
    spec.series = series;
    spec.kindName = kindName;
    spec.source = Source::Step;
    spec.stepValue = std::move(value);
    spec.style = std::move(style);
    return spec;
}

MetricPlot::SeriesSpec
MetricPlot::epochSeries(Series series, const QString& kindName,
                        std::function<double(const core::EpochMetrics&)> value, Style style) {
    SeriesSpec spec;
    spec.series = series;
    spec.kindName = kindName;
    spec.source = Source::Epoch;
    spec.epochValue = std::move(value);
    spec.style = std::move(style);
    return spec;
}

MetricPlot::Style MetricPlot::lineStyle(double width, int alpha, Qt::PenStyle penStyle) {
    return [=](QCPGraph* g, const QColor& runColor) {
        QColor c = runColor;
        c.setAlpha(alpha);
        QPen pen(c, width, penStyle);
        g->setPen(pen);
        g->setLineStyle(QCPGraph::lsLine);
    };
}

MetricPlot::Style MetricPlot::epochStyle(QCPScatterStyle::ScatterShape shape, bool filled,
                                         Qt::PenStyle line) {
    return [=](QCPGraph* g, const QColor& runColor) {
        // Width 1 keeps Qt's fast path for dashes: 1.2 cost 9 ms for 500 epochs.
        g->setPen(QPen(runColor, 1.0, line));
        g->setLineStyle(QCPGraph::lsLine);
        // Filled vs hollow tells train from test even in grey print.
        g->setScatterStyle(QCPScatterStyle(shape, QPen(runColor, 1.5),
                                           filled ? QBrush(runColor) : QBrush(Qt::white), 7));
    };
}

MetricPlot::Style MetricPlot::markerStyle(QCPScatterStyle::ScatterShape shape, double size) {
    return [=](QCPGraph* g, const QColor& runColor) {
        g->setPen(QPen(runColor, 1.0));
        g->setLineStyle(QCPGraph::lsNone);
        g->setScatterStyle(
            QCPScatterStyle(shape, QPen(runColor.darker(130), 1.0), QBrush(runColor), size));
    };
}

void MetricPlot::applyStyle(QCPGraph* g, const SeriesSpec& spec, const QColor& color,
                            int emphasis) const {
    spec.style(g, color);
    // Many runs at once: thin, aliased lines (Qt's fast path; a 1.6 px antialiased stroke of
    // 45 noisy curves costs ten times as much) except for the run picked out.
    const bool fast = m_manyRuns && emphasis <= 0;
    g->setAntialiased(!fast);
    g->setAntialiasedScatters(!fast);
    if (fast) {
        QPen pen = g->pen();
        pen.setWidthF(1.0);
        g->setPen(pen);
    }
    // Hovering a run in the run legend: its curves thicker, every other run's faded.
    if (emphasis != 0) {
        QPen pen = g->pen();
        QColor c = pen.color();
        if (emphasis < 0)
            c.setAlphaF(c.alphaF() * 0.2);
        else
            pen.setWidthF(std::max(1.0, pen.widthF()) * 2.0);
        pen.setColor(c);
        g->setPen(pen);
    }
    if (!m_presentation) return;
    const double k = presentationScale();
    QPen pen = g->pen();
    pen.setWidthF(std::max(1.0, pen.widthF()) * k);
    g->setPen(pen);
    QCPScatterStyle scatter = g->scatterStyle();
    if (!scatter.isNone()) {
        scatter.setSize(scatter.size() * k * 0.8);
        QPen sp = scatter.pen();
        sp.setWidthF(std::max(1.0, sp.widthF()) * 1.5);
        scatter.setPen(sp);
        g->setScatterStyle(scatter);
    }
}

void MetricPlot::restyle(RunGraphs& rg) {
    const int emphasis = !m_highlighted ? 0 : m_highlighted == rg.run ? 1 : -1;
    for (size_t i = 0; i < m_specs.size(); ++i)
        applyStyle(rg.graphs[i], m_specs[i], rg.run->color(), emphasis);
}

void MetricPlot::setHighlightedRun(const Run* run) {
    if (run == m_highlighted) return;
    m_highlighted = run;
    for (auto& rg : m_runs)
        restyle(*rg);
    m_groupsDirty = true;
    markDirty();
}

void MetricPlot::setPresentation(bool on) {
    if (on == m_presentation) return;
    m_presentation = on;
    // Fonts: the title, the axes and the legend grow by half.
    scalePlotFonts(on, qobject_cast<QCPTextElement*>(plotLayout()->element(0, 0)), {xAxis, yAxis},
                   legend);
    const double f = on ? kPresentationFontScale : 1.0 / kPresentationFontScale;
    for (QCPAxis* axis : {xAxis, yAxis}) {
        QPen base = axis->basePen();
        base.setWidthF(on ? 2.0 : 1.0);
        axis->setBasePen(base);
    }
    legend->setIconSize(on ? 36 : 18, on ? 14 : 8);
    QFont hint = m_emptyHint->font();
    hint.setPointSizeF(hint.pointSizeF() * f);
    m_emptyHint->setFont(hint);
    for (auto& rg : m_runs)
        restyle(*rg);
    m_groupsDirty = true;
    for (size_t i = 0; i < m_specs.size(); ++i) {
        m_specs[i].style(m_kindGraphs[i], QColor(80, 80, 80));
        if (on) {
            QPen pen = m_kindGraphs[i]->pen();
            pen.setWidthF(std::max(1.0, pen.widthF()) * presentationScale());
            m_kindGraphs[i]->setPen(pen);
        }
    }
    markDirty(true);
}

void MetricPlot::setValueLabel(const QString& label, const QString& shortLabel) {
    m_valueLabel = label;
    m_shortValueLabel = shortLabel;
    yAxis->setLabel(label);
}

void MetricPlot::setRegistry(RunRegistry* registry) {
    if (registry == m_registry) return;
    if (m_registry) disconnect(m_registry, nullptr, this, nullptr);
    while (!m_runs.empty())
        removeRun(m_runs.back()->run);
    m_registry = registry;
    if (!registry) return;
    connect(registry, &RunRegistry::runAdded, this, &MetricPlot::addRun);
    connect(registry, &RunRegistry::runRemoved, this, [this](Run* run) { removeRun(run); });
    for (Run* run : registry->runs())
        addRun(run);
}

RunRegistry* MetricPlot::registry() const {
    return m_registry;
}

MetricPlot::RunGraphs* MetricPlot::find(const Run* run) const {
    for (const auto& rg : m_runs)
        if (rg->run == run) return rg.get();
    return nullptr;
}

void MetricPlot::addRun(Run* run) {
    if (find(run)) return;
    auto rg = std::make_unique<RunGraphs>();
    rg->run = run;
    rg->groupKey = groupKeyOf(run->config());
    rg->diverged = run->status() == core::RunStatus::Diverged;
    for (const SeriesSpec& spec : m_specs) {
        QCPGraph* g = addGraph();
        g->setName(spec.kindName);
        rg->graphs.push_back(g);
    }
    restyle(*rg);
    const size_t n = m_specs.size();
    rg->ema.assign(n, DebiasedEma(m_smoothing));
    rg->lastValue.assign(n, kNaN);
    rg->trailing.assign(n, false);
    rg->keys.assign(n, Range{});
    rg->values.assign(n, Range{});
    RunGraphs& ref = *rg;
    placeOnLayer(ref);
    m_runs.push_back(std::move(rg));

    connect(run, &Run::stepsAppended, this, [this, run](int first) {
        if (RunGraphs* r = find(run)) {
            appendSteps(*r, first, std::vector<bool>(m_specs.size(), true));
            markRunData(*r);
        }
    });
    connect(run, &Run::epochsAppended, this, [this, run](int first) {
        if (RunGraphs* r = find(run)) {
            appendEpochs(*r, first, std::vector<bool>(m_specs.size(), true));
            markRunData(*r);
        }
    });
    connect(run, &Run::metricsCleared, this, [this, run] {
        if (RunGraphs* r = find(run)) {
            rebuild(*r, std::vector<bool>(m_specs.size(), true));
            markDirty(true);
        }
    });
    connect(run, &Run::visibilityChanged, this, [this, run] {
        if (RunGraphs* r = find(run)) {
            updateVisibility(*r);
            markDirty(true);
        }
    });
    connect(run, &Run::changed, this, [this, run] {
        // changed() also reports rates several times a second: refit only when the run
        // diverged (its last values then stop setting the range).
        RunGraphs* r = find(run);
        const bool diverged = run->status() == core::RunStatus::Diverged;
        if (r && r->diverged != diverged) {
            r->diverged = diverged;
            markDirty(true);
        }
        if (r && r->live != run->isLive()) {
            placeOnLayer(*r);
            markDirty();
        }
    });
    connect(run, &Run::colorChanged, this, [this, run] {
        if (RunGraphs* r = find(run)) {
            restyle(*r);
            m_groupsDirty = true;
            markDirty();
        }
    });
    connect(run, &QObject::destroyed, this, [this, run] { removeRun(run); });

    rebuild(ref, std::vector<bool>(m_specs.size(), true));
    updateVisibility(ref);
    markDirty(true);
}

void MetricPlot::removeRun(const Run* run) {
    auto it = std::find_if(m_runs.begin(), m_runs.end(),
                           [run](const auto& rg) { return rg->run == run; });
    if (it == m_runs.end()) return;
    disconnect(run, nullptr, this, nullptr);
    for (QCPGraph* g : (*it)->graphs)
        removeGraph(g);
    m_runs.erase(it);
    if (m_highlighted == run) m_highlighted = nullptr;
    // Its group's graphs may point at it: drop them now, not at the next replot.
    for (auto& group : m_groups)
        for (QCPGraph* g : group->graphs)
            if (g) removeGraph(g);
    m_groups.clear();
    m_groupsDirty = true;
    markDirty(true);
}

bool MetricPlot::plottable(double v) const {
    return std::isfinite(v) && (!m_logY || v > 0.0);
}

double MetricPlot::key(const Run& run, int64_t step, int64_t epoch, double elapsed) const {
    const plotmodel::XMode mode = m_xAxisMode == XAxisMode::Epoch      ? plotmodel::XMode::Epoch
                                  : m_xAxisMode == XAxisMode::WallTime ? plotmodel::XMode::WallTime
                                                                       : plotmodel::XMode::Step;
    return plotmodel::xOf(mode, step, epoch, elapsed, run.stepsPerEpoch());
}

double MetricPlot::stepKey(const Run& run, const core::StepMetrics& m) const {
    return key(run, m.step, m.epoch, m.elapsed);
}

double MetricPlot::epochKey(const Run& run, const core::EpochMetrics& m) const {
    return key(run, m.step, m.epoch, m.elapsed);
}

void MetricPlot::appendSteps(RunGraphs& rg, int first, const std::vector<bool>& which) {
    const auto& steps = rg.run->steps();
    const int total = static_cast<int>(steps.size());
    if (first < 0 || first >= total) return;
    const int n = total - first;
    QVector<double> keys(n);
    for (int i = 0; i < n; ++i)
        keys[i] = stepKey(*rg.run, steps[first + i]);
    const bool batchSorted = std::is_sorted(keys.cbegin(), keys.cend());
    auto value = [&](const SeriesSpec& spec, int i) {
        return spec.runStepValue ? spec.runStepValue(*rg.run, steps[i]) : spec.stepValue(steps[i]);
    };

    QVector<double> k, v;
    for (size_t s = 0; s < m_specs.size(); ++s) {
        const SeriesSpec& spec = m_specs[s];
        if (spec.source != Source::Step || !which[s]) continue;
        QCPGraph* g = rg.graphs[s];
        const auto data = g->data();
        k.clear();
        v.clear();
        k.reserve(n + 1);
        v.reserve(n + 1);
        if (spec.changesOnly) {
            // A step line needs a point where the value changes (NaN: a gap) and one at the
            // newest step, which moves on with every batch.
            if (rg.trailing[s] && !data->isEmpty()) data->remove((data->constEnd() - 1)->key);
            double last = rg.lastValue[s];
            for (int i = 0; i < n; ++i) {
                double x = value(spec, first + i);
                if (!plottable(x)) x = kNaN;
                const bool same = (std::isnan(x) && std::isnan(last)) || x == last;
                if (same) continue;
                k.append(keys[i]);
                v.append(x);
                last = x;
            }
            const double lastKey = !k.isEmpty()      ? k.last()
                                   : data->isEmpty() ? -std::numeric_limits<double>::infinity()
                                                     : (data->constEnd() - 1)->key;
            rg.trailing[s] = std::isfinite(last) && keys.last() > lastKey;
            if (rg.trailing[s]) {
                k.append(keys.last());
                v.append(last);
            }
            rg.lastValue[s] = last;
        } else {
            for (int i = 0; i < n; ++i) {
                double x = value(spec, first + i);
                if (smoothedSpec(spec)) x = rg.ema[s].add(x);
                if (!plottable(x)) continue;
                k.append(keys[i]);
                v.append(x);
            }
        }
        for (int i = 0; i < k.size(); ++i) {
            rg.keys[s].include(k[i]);
            rg.values[s].include(v[i]);
        }
        const bool sorted = batchSorted && (data->isEmpty() || k.isEmpty() ||
                                            k.first() >= (data->constEnd() - 1)->key);
        if (data->isEmpty() && !k.isEmpty()) m_legendDirty = true; // its kind joins the legend
        g->addData(k, v, sorted);
    }
}

void MetricPlot::appendEpochs(RunGraphs& rg, int first, const std::vector<bool>& which) {
    const auto& epochs = rg.run->epochs();
    const int total = static_cast<int>(epochs.size());
    if (first < 0 || first >= total) return;
    QVector<double> k, v;
    for (size_t s = 0; s < m_specs.size(); ++s) {
        const SeriesSpec& spec = m_specs[s];
        if (spec.source != Source::Epoch || !which[s]) continue;
        k.clear();
        v.clear();
        for (int i = first; i < total; ++i) {
            const double x = spec.epochValue(epochs[i]);
            if (!plottable(x)) continue;
            k.append(epochKey(*rg.run, epochs[i]));
            v.append(x);
            rg.keys[s].include(k.last());
            rg.values[s].include(x);
        }
        if (rg.graphs[s]->data()->isEmpty() && !k.isEmpty()) m_legendDirty = true;
        rg.graphs[s]->addData(k, v); // a handful of points: let QCustomPlot sort them
    }
}

void MetricPlot::rebuild(RunGraphs& rg, const std::vector<bool>& which) {
    for (size_t s = 0; s < m_specs.size(); ++s) {
        if (!which[s]) continue;
        rg.graphs[s]->data()->clear();
        rg.ema[s] = DebiasedEma(m_smoothing);
        rg.lastValue[s] = kNaN;
        rg.trailing[s] = false;
        rg.keys[s] = Range{};
        rg.values[s] = Range{};
    }
    appendSteps(rg, 0, which);
    appendEpochs(rg, 0, which);
}

void MetricPlot::rebuildAll(const std::function<bool(const SeriesSpec&)>& which) {
    std::vector<bool> mask(m_specs.size());
    for (size_t s = 0; s < m_specs.size(); ++s)
        mask[s] = which(m_specs[s]);
    if (std::none_of(mask.begin(), mask.end(), [](bool b) { return b; })) return;
    for (auto& rg : m_runs)
        rebuild(*rg, mask);
    markDirty(true);
}

void MetricPlot::setXAxisMode(XAxisMode mode) {
    if (mode == m_xAxisMode) return;
    m_xAxisMode = mode;
    updateAxisLabels();
    rebuildAll([](const SeriesSpec&) { return true; });
    fitToData(); // the old range means nothing on the new axis
}

void MetricPlot::setSmoothing(double weight) {
    weight = std::clamp(weight, 0.0, PlotSettings::kMaxSmoothing);
    if (weight == m_smoothing) return;
    m_smoothing = weight;
    rebuildAll([](const SeriesSpec& spec) { return spec.smoothed || spec.smoothable; });
}

bool MetricPlot::smoothedSpec(const SeriesSpec& spec) const {
    return spec.smoothed || (spec.smoothable && m_smoothing > 0.0);
}

bool MetricPlot::bandSpec(const SeriesSpec& spec) const {
    // The lines a reader compares: smoothed per-step lines and per-epoch values. Raw
    // mini-batch values and markers of grouped runs are not drawn.
    return !spec.faint && !spec.changesOnly &&
           (spec.smoothed || spec.smoothable || spec.source == Source::Epoch);
}

void MetricPlot::setLogX(bool log) {
    if (log == m_logX) return;
    m_logX = log;
    xAxis->setScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    xAxis->setTicker(log ? m_logXTicker : m_linearXTicker);
    xAxis->setNumberFormat(log ? QStringLiteral("gb") : QStringLiteral("gbd"));
    fitToData();
}

bool MetricPlot::setYRange(double lower, double upper) {
    if (!(lower < upper) || !std::isfinite(lower) || !std::isfinite(upper) ||
        (m_logY && !(lower > 0.0)))
        return false;
    m_fixedY = true;
    m_fixedLower = lower;
    m_fixedUpper = upper;
    fitToData();
    return true;
}

void MetricPlot::clearYRange() {
    m_fixedY = false;
    fitToData();
}

void MetricPlot::setSeedGrouping(std::optional<plotmodel::Spread> spread) {
    if (spread == m_grouping) return;
    m_grouping = spread;
    m_groupsDirty = true;
    rebuildGroups();
    markDirty(true);
}

bool MetricPlot::isGrouped(const RunGraphs& rg) const {
    return m_grouping.has_value() && rg.inGroup;
}

int MetricPlot::seedGroupCount() const {
    return static_cast<int>(m_groups.size());
}

const plotmodel::Band* MetricPlot::seedBand(const Run* member, Series series) const {
    for (const auto& g : m_groups) {
        if (std::find(g->members.begin(), g->members.end(), member) == g->members.end()) continue;
        for (size_t s = 0; s < m_specs.size(); ++s)
            if (m_specs[s].series == series && g->graphs[3 * s]) return &g->bands[s];
    }
    return nullptr;
}

void MetricPlot::rebuildGroups() {
    m_groupsDirty = false;
    for (auto& group : m_groups)
        for (QCPGraph* g : group->graphs)
            if (g) removeGraph(g);
    m_groups.clear();
    for (auto& rg : m_runs)
        rg->inGroup = false;
    if (m_grouping) {
        // Visible runs by group key, in order of arrival.
        std::vector<std::pair<std::string, std::vector<RunGraphs*>>> keyed;
        for (auto& rg : m_runs) {
            if (!rg->run->isVisible()) continue;
            auto it = std::find_if(keyed.begin(), keyed.end(),
                                   [&](const auto& k) { return k.first == rg->groupKey; });
            if (it == keyed.end())
                keyed.push_back({rg->groupKey, {rg.get()}});
            else
                it->second.push_back(rg.get());
        }
        for (auto& [key, members] : keyed) {
            if (members.size() < 2) continue;
            auto group = std::make_unique<GroupGraphs>();
            const QColor color = members.front()->run->color();
            for (RunGraphs* m : members) {
                m->inGroup = true;
                group->members.push_back(m->run);
            }
            group->bands.resize(m_specs.size());
            group->graphs.assign(3 * m_specs.size(), nullptr);
            for (size_t s = 0; s < m_specs.size(); ++s) {
                if (!bandSpec(m_specs[s]) || !m_specVisible[s]) continue;
                std::vector<plotmodel::Curve> curves;
                for (RunGraphs* m : members)
                    curves.push_back(curveOf(m->graphs[s]));
                group->bands[s] = plotmodel::aggregate(curves, *m_grouping);
                QCPGraph* lower = addGraph();
                QCPGraph* upper = addGraph();
                QCPGraph* mean = addGraph();
                lower->setPen(Qt::NoPen);
                upper->setPen(Qt::NoPen);
                QColor fill = color;
                fill.setAlpha(m_highlighted && m_highlighted != members.front()->run ? 15 : 55);
                upper->setBrush(fill);
                upper->setChannelFillGraph(lower);
                lower->setLayer(QStringLiteral("faint"));
                upper->setLayer(QStringLiteral("faint"));
                applyStyle(mean, m_specs[s], color, 0);
                mean->setName(m_specs[s].kindName);
                group->graphs[3 * s] = lower;
                group->graphs[3 * s + 1] = upper;
                group->graphs[3 * s + 2] = mean;
                setBandData(group->graphs, s, group->bands[s]);
            }
            m_groups.push_back(std::move(group));
        }
    }
    for (auto& rg : m_runs)
        updateVisibility(*rg);
}

void MetricPlot::setLogY(bool log) {
    if (log == m_logY) return;
    m_logY = log;
    yAxis->setScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    yAxis->setTicker(log ? m_logTicker : m_linearTicker);
    // "gb": plain decimals, or 1·10⁻⁴ with a real superscript once an exponent is needed.
    yAxis->setNumberFormat(log ? QStringLiteral("gb") : QStringLiteral("gbd"));
    yAxis->setNumberPrecision(log ? 3 : 6);
    rebuildAll([](const SeriesSpec&) { return true; });
    fitToData();
}

void MetricPlot::setFollow(bool follow) {
    if (follow == m_follow) return;
    m_follow = follow;
    if (follow) fitToData();
}

int MetricPlot::specIndex(const std::function<bool(const SeriesSpec&)>& which) const {
    for (size_t s = 0; s < m_specs.size(); ++s)
        if (which(m_specs[s])) return static_cast<int>(s);
    return -1;
}

void MetricPlot::setSpecsVisible(const std::function<bool(const SeriesSpec&)>& which,
                                 bool visible) {
    for (size_t s = 0; s < m_specs.size(); ++s)
        if (which(m_specs[s])) m_specVisible[s] = visible;
    for (auto& rg : m_runs)
        updateVisibility(*rg);
    markDirty(true);
}

bool MetricPlot::isSeriesVisible(Series series) const {
    const int s = specIndex([series](const SeriesSpec& spec) { return spec.series == series; });
    return s >= 0 && m_specVisible[static_cast<size_t>(s)];
}

void MetricPlot::setSeriesVisible(Series series, bool visible) {
    setSpecsVisible([series](const SeriesSpec& spec) { return spec.series == series; }, visible);
}

QList<Series> MetricPlot::series() const {
    QList<Series> list;
    for (const SeriesSpec& spec : m_specs)
        list.append(spec.series);
    return list;
}

QStringList MetricPlot::quantities() const {
    QStringList list;
    for (const SeriesSpec& spec : m_specs)
        if (spec.series == Series::MethodQuantity) list.append(spec.quantity);
    return list;
}

bool MetricPlot::isQuantityVisible(const QString& name) const {
    const int s = specIndex([&name](const SeriesSpec& spec) {
        return spec.series == Series::MethodQuantity && spec.quantity == name;
    });
    return s >= 0 && m_specVisible[static_cast<size_t>(s)];
}

void MetricPlot::setQuantityVisible(const QString& name, bool visible) {
    setSpecsVisible(
        [&name](const SeriesSpec& spec) {
            return spec.series == Series::MethodQuantity && spec.quantity == name;
        },
        visible);
}

QCPGraph* MetricPlot::graph(const Run* run, Series series) const {
    const RunGraphs* rg = find(run);
    const int s = specIndex([series](const SeriesSpec& spec) { return spec.series == series; });
    return rg && s >= 0 ? rg->graphs[static_cast<size_t>(s)] : nullptr;
}

int MetricPlot::pointCount(const Run* run, Series series) const {
    const QCPGraph* g = graph(run, series);
    return g ? g->dataCount() : -1;
}

int MetricPlot::quantityPointCount(const Run* run, const QString& name) const {
    const RunGraphs* rg = find(run);
    const int s = specIndex([&name](const SeriesSpec& spec) {
        return spec.series == Series::MethodQuantity && spec.quantity == name;
    });
    return rg && s >= 0 ? rg->graphs[static_cast<size_t>(s)]->dataCount() : -1;
}

void MetricPlot::updateVisibility(RunGraphs& rg) {
    const bool runVisible = rg.run->isVisible() && !isGrouped(rg);
    for (size_t s = 0; s < m_specs.size(); ++s)
        rg.graphs[s]->setVisible(runVisible && m_specVisible[s]);
}

void MetricPlot::updateLegend() {
    // Colour says which run (the run legend beside the plots), line style says which
    // series: one grey entry per kind of series on show, never one per run.
    legend->clearItems();
    for (size_t s = 0; s < m_specs.size(); ++s) {
        if (!m_specVisible[s]) continue;
        const bool hasData = std::any_of(m_runs.begin(), m_runs.end(), [s](const auto& rg) {
            return rg->run->isVisible() && !rg->graphs[s]->data()->isEmpty();
        });
        if (hasData) m_kindGraphs[s]->addToLegend();
    }
    // Items clip to the font's height, which cuts the underscore of "max_lr" off.
    for (int i = 0; i < legend->itemCount(); ++i)
        if (QCPAbstractLegendItem* item = legend->item(i)) // a wrapped grid has empty cells
            item->setMargins(QMargins(0, 0, 0, 2));
    legend->setVisible(legend->itemCount() > 0 && !m_legendFolded);
    m_legendDirty = false;
}

void MetricPlot::updateAxisLabels() {
    switch (m_xAxisMode) {
    case XAxisMode::Step:
        xAxis->setLabel(QStringLiteral("step"));
        break;
    case XAxisMode::Epoch:
        xAxis->setLabel(QStringLiteral("epoch"));
        break;
    case XAxisMode::WallTime:
        xAxis->setLabel(QStringLiteral("wall time (s)"));
        break;
    }
}

void MetricPlot::fitToData() {
    applyFit();
    markDirty();
}

void MetricPlot::applyFit() {
    Range keys;
    std::vector<plotmodel::RunRange> ranges;
    std::vector<const Run*> who;
    for (const auto& rg : m_runs) {
        if (!rg->run->isVisible()) continue;
        Range values;
        for (size_t s = 0; s < m_specs.size(); ++s) {
            if (!m_specVisible[s] || !rg->values[s].valid) continue;
            if (m_logX && !(rg->keys[s].lower > 0.0)) {
                keys.include(rg->keys[s].upper); // a log axis starts at the first key > 0
            } else {
                keys.include(rg->keys[s].lower);
                keys.include(rg->keys[s].upper);
            }
            values.include(rg->values[s].lower);
            values.include(rg->values[s].upper);
        }
        if (!values.valid) continue;
        ranges.push_back({values.lower, values.upper, true, rg->diverged});
        who.push_back(rg->run);
    }
    if (keys.valid) {
        if (m_logX && keys.lower > 0.0) {
            xAxis->setRange(keys.lower / 1.05, keys.upper * 1.05);
        } else {
            // Steps, epochs and seconds count from 0: a series that begins later (the
            // per-epoch meter) shows where along the run it is.
            if (!m_logX && keys.lower > 0.0) keys.include(0.0);
            const double pad = keys.upper > keys.lower ? 0.02 * (keys.upper - keys.lower) : 0.5;
            xAxis->setRange(keys.lower - pad, keys.upper + pad);
        }
    }
    // One diverged run (a loss of 1e25) must not flatten every other curve: the range
    // covers the others, and the note names what is clipped.
    const plotmodel::AxisRange robust = plotmodel::robustRange(ranges, m_logY);
    m_clipped.clear();
    for (size_t i : robust.outliers)
        m_clipped << who[i];
    updateClipNote();
    Range values;
    if (robust.valid) {
        values.include(robust.lower);
        values.include(robust.upper);
    }
    if (m_fixedY) {
        yAxis->setRange(m_fixedLower, m_fixedUpper);
    } else if (values.valid) {
        if (m_logY) {
            // A margin of 5% of the decades shown, on each side.
            const double span = std::log10(values.upper / values.lower);
            const double f = std::pow(10.0, span > 0 ? 0.05 * span : 0.3);
            yAxis->setRange(values.lower / f, values.upper * f);
        } else {
            const double size = values.upper - values.lower;
            const double pad =
                size > 0 ? 0.05 * size : std::max(1e-9, 0.1 * std::abs(values.upper));
            yAxis->setRange(values.lower - pad, values.upper + pad);
        }
    }
}

void MetricPlot::updateClipNote() {
    QStringList names;
    for (const Run* r : m_clipped)
        names << r->displayName();
    m_clipNote->setVisible(!names.isEmpty() && !m_fixedY);
    // Short: the note must fit a quarter of the window.
    if (names.size() > 2) names = names.mid(0, 1) << tr("%n more", "", names.size() - 1);
    m_clipNote->setText(tr("clipped: %1").arg(names.join(QStringLiteral(", "))));
}

void MetricPlot::setEmptyHint(const QString& text) {
    m_emptyHint->setText(text);
}

void MetricPlot::updateEmptyHint() {
    bool empty = true;
    for (const auto& rg : m_runs)
        for (size_t s = 0; empty && s < m_specs.size(); ++s)
            empty = !(rg->run->isVisible() && m_specVisible[s] && rg->values[s].valid);
    m_emptyHint->setVisible(empty);
}

void MetricPlot::placeOnLayer(RunGraphs& rg) {
    rg.live = rg.run->isLive();
    for (size_t i = 0; i < m_specs.size(); ++i)
        rg.graphs[i]->setLayer(rg.live            ? QStringLiteral("live")
                               : m_specs[i].faint ? QStringLiteral("faint")
                                                  : QStringLiteral("main"));
}

void MetricPlot::markRunData(RunGraphs& rg) {
    // New points only: its seed group's band is recomputed, not every group rebuilt.
    m_dataDirtyRuns.insert(rg.run);
    m_dirty = true;
    m_fullReplot = m_fullReplot || !rg.live;
    if (!m_replotTimer.isActive()) m_replotTimer.start();
}

void MetricPlot::refreshGroupData() {
    for (auto& group : m_groups) {
        const bool touched =
            std::any_of(group->members.begin(), group->members.end(),
                        [this](const Run* r) { return m_dataDirtyRuns.count(r) != 0; });
        if (!touched) continue;
        std::vector<RunGraphs*> members;
        for (const Run* r : group->members)
            if (RunGraphs* rg = find(r)) members.push_back(rg);
        for (size_t s = 0; s < m_specs.size(); ++s) {
            QCPGraph* lower = group->graphs[3 * s];
            if (!lower) continue;
            std::vector<plotmodel::Curve> curves;
            for (RunGraphs* m : members)
                curves.push_back(curveOf(m->graphs[s]));
            group->bands[s] = plotmodel::aggregate(curves, *m_grouping);
            setBandData(group->graphs, s, group->bands[s]);
        }
    }
}

void MetricPlot::setBandData(const std::vector<QCPGraph*>& graphs, size_t s,
                             const plotmodel::Band& b) {
    // A filled band of 2,000 noisy points per group costs the raster engine seconds with 15
    // groups: its edges are drawn from at most one point per pixel column (each bucket's mean
    // lower and upper edge: the band as it reads, not the envelope of its noise), the mean
    // line from every point.
    const int width = axisRect()->width() > 0 ? axisRect()->width() : 800;
    const size_t buckets = static_cast<size_t>(std::max(50, width));
    QVector<double> x, lower, upper;
    if (b.x.size() <= buckets) {
        x = QVector<double>(b.x.begin(), b.x.end());
        lower = QVector<double>(b.lower.begin(), b.lower.end());
        upper = QVector<double>(b.upper.begin(), b.upper.end());
    } else {
        const size_t per = (b.x.size() + buckets - 1) / buckets;
        for (size_t i = 0; i < b.x.size(); i += per) {
            const size_t end = std::min(b.x.size(), i + per);
            double lo = 0.0, hi = 0.0, kx = 0.0;
            for (size_t j = i; j < end; ++j) {
                lo += b.lower[j];
                hi += b.upper[j];
                kx += b.x[j];
            }
            const double n = static_cast<double>(end - i);
            x.append(kx / n);
            lower.append(lo / n);
            upper.append(hi / n);
        }
    }
    graphs[3 * s]->setData(x, lower, true);
    graphs[3 * s + 1]->setData(x, upper, true);
    graphs[3 * s + 2]->setData(QVector<double>(b.x.begin(), b.x.end()),
                               QVector<double>(b.mean.begin(), b.mean.end()), true);
    graphs[3 * s + 1]->setAntialiasedFill(!m_manyRuns);
}

void MetricPlot::markDirty(bool legendToo, bool liveOnly) {
    m_dirty = true;
    m_fullReplot = m_fullReplot || !liveOnly;
    m_groupsDirty = true;
    m_legendDirty = m_legendDirty || legendToo;
    if (!m_replotTimer.isActive()) m_replotTimer.start();
}

void MetricPlot::updateDensity() {
    const auto shown = std::count_if(m_runs.begin(), m_runs.end(),
                                     [](const auto& rg) { return rg->run->isVisible(); });
    const bool many = shown > kManyRuns;
    if (many == m_manyRuns) return;
    m_manyRuns = many;
    for (auto& rg : m_runs)
        restyle(*rg);
    m_groupsDirty = true;
}

void MetricPlot::onReplotTimer() {
    if (!m_dirty) return;
    redraw(QCustomPlot::rpQueuedReplot);
}

void MetricPlot::flush() {
    m_replotTimer.stop();
    redraw(QCustomPlot::rpImmediateRefresh);
}

void MetricPlot::redraw(QCustomPlot::RefreshPriority priority) {
    const RefreshPacer::Cost cost;
    m_dirty = false;
    updateDensity();
    if (m_grouping) {
        if (m_groupsDirty)
            rebuildGroups();
        else if (!m_dataDirtyRuns.empty())
            refreshGroupData();
    }
    m_dataDirtyRuns.clear();
    const QCPRange x = xAxis->range(), y = yAxis->range();
    const QList<const Run*> clipped = m_clipped;
    if (m_follow) applyFit();
    if (m_legendDirty) {
        updateLegend();
        m_fullReplot = true;
    }
    // Only the training runs' points changed, and the axes stay: redraw their layer alone.
    const bool liveOnly = !m_fullReplot && !m_grouping && isVisible() && width() > 0 &&
                          height() > 0 && xAxis->range() == x && yAxis->range() == y &&
                          m_clipped == clipped;
    m_fullReplot = false;
    if (liveOnly) {
        updateScatterSkip();
        layer(QStringLiteral("live"))->replot();
        if (priority == QCustomPlot::rpImmediateRefresh) repaint();
    } else {
        replot(priority);
    }
}

void MetricPlot::updateScatterSkip() {
    // QCustomPlot 2.1 thins scatter points per pixel column by their value spread, and keeps
    // all of them when the spread is zero (its modulo overflows). Clipped markers all sit on
    // max_lr, so 400k of them would all be drawn (60 ms). Draw at most one marker every
    // kMarkerSpacingPx instead, which also keeps dense markers apart enough to read as
    // markers rather than as a thicker line.
    constexpr int kMarkerSpacingPx = 7;
    const int maxMarkers = std::max(1, axisRect()->width() / kMarkerSpacingPx);
    const QCPRange range = xAxis->range();
    for (const auto& rg : m_runs) {
        for (QCPGraph* g : rg->graphs) {
            if (g->scatterStyle().isNone() || !g->visible()) continue;
            const auto data = g->data();
            const int count = static_cast<int>(data->findEnd(range.upper, false) -
                                               data->findBegin(range.lower, false));
            g->setScatterSkip(count > maxMarkers ? (count + maxMarkers - 1) / maxMarkers - 1 : 0);
        }
    }
}

void MetricPlot::fitTickCounts() {
    // As many ticks as their labels have room for, so that they never run into each other on
    // a narrow dock, a 1280x720 screen or with presentation mode's larger text.
    const QFontMetrics across(xAxis->tickLabelFont()), up(yAxis->tickLabelFont());
    const int x = fittingTickCount(axisRect()->width(),
                                   3 * across.horizontalAdvance(QStringLiteral("00000")) / 2);
    const int y = fittingTickCount(axisRect()->height(), 3 * up.height());
    for (const auto& ticker : {m_linearXTicker, m_logXTicker})
        ticker->setTickCount(x);
    for (const auto& ticker : {m_linearTicker, m_logTicker})
        ticker->setTickCount(y);
    // The height the legend and the axes share, in the layout this replot is about to make
    // (a resize has changed the viewport, not yet the elements' rects).
    const int shared = axisRect()->height() +
                       (legend->visible() ? legend->outerRect().height() : 0) +
                       viewport().height() - plotLayout()->outerRect().height();
    // The series legend above the axes wraps onto more rows rather than cutting its names
    // short ("mini-bat") where the plot is narrow, and folds away where the axes would keep
    // less than four lines of tick labels.
    int axesHeight = shared;
    bool fold = false;
    if (legend->itemCount() > 0) {
        const int needed = wrapLegend(legend, width());
        fold = shared - needed < 4 * up.height();
        if (!fold) axesHeight -= needed;
    }
    if (fold != m_legendFolded) {
        // A hidden element still holds its row's height: the folded legend leaves the layout.
        m_legendFolded = fold;
        if (fold)
            plotLayout()->take(legend);
        else
            plotLayout()->addElement(kLegendRow, 0, legend);
        legend->setVisible(legend->itemCount() > 0 && !fold);
    }
    // The full value label where the axis is long enough for it, else the short one.
    if (!m_valueLabel.isEmpty()) fitAxisLabel(yAxis, m_valueLabel, m_shortValueLabel, axesHeight);
}

void MetricPlot::stopFollowingByUser() {
    if (!m_follow) return;
    m_follow = false;
    Q_EMIT followChanged(false);
}

void MetricPlot::showToolTip(QMouseEvent* event) {
    const QPointF pos = event->position();
    if (!axisRect()->rect().contains(pos.toPoint())) {
        QToolTip::hideText();
        return;
    }
    const double key = xAxis->pixelToCoord(pos.x());
    QStringList lines;
    for (const auto& rg : m_runs) {
        if (!rg->run->isVisible()) continue;
        double bestDistance = std::numeric_limits<double>::infinity();
        double bestKey = 0.0, bestValue = 0.0;
        int bestSpec = -1;
        for (size_t s = 0; s < m_specs.size(); ++s) {
            const QCPGraph* g = rg->graphs[s];
            if (!g->visible() || g->data()->isEmpty()) continue;
            auto it = g->data()->findBegin(key, true);
            for (int j = 0; j < 2 && it != g->data()->constEnd(); ++j, ++it) {
                if (!std::isfinite(it->value)) continue;
                const double dx = xAxis->coordToPixel(it->key) - pos.x();
                const double dy = yAxis->coordToPixel(it->value) - pos.y();
                const double d = std::hypot(dx, dy);
                if (std::abs(dx) <= kToolTipRadiusPx && d < bestDistance) {
                    bestDistance = d;
                    bestKey = it->key;
                    bestValue = it->value;
                    bestSpec = static_cast<int>(s);
                }
            }
        }
        if (bestSpec < 0) continue;
        QString x;
        switch (m_xAxisMode) {
        case XAxisMode::Step:
            x = QStringLiteral("step %1").arg(bestKey, 0, 'f', 0);
            break;
        case XAxisMode::Epoch:
            x = QStringLiteral("epoch %1").arg(bestKey, 0, 'f', 2);
            break;
        case XAxisMode::WallTime:
            x = QStringLiteral("%1 s").arg(bestKey, 0, 'f', 1);
            break;
        }
        lines << QStringLiteral("<span style='color:%1'>&#9632;</span> <b>%2</b> %3<br>"
                                "&nbsp;&nbsp;&nbsp;%4: %5")
                     .arg(rg->run->color().name(), rg->run->displayName().toHtmlEscaped(),
                          m_specs[bestSpec].kindName.toHtmlEscaped(), x, formatValue(bestValue));
    }
    if (lines.isEmpty()) {
        QToolTip::hideText();
        return;
    }
    QToolTip::showText(event->globalPosition().toPoint(), lines.join(QStringLiteral("<br>")), this);
}

bool MetricPlot::savePng(const QString& path, int width, int height, double scale) {
    flush();
    return QCustomPlot::savePng(path, width, height, scale);
}

bool MetricPlot::savePdf(const QString& path, int width, int height) {
    flush();
    // Non-cosmetic pens keep line widths right when a viewer zooms into the PDF.
    return QCustomPlot::savePdf(path, width, height, QCP::epNoCosmetic,
                                QStringLiteral("ALI-G Studio"));
}

bool MetricPlot::copyToClipboard() {
    flush();
    const QPixmap pixmap = toPixmap();
    if (pixmap.isNull() || !QGuiApplication::clipboard()) return false;
    QGuiApplication::clipboard()->setPixmap(pixmap);
    return true;
}

void MetricPlot::contextMenuEvent(QContextMenuEvent* event) {
    QMenu menu(this);
    menu.addAction(tr("Fit to data"), this, [this] {
        fitToData();
        if (!m_follow) {
            m_follow = true;
            Q_EMIT followChanged(true);
        }
    });
    menu.addAction(tr("Set Y Range…"), this, [this] {
        bool ok = false;
        const QCPRange now = yAxis->range();
        const double lower = QInputDialog::getDouble(this, tr("Y range"), tr("Lowest value:"),
                                                     now.lower, -1e300, 1e300, 6, &ok);
        if (!ok) return;
        const double upper = QInputDialog::getDouble(this, tr("Y range"), tr("Highest value:"),
                                                     now.upper, -1e300, 1e300, 6, &ok);
        if (ok && !setYRange(lower, upper))
            QMessageBox::warning(this, tr("Y range"),
                                 tr("The lowest value must be below the highest%1.")
                                     .arg(m_logY ? tr(", and above 0 on a log axis") : QString()));
    });
    QAction* automatic = menu.addAction(tr("Automatic Y Range"), this, [this] { clearYRange(); });
    automatic->setEnabled(m_fixedY);
    QAction* logX = menu.addAction(tr("Log X Axis"));
    logX->setCheckable(true);
    logX->setChecked(m_logX);
    connect(logX, &QAction::toggled, this, [this](bool on) { setLogX(on); });
    menu.addSeparator();
    menu.addAction(tr("Save as PNG…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save plot as PNG"), {},
                                                          tr("PNG images (*.png)"));
        // Twice the screen resolution: sharp on slides and in reports.
        if (!path.isEmpty() && !savePng(path, 0, 0, 2.0))
            QMessageBox::warning(this, tr("Save plot"), tr("Could not write %1.").arg(path));
    });
    menu.addAction(tr("Save as PDF…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save plot as PDF"), {},
                                                          tr("PDF documents (*.pdf)"));
        if (!path.isEmpty() && !savePdf(path))
            QMessageBox::warning(this, tr("Save plot"), tr("Could not write %1.").arg(path));
    });
    menu.addAction(tr("Copy to clipboard"), this, [this] { copyToClipboard(); });
    menu.exec(event->globalPos());
}

} // namespace alig::ui
