#pragma once
// The anatomy of one optimizer step, for teaching: the batch loss, ||g||^2, the Polyak ratio
// loss / (||g||^2 + eps), max_lr, the step ALI-G took and whether max_lr cut it, and how far
// the gradient and the momentum moved the weights; for a method that estimates its own step
// (Prodigy, MoMo, DoG, ...) the rows and verdict of its catalogue entry's explanation. It follows
// one Run and shows its newest step, so pressing Step (F10) walks through a run one step at a time.

#include "ui/run/run.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QTimer>
#include <QWidget>

#include <map>

class QLabel;

namespace alig::ui {

class StepAnatomyPanel : public QWidget {
    Q_OBJECT

public:
    explicit StepAnatomyPanel(QWidget* parent = nullptr);

    // The run to follow (nullptr: none). Shows its newest step at once.
    void setRun(Run* run);
    Run* run() const { return m_run; }

    // The text of one row's value ("loss", "grad_sq", "ratio", "max_lr", "step", "clipped",
    // "grad_move", "momentum_move", "step_no"; "method0".. for a method that explains its own
    // step), for tests.
    QString valueText(const QString& key) const;
    QString rowName(const QString& key) const;
    // The sentence under the numbers that says what happened.
    QString verdict() const;

    // Shows the newest step now if a paced refresh is still waiting (before a grab).
    void flush();

private:
    void refresh();
    // refresh() at most kRefreshMs apart while steps stream in; the last one always shows.
    void refreshSoon();
    QLabel* addRow(const QString& key, const QString& name, const QString& tip);
    void showRow(const QString& key, bool shown);

    QPointer<Run> m_run;
    QMetaObject::Connection m_stepsConnection, m_clearedConnection;
    QLabel* m_header = nullptr;
    QLabel* m_verdict = nullptr;
    std::map<QString, QLabel*> m_values;
    std::map<QString, QLabel*> m_names;
    class QGridLayout* m_grid = nullptr;
    int m_rows = 0;
    QElapsedTimer m_sinceRefresh;
    QTimer m_refreshTimer;
};

} // namespace alig::ui
