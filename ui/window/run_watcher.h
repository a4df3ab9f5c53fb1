#pragma once
// A run folder that another process writes, followed live: alig-train in another terminal,
// a torchrun job's rank 0, the Python logger in a user's own loop, or a run on another
// machine whose folder is shared or synced here. The watcher polls the folder on a timer
// (core::RunTail: files on a network or synced folder send no reliable change events),
// appends the new rows to its Run, so every plot follows, and takes the status from
// run.json: training, paused, how it ended, or "stale" when run.json says it trains but no
// byte has arrived for staleSeconds() (a killed writer, a machine gone). It never writes
// into the folder. MainWindow owns one per watched folder (File > Watch Run Folder).

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include <memory>

namespace alig::core {
class RunTail;
}

namespace alig::ui {

class Run;
class RunRegistry;

class RunWatcher : public QObject {
    Q_OBJECT

public:
    // Reads what the folder holds now into a new Run, adds it to `registry` and follows it.
    // Throws core::Error naming the folder when it holds no readable run.json.
    RunWatcher(const QString& dir, RunRegistry& registry, QObject* parent = nullptr);
    ~RunWatcher() override;

    Run* run() const { return m_run; }
    QString dir() const { return m_dir; }
    // The run's id in the registry for a watched folder.
    static QString idFor(const QString& dir);

    static constexpr double kDefaultStaleSeconds = 120.0;
    double staleSeconds() const { return m_staleSeconds; }
    // Longer than the writer's longest silence: its rows reach the disk every 2 s or less,
    // but an epoch's evaluation writes nothing while it lasts.
    void setStaleSeconds(double seconds) { m_staleSeconds = seconds; }
    void setPollInterval(int ms) { m_timer.setInterval(ms); }

    // Reads what arrived (the timer calls it).
    void poll();

private:
    void updateStatus();

    QString m_dir;
    std::unique_ptr<core::RunTail> m_tail;
    QPointer<Run> m_run;
    QTimer m_timer;
    QElapsedTimer m_sinceData;
    // Until the first new byte: how long the folder had been silent when watching began (its
    // files' age), so a writer that died before the window looked is stale at once.
    qint64 m_silentBeforeMs = 0;
    double m_staleSeconds = kDefaultStaleSeconds;
    std::string m_status; // run.json's last "status"
    QString m_message;
};

} // namespace alig::ui
