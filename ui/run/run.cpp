#include "ui/run/run.h"

#include "core/optim/optimizer_catalogue.h"

#include <algorithm>

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
    if (m_live || m_steps.empty()) return m_stepsPerSecond;
    // Steps and elapsed both count from the run's start (a resumed run's too).
    const auto& last = m_steps.back();
    return last.elapsed > 0 ? static_cast<double>(last.step) / last.elapsed : 0.0;
}

void Run::setStepsPerSecond(double rate) {
    m_stepsPerSecond = rate;
    Q_EMIT changed();
}

void Run::appendSteps(const std::vector<core::StepMetrics>& steps) {
    if (steps.empty()) return;
    const int first = static_cast<int>(m_steps.size());
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
    return QString::fromStdString(core::describeOptimizer(m_config.optimizer));
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
    Q_EMIT runAdded(run);
}

void RunRegistry::remove(Run* run) {
    if (!m_runs.removeOne(run)) return;
    Q_EMIT runRemoved(run);
    run->deleteLater();
}

const QList<QColor>& RunRegistry::palette() {
    // Okabe & Ito (2008), ordered so the first runs get the most distinct colours on white;
    // yellow comes last because it reads poorly on a white background.
    static const QList<QColor> colors{QColor(0x00, 0x72, 0xB2), QColor(0xD5, 0x5E, 0x00),
                                      QColor(0x00, 0x9E, 0x73), QColor(0xCC, 0x79, 0xA7),
                                      QColor(0xE6, 0x9F, 0x00), QColor(0x56, 0xB4, 0xE9),
                                      QColor(0x00, 0x00, 0x00), QColor(0xF0, 0xE4, 0x42)};
    return colors;
}

QColor RunRegistry::nextColor() {
    const auto& colors = palette();
    return colors[m_nextColor++ % colors.size()];
}

} // namespace alig::ui
