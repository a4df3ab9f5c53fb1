#pragma once
// Compare and sweep from the window: a dialog that asks for the optimizer settings (and
// the swept setting), and a panel that trains the planned runs a few at a time through the
// window, fills a summary table as each ends, and for sweeps draws the accuracy against
// the swept value as results arrive. The runs are core::planRuns' plan, so the window and
// `alig-train compare/sweep` agree.

#include "core/experiment/comparison.h"

#include <QDialog>
#include <QWidget>

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

    Launcher m_launcher;
    std::vector<core::PlannedRun> m_plan;
    std::vector<core::RunSummary> m_summaries;
    std::vector<bool> m_done;
    size_t m_next = 0, m_finished = 0;
    int m_active = 0;
    BatchRequest m_request;
    QString m_parent;
    QLabel* m_status = nullptr;
    QTableWidget* m_table = nullptr;
    SweepPlot* m_plot = nullptr;
};

} // namespace alig::ui
