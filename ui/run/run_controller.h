#pragma once
// Runs one experiment on its own QThread and feeds a Run with its metrics. The worker
// object owns the core RunSession on the training thread; metrics cross to the UI through
// a mutex-guarded buffer that a ~30 Hz timer drains, so a fast model never floods the
// event loop with one signal per step, and the training thread never waits on the UI.

#include "core/experiment/experiment_config.h"
#include "core/train/metrics.h"
#include "core/train/training_observer.h"
#include "ui/run/run.h"

#include <QObject>
#include <QPointer>
#include <QThread>
#include <QTimer>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace alig::core {
class Trainer;
class RunSession;
} // namespace alig::core

namespace alig::ui {

// Collects metrics on the training thread; the UI takes them in batches.
class MetricsBuffer : public core::TrainingObserver {
public:
    void onRunStart(const core::RunStartInfo& info) override;
    void onSteps(const std::vector<core::StepMetrics>& steps) override;
    void onEpoch(const core::EpochMetrics& epoch) override;

    struct Batch {
        std::vector<core::StepMetrics> steps;
        std::vector<core::EpochMetrics> epochs;
        int64_t stepsPerEpoch = 0;
    };
    // Everything received since the last call.
    Batch take();

private:
    std::mutex m_mutex;
    Batch m_pending;
};

// Lives on the training thread: builds the session (loading data there, not on the UI
// thread), trains, and reports the outcome with queued signals.
class TrainingWorker : public QObject {
    Q_OBJECT

public:
    TrainingWorker(core::ExperimentConfig config, QString runsDir, QString resumeDir,
                   std::shared_ptr<MetricsBuffer> buffer);
    ~TrainingWorker() override;

    // Before work(): runs on the training thread once the session is built, before training
    // (the playground adds its decision-boundary observer there).
    std::function<void(core::RunSession&)> sessionHook;
    // Before work(): false trains without a run directory (the playground's throwaway runs).
    bool record = true;
    // Before work(): run.json's run_id (empty: a new one).
    QString runId;

    // Thread-safe: the run's display name in run.json, now if the session exists, else as
    // soon as it does (and the name it is created with). False once training has ended:
    // run.json is the caller's to edit then.
    bool rename(const QString& name);

    // Thread-safe: runs f on the trainer now when it exists, or as soon as it does (a
    // press of Pause or Step while the data still loads is not lost).
    void control(std::function<void(core::Trainer&)> f);

public Q_SLOTS:
    void work();

Q_SIGNALS:
    // The session is built and training starts.
    void prepared(const QString& runDir, qint64 stepsPerEpoch, const QString& device,
                  const QString& summary);
    // The session could not be built (bad dataset file, bad model...): nothing trained.
    void failed(const QString& message);
    void finished(int status, const QString& message);

private:
    core::ExperimentConfig m_config;
    QString m_runsDir, m_resumeDir;
    std::shared_ptr<MetricsBuffer> m_buffer;
    std::unique_ptr<core::RunSession> m_session;
    std::mutex m_mutex; // guards m_trainer, m_pending, m_name, m_live and m_liveName
    core::Trainer* m_trainer = nullptr;
    QString m_name;                     // the display name run.json should hold
    core::RunSession* m_live = nullptr; // the session while it may write run.json
    QString m_liveName;                 // the name m_live last wrote
    bool m_ended = false;               // run() returned: run.json is written for good
    std::vector<std::function<void(core::Trainer&)>> m_pending;
};

class RunController : public QObject {
    Q_OBJECT

public:
    // A new run folder goes under `runsDir` (empty: the run store's default), unless the
    // config names one (output.dir). `resumeDir`: continue that run instead.
    RunController(Run* run, core::ExperimentConfig config, QString runsDir = {},
                  QString resumeDir = {}, QObject* parent = nullptr);
    ~RunController() override; // stops the run and joins its thread

    Run* run() const { return m_run; }
    void start(bool paused = false);
    void pause();
    void resume();
    void stop();
    // Exactly one optimizer step (pauses first when running).
    void stepOnce();
    // Takes effect at the next step; the step's metrics record it. Only an explicit act on
    // this run calls it (the window's "Change max_lr" on the run's row): editing the
    // experiment panel prepares the next run and never reaches a running one.
    void setMaxLr(std::optional<double> maxLr);
    // Renames the run in run.json now, also while it trains (RunRecorder::setName). False
    // when its training has ended: write run.json directly then (renameRunOnDisk).
    bool rename(const QString& name);
    void stopAfterStep(int64_t step);
    // Before start(): see TrainingWorker::sessionHook and TrainingWorker::record.
    void setSessionHook(std::function<void(core::RunSession&)> hook);
    void setRecording(bool record);
    bool isPaused() const { return m_paused; }
    bool isActive() const { return m_active; }
    QString device() const { return m_device; }
    // Stops and blocks until the thread ended (closing the window); records stay on disk.
    void stopAndWait();

Q_SIGNALS:
    void started();
    void failed(const QString& message);
    void finished(core::RunStatus status, const QString& message);
    void pausedChanged(bool paused);
    // After each drain that brought new metrics (status bar, rates).
    void progressed();

private:
    void drain();

    QPointer<Run> m_run;
    QThread m_thread;
    TrainingWorker* m_worker = nullptr;
    std::shared_ptr<MetricsBuffer> m_buffer;
    QTimer m_drainTimer;
    bool m_paused = false, m_active = false;
    QString m_device;
    // For steps per second over a sliding window of a few seconds.
    qint64 m_rateSteps = 0;
    double m_rateElapsed = 0.0;
};

} // namespace alig::ui
