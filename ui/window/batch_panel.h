#pragma once
// Compare and sweep from the window: a panel (the request comes from BatchDialog) that trains
// the planned runs a few at a time through the window, fills the summary tables as each ends,
// and for sweeps draws the accuracy against the swept value as results arrive. The runs are
// core::planRuns' plan, so the window and `alig-train compare/sweep` agree. A batch is a folder in
// the run store: batch.json (the request, the base experiment and the plan), one run folder per
// planned run, summary.csv, groups.csv (and sweep.csv); it reopens after a restart, takes more
// seeds, and exports. Two tables: per setting (mean ± std over the seeds) and per run; both sort by
// any column, and a swatch links each row to the run's curves.

#include "core/experiment/comparison.h"
#include "ui/window/batch_dialog.h"

#include <nlohmann/json.hpp>

#include <QWidget>

#include <functional>
#include <vector>

class QLabel;
class QPushButton;
class QTabWidget;
class QTableWidget;

namespace alig::ui {

class Run;
class RunController;
class SweepPlot;

class BatchPanel : public QWidget {
    Q_OBJECT

public:
    // Starts one planned run through the window and returns its controller.
    using Launcher = std::function<RunController*(const core::PlannedRun&)>;

    explicit BatchPanel(Launcher launcher, QWidget* parent = nullptr);

    // Plans on top of `base` (the experiment panel's JSON) and starts; throws core::Error
    // (naming the spec, key or value) when the plan is invalid.
    void start(const nlohmann::json& base, const BatchRequest& request, const QString& parentDir);
    // Shows a batch folder written by start() (its batch.json and its runs' folders) as it
    // was left: after a restart, the summary table and the sweep plot come back. Throws
    // core::Error naming the folder when it holds no batch.
    void openBatch(const QString& dir);
    // Plans the next `more` seeds of every setting of the batch on show and starts them; the
    // runs there keep their results. Throws core::Error when none is shown or one is training.
    void addSeeds(int more);
    // Writes BASE-runs.csv (one row per run), BASE-groups.csv (mean ± std per setting) and,
    // for the runs the window holds, BASE-metrics.csv and BASE-epochs.csv (every step and
    // epoch, with run_id). Returns the files written; throws core::Error naming one it cannot.
    QStringList exportBatch(const QString& base);
    // The window's run recorded in a folder (nullptr if none): its colour for the rows, its
    // metrics for the export.
    void setRunOf(std::function<const Run*(const QString& runDir)> runOf) {
        m_runOf = std::move(runOf);
    }
    bool isRunning() const { return m_finished < m_plan.size(); }
    bool hasBatch() const { return !m_plan.empty(); }
    const std::vector<core::RunSummary>& summaries() const { return m_summaries; }
    QString parentDir() const { return m_parent; }
    QTableWidget* table() const { return m_table; }
    QTableWidget* groupTable() const { return m_groups; }
    const std::vector<core::PlannedRun>& plan() const { return m_plan; }
    SweepPlot* sweepPlot() const { return m_plot; }

Q_SIGNALS:
    void allFinished();
    // The More Seeds… and Export… buttons: the window asks how many, or where.
    void moreSeedsRequested();
    void exportRequested();

private:
    void planAndShow(const BatchRequest& request);
    void launchMore();
    void fillGroups();
    void updateButtons();
    void onRunEnded(size_t index, const QString& runDir, const QString& message);
    void writeFiles();
    void fillRow(size_t index, const core::RunSummary& s);
    void setRows(const QString& state);

    Launcher m_launcher;
    std::vector<core::PlannedRun> m_plan;
    std::vector<core::RunSummary> m_summaries;
    std::vector<bool> m_done, m_launched;
    size_t m_finished = 0;
    int m_active = 0;
    BatchRequest m_request;
    nlohmann::json m_base;
    QString m_parent;
    std::function<const Run*(const QString&)> m_runOf;
    std::vector<class QTableWidgetItem*> m_rowItems; // column 0 of each plan entry's row
    QLabel* m_status = nullptr;
    QPushButton *m_moreSeeds = nullptr, *m_export = nullptr;
    QTabWidget* m_tabs = nullptr;
    QTableWidget* m_table = nullptr;
    QTableWidget* m_groups = nullptr;
    SweepPlot* m_plot = nullptr;
};

} // namespace alig::ui
