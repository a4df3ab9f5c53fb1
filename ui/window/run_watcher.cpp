#include "ui/window/run_watcher.h"

#include "core/experiment/run_store.h"
#include "core/experiment/run_tail.h"
#include "core/util/error.h"
#include "ui/run/run.h"
#include "ui/window/run_library.h"

#include <nlohmann/json.hpp>

#include <QDateTime>
#include <QDir>
#include <QFileInfo>

#include <algorithm>

namespace alig::ui {

QString RunWatcher::idFor(const QString& dir) {
    return "watch:" + QFileInfo(dir).absoluteFilePath();
}

RunWatcher::RunWatcher(const QString& dir, RunRegistry& registry, QObject* parent)
    : QObject(parent)
    , m_dir(QFileInfo(dir).absoluteFilePath()) {
    if (!QFileInfo::exists(m_dir + "/run.json"))
        throw core::Error(m_dir.toStdString() + ": not a run folder (no run.json yet)");
    m_tail = std::make_unique<core::RunTail>(m_dir.toStdString());
    core::RunTail::Update first = m_tail->poll();
    if (!first.infoChanged) throw core::Error(m_dir.toStdString() + "/run.json: cannot be read");
    Run* run = runFromInfo(idFor(m_dir), m_dir, first.info, registry);
    run->setWatched(true);
    run->appendSteps(first.steps);
    run->appendEpochs(first.epochs);
    m_run = run;
    m_status = first.info.value("status", std::string());
    m_message = QString::fromStdString(first.info.value("message", std::string()));
    m_sinceData.start();
    QDateTime newest;
    for (const char* file : {"/run.json", "/metrics.csv", "/epochs.csv"}) {
        const QFileInfo info(m_dir + file);
        if (info.exists() && (newest.isNull() || info.lastModified() > newest))
            newest = info.lastModified();
    }
    if (!newest.isNull())
        m_silentBeforeMs = std::max<qint64>(0, newest.msecsTo(QDateTime::currentDateTime()));
    updateStatus();
    registry.add(run);
    m_timer.setInterval(500);
    connect(&m_timer, &QTimer::timeout, this, &RunWatcher::poll);
    m_timer.start();
}

RunWatcher::~RunWatcher() = default;

void RunWatcher::poll() {
    if (!m_run) return;
    core::RunTail::Update u = m_tail->poll();
    if (u.reset) m_run->clearMetrics(); // a resume replaced the files: their rows again
    m_run->appendSteps(u.steps);
    m_run->appendEpochs(u.epochs);
    if (u.grew) {
        m_sinceData.restart();
        m_silentBeforeMs = 0;
    }
    if (u.infoChanged) {
        const auto status = u.info.value("status", nlohmann::json());
        m_status = status.is_string() ? status.get<std::string>() : std::string();
        const auto message = u.info.value("message", nlohmann::json());
        m_message =
            message.is_string() ? QString::fromStdString(message.get<std::string>()) : QString();
        const auto steps = u.info.value("steps_per_epoch", nlohmann::json());
        if (steps.is_number_integer()) m_run->setStepsPerEpoch(steps.get<int64_t>());
        m_sinceData.restart(); // a new run.json is a sign of life too
        m_silentBeforeMs = 0;
    }
    updateStatus();
}

void RunWatcher::updateStatus() {
    nlohmann::json info = {{"status", m_status}};
    if (const auto ended = endedStatus(info)) {
        m_run->setActivity({});
        if (m_run->status() != *ended || m_run->message() != m_message)
            m_run->setStatus(*ended, m_message);
        return;
    }
    if (m_run->status() != core::RunStatus::Running)
        m_run->setStatus(core::RunStatus::Running); // resumed after it had ended
    if (m_status == core::kPausedStatus) {
        m_run->setActivity(tr("paused"));
        return;
    }
    const qint64 silent = m_silentBeforeMs + m_sinceData.elapsed();
    const bool stale = silent > static_cast<qint64>(m_staleSeconds * 1000.0);
    m_run->setActivity(stale ? tr("stale") : tr("training"));
}

} // namespace alig::ui
