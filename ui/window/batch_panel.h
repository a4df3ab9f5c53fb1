#pragma once
// Compare and sweep from the window: a dialog that asks for the optimizer settings (and
// the swept setting), and a panel that trains the planned runs a few at a time through the
// window, fills a summary table as each ends, and for sweeps draws the accuracy against
// the swept value as results arrive. The runs are core::planRuns' plan, so the window and
// `alig-train compare/sweep` agree. A batch is a folder in the run store: batch.json (the
// request and the plan), one run folder per planned run, summary.csv (and sweep.csv); it
// reopens after a restart. The summary table sorts by any column; a swatch links each row
// to the run's curves.

#include "core/experiment/comparison.h"

#include <QDialog>
#include <QWidget>

#include <QColor>

#include <functional>
#include <vector>

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;
class QTableWidget;

namespace alig::ui {

class RunController;
class SweepPlot;

struct BatchRequest {
    bool sweep = false;
    QString optimizers; // one spec per line, e.g. "sgd:lr=0.1:momentum=0.9"
    QString param = "learning_rate";
    QString values = "logspace:1e-3:10:9";
    int seeds = 1;
    int parallel = 2;
    double targetAccuracy = 0.9;
};

class BatchDialog : public QDialog {
    Q_OBJECT

public:
    BatchDialog(bool sweep, QWidget* parent = nullptr);
    BatchRequest request() const;
    void setRequest(const BatchRequest& request);

private:
    bool m_sweep;
    QPlainTextEdit* m_optimizers = nullptr;
    QLineEdit *m_param = nullptr, *m_values = nullptr;
    QSpinBox *m_seeds = nullptr, *m_parallel = nullptr;
    QDoubleSpinBox* m_target = nullptr;
};

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
    // The colour of the run recorded in a folder (the window's run of it), for the rows.
    void setColorOf(std::function<QColor(const QString& runDir)> colorOf) {
        m_colorOf = std::move(colorOf);
    }
    bool isRunning() const { return m_finished < m_plan.size(); }
    const std::vector<core::RunSummary>& summaries() const { return m_summaries; }
    QString parentDir() const { return m_parent; }
    QTableWidget* table() const { return m_table; }
    SweepPlot* sweepPlot() const { return m_plot; }

Q_SIGNALS:
    void allFinished();

private:
    void launchMore();
    void onRunEnded(size_t index, const QString& runDir, const QString& message);
    void writeFiles();
    void fillRow(size_t index, const core::RunSummary& s);
    void setRows(const QString& state);

    Launcher m_launcher;
    std::vector<core::PlannedRun> m_plan;
    std::vector<core::RunSummary> m_summaries;
    std::vector<bool> m_done;
    size_t m_next = 0, m_finished = 0;
    int m_active = 0;
    BatchRequest m_request;
    QString m_parent;
    std::function<QColor(const QString&)> m_colorOf;
    std::vector<class QTableWidgetItem*> m_rowItems; // column 0 of each plan entry's row
    QLabel* m_status = nullptr;
    QTableWidget* m_table = nullptr;
    SweepPlot* m_plot = nullptr;
};

} // namespace alig::ui
