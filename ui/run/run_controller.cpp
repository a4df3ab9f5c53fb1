#include "ui/run/run_controller.h"

#include "core/experiment/run_session.h"
#include "core/models/model.h"
#include "core/train/trainer.h"
#include "core/util/error.h"
#include "ui/run/refresh_pacer.h"
#include "ui/run/run.h"

#include <torch/torch.h>

namespace alig::ui {

void MetricsBuffer::onRunStart(const core::RunStartInfo& info) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_pending.stepsPerEpoch = info.stepsPerEpoch;
}

void MetricsBuffer::onSteps(const std::vector<core::StepMetrics>& steps) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_pending.steps.insert(m_pending.steps.end(), steps.begin(), steps.end());
}

void MetricsBuffer::onEpoch(const core::EpochMetrics& epoch) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_pending.epochs.push_back(epoch);
}

MetricsBuffer::Batch MetricsBuffer::take() {
    std::lock_guard<std::mutex> lock(m_mutex);
    Batch out;
    out.stepsPerEpoch = m_pending.stepsPerEpoch;
    std::swap(out.steps, m_pending.steps);
    std::swap(out.epochs, m_pending.epochs);
    return out;
}

TrainingWorker::TrainingWorker(core::ExperimentConfig config, QString runsDir, QString resumeDir,
                               std::shared_ptr<MetricsBuffer> buffer)
    : m_config(std::move(config))
    , m_runsDir(std::move(runsDir))
    , m_resumeDir(std::move(resumeDir))
    , m_buffer(std::move(buffer)) {}

TrainingWorker::~TrainingWorker() = default;

void TrainingWorker::control(std::function<void(core::Trainer&)> f) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_trainer)
        f(*m_trainer);
    else
        m_pending.push_back(std::move(f));
}

bool TrainingWorker::rename(const QString& name) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_ended) return false;
    m_name = name;
    if (m_live && m_liveName != name) {
        m_live->setName(name.toStdString());
        m_liveName = name;
    }
    return true;
}

void TrainingWorker::work() {
    try {
        if (m_resumeDir.isEmpty()) {
            core::SessionOptions options;
            options.runsDir = m_runsDir.toStdString();
            options.program = "alig-studio";
            options.record = record;
            options.runId = runId.toStdString();
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                m_liveName = m_name;
            }
            options.name = m_liveName.toStdString();
            m_session = core::RunSession::create(m_config, options);
        } else {
            m_session = core::RunSession::resume(m_resumeDir.toStdString());
        }
    } catch (const std::exception& e) {
        const auto* c10error = dynamic_cast<const c10::Error*>(&e);
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_ended = true;
        }
        Q_EMIT failed(QString::fromStdString(c10error ? c10error->what_without_backtrace()
                                                      : std::string(e.what())));
        return;
    }
    core::Trainer& trainer = m_session->trainer();
    trainer.addObserver(m_buffer.get());
    if (sessionHook) sessionHook(*m_session);
    {
        // Apply what the user did while the data was loading, in order.
        std::lock_guard<std::mutex> lock(m_mutex);
        m_trainer = &trainer;
        for (auto& f : m_pending)
            f(trainer);
        m_pending.clear();
        // A rename while the data loaded (or the session was made) reaches run.json now.
        m_live = m_session.get();
        if (!m_name.isEmpty() && m_name != m_liveName) {
            m_live->setName(m_name.toStdString());
            m_liveName = m_name;
        }
    }

    const auto& d = m_session->dataset();
    const QString summary = QStringLiteral("%1 (%2 train, %3 test) · %4, %5 parameters")
                                .arg(QString::fromStdString(d.name))
                                .arg(d.trainSize())
                                .arg(d.testSize())
                                .arg(QString::fromStdString(m_session->model().describe()))
                                .arg(m_session->model().parameterCount());
    Q_EMIT prepared(QString::fromStdString(m_session->runDir()), trainer.stepsPerEpoch(),
                    QString::fromStdString(trainer.device().str()), summary);

    const core::RunResult result = m_session->run();
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_trainer = nullptr;
        m_live = nullptr;
        m_ended = true;
    }
    // The Run keeps the metrics; the data, model and optimizer can go now, not when the
    // window closes (a session of many runs would otherwise hold every dataset).
    m_session.reset();
    Q_EMIT finished(static_cast<int>(result.status), QString::fromStdString(result.message));
}

RunController::RunController(Run* run, core::ExperimentConfig config, QString runsDir,
                             QString resumeDir, QObject* parent)
    : QObject(parent)
    , m_run(run)
    , m_buffer(std::make_shared<MetricsBuffer>()) {
    m_worker =
        new TrainingWorker(std::move(config), std::move(runsDir), std::move(resumeDir), m_buffer);
    if (run) {
        m_worker->runId = run->id();
        m_worker->rename(run->name());
    }
    m_worker->moveToThread(&m_thread);
    m_thread.setObjectName(QStringLiteral("training ") + (run ? run->name() : QString()));
    connect(&m_thread, &QThread::started, m_worker, &TrainingWorker::work);

    connect(m_worker, &TrainingWorker::prepared, this,
            [this](const QString& dir, qint64 perEpoch, const QString& device, const QString&) {
                m_device = device;
                if (m_run) {
                    m_run->setRunDir(dir);
                    m_run->setStepsPerEpoch(perEpoch);
                }
                Q_EMIT started();
            });
    connect(m_worker, &TrainingWorker::failed, this, [this](const QString& message) {
        m_active = false;
        m_drainTimer.stop();
        if (m_run) {
            m_run->setLive(false);
            m_run->setStatus(core::RunStatus::Failed, message);
        }
        m_thread.quit();
        Q_EMIT failed(message);
    });
    connect(m_worker, &TrainingWorker::finished, this, [this](int status, const QString& message) {
        drain(); // the last metrics before the status changes
        m_active = false;
        m_drainTimer.stop();
        const auto s = static_cast<core::RunStatus>(status);
        if (m_run) {
            m_run->setPaused(false);
            m_run->setLive(false);
            m_run->setStatus(s, message);
        }
        m_thread.quit();
        Q_EMIT finished(s, message);
    });

    // About 30 Hz: smooth for the eye, cheap for the event loop; slower when the window's
    // refreshes cost more than their share of the CPU here (RefreshPacer).
    constexpr int kDrainMs = 33;
    RefreshPacer& pacer = RefreshPacer::instance();
    m_drainTimer.setInterval(pacer.interval(kDrainMs));
    connect(&pacer, &RefreshPacer::scaleChanged, this,
            [this, &pacer] { m_drainTimer.setInterval(pacer.interval(kDrainMs)); });
    connect(&m_drainTimer, &QTimer::timeout, this, &RunController::drain);
}

RunController::~RunController() {
    stopAndWait();
    // The thread has ended: the worker (and its session) can go from here.
    delete m_worker;
}

void RunController::start(bool paused) {
    if (m_active || m_thread.isRunning()) return;
    m_active = true;
    m_paused = paused;
    if (paused) m_worker->control([](core::Trainer& t) { t.pause(); });
    if (m_run) {
        m_run->setPaused(paused);
        m_run->setLive(true);
        m_run->setStatus(core::RunStatus::Running);
    }
    m_drainTimer.start();
    m_thread.start();
    Q_EMIT pausedChanged(m_paused);
}

void RunController::pause() {
    if (!m_active || m_paused) return;
    m_paused = true;
    m_worker->control([](core::Trainer& t) { t.pause(); });
    if (m_run) m_run->setPaused(true);
    Q_EMIT pausedChanged(true);
}

void RunController::resume() {
    if (!m_active || !m_paused) return;
    m_paused = false;
    m_worker->control([](core::Trainer& t) { t.resume(); });
    if (m_run) m_run->setPaused(false);
    Q_EMIT pausedChanged(false);
}

void RunController::stop() {
    if (m_active) m_worker->control([](core::Trainer& t) { t.stop(); });
}

void RunController::stepOnce() {
    if (!m_active) return;
    if (!m_paused) {
        pause(); // Step on a running run stops it at the next step boundary
        return;
    }
    m_worker->control([](core::Trainer& t) { t.stepOnce(); });
}

void RunController::setMaxLr(std::optional<double> maxLr) {
    if (maxLr && !(*maxLr > 0.0)) {
        Q_EMIT failed(QStringLiteral("optimizer.max_lr: must be > 0, got %1").arg(*maxLr));
        return;
    }
    if (!m_active) return;
    m_worker->control([maxLr](core::Trainer& t) { t.setMaxLr(maxLr); });
    if (m_run) m_run->noteMaxLrChange(maxLr ? *maxLr : std::nan(""));
}

bool RunController::rename(const QString& name) {
    return m_worker->rename(name);
}

void RunController::stopAfterStep(int64_t step) {
    m_worker->control([step](core::Trainer& t) { t.stopAfterStep(step); });
}

void RunController::setSessionHook(std::function<void(core::RunSession&)> hook) {
    Q_ASSERT(!m_thread.isRunning());
    m_worker->sessionHook = std::move(hook);
}

void RunController::setRecording(bool record) {
    Q_ASSERT(!m_thread.isRunning());
    m_worker->record = record;
}

void RunController::stopAndWait() {
    if (m_thread.isRunning()) {
        m_worker->control([](core::Trainer& t) { t.stop(); });
        m_thread.quit(); // ends the event loop once work() has returned
        m_thread.wait();
    }
}

void RunController::drain() {
    const RefreshPacer::Cost cost; // the plots' appends and labels happen in here too
    MetricsBuffer::Batch batch = m_buffer->take();
    if (!m_run || (batch.steps.empty() && batch.epochs.empty())) return;
    if (batch.stepsPerEpoch > 0) m_run->setStepsPerEpoch(batch.stepsPerEpoch);
    if (!batch.steps.empty()) {
        // Steps per second over the elapsed training time of the last few seconds.
        const auto& all = m_run->steps();
        const double before = all.empty() ? 0.0 : all.back().elapsed;
        const double window = batch.steps.back().elapsed - before;
        m_rateSteps += static_cast<qint64>(batch.steps.size());
        m_rateElapsed += window;
        if (m_rateElapsed >= 1.0) {
            m_run->setStepsPerSecond(m_rateSteps / m_rateElapsed);
            m_rateSteps = 0;
            m_rateElapsed = 0.0;
        }
    }
    m_run->appendSteps(batch.steps);
    m_run->appendEpochs(batch.epochs);
    Q_EMIT progressed();
}

} // namespace alig::ui
