#pragma once
// The window's record of one run: its config, colour, status and every metric received so
// far. Lives on the UI thread; a RunController appends to it in batches, a run read from
// the run store fills it once. Plots and the runs table listen to its signals.

#include "core/experiment/experiment_config.h"
#include "core/train/metrics.h"

#include <QColor>
#include <QObject>
#include <QString>

#include <vector>

namespace alig::ui {

class Run : public QObject {
    Q_OBJECT

public:
    Run(QString id, QString name, QColor color, core::ExperimentConfig config,
        QObject* parent = nullptr);

    // Stable and unique in the run store: run.json's run_id (core::newRunId()).
    QString id() const { return m_id; }
    QString name() const { return m_name; }
    void setName(const QString& name);
    // What tells this run apart from the others on show (core::differingLabels): "max_lr
    // 0.05", "sgd lr 0.1 · seed 2"; empty when nothing differs. The registry keeps it.
    QString autoLabel() const { return m_autoLabel; }
    void setAutoLabel(const QString& label);
    // For legends: a name the user gave, else the automatic label, else the name.
    QString displayName() const;
    bool isRenamed() const { return m_renamed; }
    void setRenamed(bool renamed) { m_renamed = renamed; }
    QColor color() const { return m_color; }
    // A colour the user picked (the run legend): the registry keeps it per run id.
    void setColor(const QColor& color);
    bool isVisible() const { return m_visible; }
    void setVisible(bool visible);
    const core::ExperimentConfig& config() const { return m_config; }
    QString runDir() const { return m_runDir; }
    void setRunDir(const QString& dir);
    // True while a training thread of this session feeds the run.
    bool isLive() const { return m_live; }
    void setLive(bool live);
    // A run that another process writes, followed through its folder (RunWatcher): the
    // window never writes into that folder (a rename stays in the window, no delete).
    bool isWatched() const { return m_watched; }
    void setWatched(bool watched) { m_watched = watched; }
    // What the runs table shows while the run has not ended, when set: a watched run's
    // "training", "paused" or "stale".
    QString activity() const { return m_activity; }
    void setActivity(const QString& activity);

    // Paused by the user (status stays Running): rates and time left freeze.
    bool isPaused() const { return m_paused; }
    void setPaused(bool paused);

    // max_lr changed on this run while it trained, in order: the last step shown when it was
    // asked for, the new value (NaN: no cap), and the first step that took it (-1 until its
    // metrics arrive). The metrics record the new max_lr from that step on.
    struct MaxLrChange {
        int64_t afterStep = 0;
        double value = 0.0;
        int64_t atStep = -1;
    };
    const std::vector<MaxLrChange>& maxLrChanges() const { return m_maxLrChanges; }
    void noteMaxLrChange(double value);
    // Whether `step` is the first step of a live max_lr change (the plot's marker).
    bool isMaxLrChangeStep(int64_t step) const;

    core::RunStatus status() const { return m_status; }
    QString message() const { return m_message; }
    void setStatus(core::RunStatus status, const QString& message = {});

    const std::vector<core::StepMetrics>& steps() const { return m_steps; }
    const std::vector<core::EpochMetrics>& epochs() const { return m_epochs; }
    int64_t stepsPerEpoch() const { return m_stepsPerEpoch; }
    void setStepsPerEpoch(int64_t steps) { m_stepsPerEpoch = steps; }
    int64_t totalEpochs() const { return m_config.training.epochs; }
    double bestTestAccuracy() const { return m_bestTestAccuracy; }
    // While training: over the last few seconds. Afterwards: the run's average.
    double stepsPerSecond() const;
    void setStepsPerSecond(double rate);

    void appendSteps(const std::vector<core::StepMetrics>& steps);
    void appendEpochs(const std::vector<core::EpochMetrics>& epochs);
    // Forgets every metric (a run restarted from scratch).
    void clearMetrics();

    // One line for tables: "ALI-G max_lr 0.5", "SGD lr 0.1", ... or the summary set for a run
    // whose config is not an experiment of ours (one a user's own loop logged); a live max_lr
    // change shows as "ALI-G max_lr 0.05 → 5 (live, after step 826)".
    QString optimizerSummary() const;
    void setSummary(const QString& summary) { m_summary = summary; }

Q_SIGNALS:
    // steps()[first..] are new. Emitted once per batch, never per step.
    void stepsAppended(int first);
    void epochsAppended(int first);
    void metricsCleared();
    // Name, status, visibility or rate changed.
    void changed();
    void visibilityChanged(bool visible);
    void colorChanged(const QColor& color);

private:
    QString m_id, m_name, m_autoLabel;
    bool m_renamed = false;
    QColor m_color;
    bool m_visible = true;
    bool m_live = false;
    bool m_paused = false;
    std::vector<MaxLrChange> m_maxLrChanges;
    bool m_watched = false;
    QString m_activity, m_summary;
    core::ExperimentConfig m_config;
    QString m_runDir;
    core::RunStatus m_status = core::RunStatus::Running;
    QString m_message;
    std::vector<core::StepMetrics> m_steps;
    std::vector<core::EpochMetrics> m_epochs;
    int64_t m_stepsPerEpoch = 0;
    double m_bestTestAccuracy = 0.0;
    double m_stepsPerSecond = 0.0;
};

// Every run the window knows, in order of arrival. Plots and the runs table follow it.
class RunRegistry : public QObject {
    Q_OBJECT

public:
    explicit RunRegistry(QObject* parent = nullptr);

    const QList<Run*>& runs() const { return m_runs; }
    Run* find(const QString& id) const;
    // Takes ownership.
    void add(Run* run);
    // Removes and deletes the run (later, with deleteLater).
    void remove(Run* run);
    // `base`, or "base #2", "base #3"... : a name no run of the registry has.
    QString uniqueName(const QString& base) const;
    bool isNameTaken(const QString& name, const Run* except = nullptr) const;
    // The run whose folder is `dir` (compared as canonical paths), or nullptr.
    Run* findByDir(const QString& dir) const;
    // Recomputes every run's automatic label from the configs of the runs on show (hidden
    // runs: among all runs). Called as runs come, go, show or hide.
    void updateAutoLabels();
    // The next colour of the palette, cycling (a colour picked for a run id before wins:
    // add() restores it).
    QColor nextColor();
    static const QList<QColor>& palette();

Q_SIGNALS:
    void runAdded(alig::ui::Run* run);
    void runRemoved(alig::ui::Run* run);

private:
    QList<Run*> m_runs;
    int m_nextColor = 0;
};

} // namespace alig::ui
