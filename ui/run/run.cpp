#include "ui/run/run.h"

#include "core/experiment/run_label.h"
#include "core/optim/optimizer_catalogue.h"

#include <nlohmann/json.hpp>

#include <QFileInfo>
#include <QSettings>

#include <algorithm>
#include <cmath>

namespace alig::ui {

Run::Run(QString id, QString name, QColor color, core::ExperimentConfig config, QObject* parent)
    : QObject(parent)
    , m_id(std::move(id))
    , m_name(std::move(name))
    , m_color(std::move(color))
    , m_config(std::move(config)) {}

void Run::setName(const QString& name) {
    if (name == m_name) return;
    m_name = name;
    Q_EMIT changed();
}

void Run::setAutoLabel(const QString& label) {
    if (label == m_autoLabel) return;
    m_autoLabel = label;
    Q_EMIT changed();
}

QString Run::displayName() const {
    return m_renamed || m_autoLabel.isEmpty() ? m_name : m_autoLabel;
}

void Run::setColor(const QColor& color) {
    if (color == m_color || !color.isValid()) return;
    m_color = color;
    Q_EMIT colorChanged(color);
    Q_EMIT changed();
}

void Run::setPaused(bool paused) {
    if (paused == m_paused) return;
    m_paused = paused;
    Q_EMIT changed();
}

void Run::noteMaxLrChange(double value) {
    m_maxLrChanges.push_back({m_steps.empty() ? 0 : m_steps.back().step, value});
    Q_EMIT changed();
}

void Run::setVisible(bool visible) {
    if (visible == m_visible) return;
    m_visible = visible;
    Q_EMIT visibilityChanged(visible);
    Q_EMIT changed();
}

void Run::setRunDir(const QString& dir) {
    m_runDir = dir;
}

void Run::setLive(bool live) {
    m_live = live;
    Q_EMIT changed();
}

void Run::setActivity(const QString& activity) {
    if (activity == m_activity) return;
    m_activity = activity;
    Q_EMIT changed();
}

void Run::setStatus(core::RunStatus status, const QString& message) {
    m_status = status;
    m_message = message;
    Q_EMIT changed();
}

double Run::stepsPerSecond() const {
    if (m_live && m_paused) return 0.0; // nothing moves while paused
    if (m_live || m_steps.empty()) return m_stepsPerSecond;
    // Steps and elapsed both count from the run's start (a resumed run's too).
    const auto& last = m_steps.back();
    return last.elapsed > 0 ? static_cast<double>(last.step) / last.elapsed : 0.0;
}

void Run::setStepsPerSecond(double rate) {
    m_stepsPerSecond = rate;
    Q_EMIT changed();
}

bool Run::isMaxLrChangeStep(int64_t step) const {
    for (const MaxLrChange& c : m_maxLrChanges)
        if (c.atStep == step) return true;
    return false;
}

void Run::appendSteps(const std::vector<core::StepMetrics>& steps) {
    if (steps.empty()) return;
    const int first = static_cast<int>(m_steps.size());
    // A change asked for while these steps were in flight shows from the first step that took
    // it (the worker hands its metrics over in batches).
    for (MaxLrChange& c : m_maxLrChanges) {
        if (c.atStep >= 0) continue;
        for (const core::StepMetrics& m : steps)
            if (m.step > c.afterStep &&
                (m.maxLr == c.value || (std::isnan(m.maxLr) && std::isnan(c.value)))) {
                c.atStep = m.step;
                break;
            }
    }
    m_steps.insert(m_steps.end(), steps.begin(), steps.end());
    Q_EMIT stepsAppended(first);
}

void Run::appendEpochs(const std::vector<core::EpochMetrics>& epochs) {
    if (epochs.empty()) return;
    const int first = static_cast<int>(m_epochs.size());
    m_epochs.insert(m_epochs.end(), epochs.begin(), epochs.end());
    for (const auto& e : epochs)
        m_bestTestAccuracy = std::max(m_bestTestAccuracy, e.testAccuracy);
    Q_EMIT epochsAppended(first);
    Q_EMIT changed();
}

void Run::clearMetrics() {
    m_steps.clear();
    m_epochs.clear();
    m_bestTestAccuracy = 0.0;
    Q_EMIT metricsCleared();
    Q_EMIT changed();
}

QString Run::optimizerSummary() const {
    if (!m_summary.isEmpty()) return m_summary;
    QString text = QString::fromStdString(core::describeOptimizer(m_config.optimizer));
    if (!m_maxLrChanges.empty()) {
        const MaxLrChange& last = m_maxLrChanges.back();
        text += QStringLiteral(" → %1 (live, after step %2)")
                    .arg(std::isnan(last.value) ? QStringLiteral("no cap")
                                                : QString::number(last.value, 'g', 4))
                    .arg(last.atStep >= 0 ? last.atStep - 1 : last.afterStep);
    }
    return text;
}

RunRegistry::RunRegistry(QObject* parent)
    : QObject(parent) {}

Run* RunRegistry::find(const QString& id) const {
    for (Run* r : m_runs)
        if (r->id() == id) return r;
    return nullptr;
}

void RunRegistry::add(Run* run) {
    run->setParent(this);
    m_runs.append(run);
    connect(run, &Run::visibilityChanged, this, &RunRegistry::updateAutoLabels);
    // A colour the user picked for this run, in an earlier session too.
    const QString key = QStringLiteral("runColors/") + run->id();
    const QColor picked(QSettings().value(key).toString());
    if (picked.isValid()) run->setColor(picked);
    connect(run, &Run::colorChanged, this,
            [key](const QColor& c) { QSettings().setValue(key, c.name()); });
    updateAutoLabels();
    Q_EMIT runAdded(run);
}

void RunRegistry::remove(Run* run) {
    if (!m_runs.removeOne(run)) return;
    disconnect(run, nullptr, this, nullptr);
    updateAutoLabels();
    Q_EMIT runRemoved(run);
    run->deleteLater();
}

bool RunRegistry::isNameTaken(const QString& name, const Run* except) const {
    return std::any_of(m_runs.begin(), m_runs.end(),
                       [&](const Run* r) { return r != except && r->name() == name; });
}

QString RunRegistry::uniqueName(const QString& base) const {
    QString name = base;
    for (int n = 2; isNameTaken(name); ++n)
        name = QStringLiteral("%1 #%2").arg(base).arg(n);
    return name;
}

Run* RunRegistry::findByDir(const QString& dir) const {
    if (dir.isEmpty()) return nullptr;
    const QString canonical = QFileInfo(dir).canonicalFilePath();
    for (Run* r : m_runs) {
        if (r->runDir().isEmpty()) continue;
        if (r->runDir() == dir ||
            (!canonical.isEmpty() && QFileInfo(r->runDir()).canonicalFilePath() == canonical))
            return r;
    }
    return nullptr;
}

void RunRegistry::updateAutoLabels() {
    // The labels of the runs on show compare them with each other; a hidden run's compares
    // it with every run, so that it reads right the moment it is ticked.
    auto labelsOf = [](const QList<Run*>& set) {
        std::vector<nlohmann::json> configs;
        for (const Run* r : set)
            configs.push_back(r->config().toJson());
        return core::differingLabels(configs);
    };
    QList<Run*> shown;
    for (Run* r : m_runs)
        if (r->isVisible()) shown << r;
    const auto shownLabels = labelsOf(shown);
    const auto allLabels = shown.size() < m_runs.size() ? labelsOf(m_runs) : shownLabels;
    for (int i = 0, k = 0; i < m_runs.size(); ++i) {
        const bool visible = m_runs[i]->isVisible();
        const std::string& label =
            visible ? shownLabels[static_cast<size_t>(k++)] : allLabels[static_cast<size_t>(i)];
        m_runs[i]->setAutoLabel(QString::fromStdString(label));
    }
}

const QList<QColor>& RunRegistry::palette() {
    // Okabe & Ito (2008) first, ordered so the first runs get the most distinct colours on
    // white, then Paul Tol's muted and dark sets for comparisons of dozens of runs. Yellow
    // comes last: it reads poorly on white. 24 colours before one repeats.
    static const QList<QColor> colors = [] {
        QList<QColor> list;
        for (const char* hex : {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
                                "#000000", "#882255", "#117733", "#332288", "#999933", "#AA4499",
                                "#44AA99", "#661100", "#6699CC", "#888888", "#CC6677", "#004488",
                                "#997700", "#5D3A9B", "#88CCEE", "#994455", "#DDCC77", "#F0E442"})
            list << QColor(hex);
        return list;
    }();
    return colors;
}

QColor RunRegistry::nextColor() {
    const auto& colors = palette();
    return colors[m_nextColor++ % colors.size()];
}

} // namespace alig::ui
