#pragma once
// The runs of this session and of the run store, one row each: a checkbox that shows or
// hides the run's curves in every plot, its colour and name (editable), what sets it apart
// from the runs on show, the optimizer and its key setting, status, best test accuracy and
// speed. The context menu acts on the selected runs, a live max_lr change among them.

#include <QHash>
#include <QTableWidget>

namespace alig::ui {

class Run;
class RunRegistry;

class RunsTable : public QTableWidget {
    Q_OBJECT

public:
    enum Column { Show, Name, Label, Optimizer, Status, BestAccuracy, Speed, ColumnCount };

    explicit RunsTable(RunRegistry* registry, QWidget* parent = nullptr);

    // The runs whose rows are selected (for export), in table order.
    QList<Run*> selectedRuns() const;
    Run* runAt(int row) const;
    int rowOf(const Run* run) const;
    // A few rows high: the plots above get the room.
    QSize sizeHint() const override { return {800, 150}; }

Q_SIGNALS:
    void runActivated(alig::ui::Run* run);
    // The user asked to delete these runs (the window confirms and deletes).
    void deleteRequested(const QList<alig::ui::Run*>& runs);
    // A new name was typed in; the window writes it to disk.
    void renamed(alig::ui::Run* run, const QString& name);
    // "Change max_lr…" on a training run: the window asks for the value and applies it.
    void maxLrChangeRequested(alig::ui::Run* run);

private:
    void addRow(Run* run);
    void removeRow(Run* run);
    void refresh(Run* run);
    void showContextMenu(const QPoint& pos);

    RunRegistry* m_registry;
    QList<Run*> m_rows;
    bool m_updating = false;
};

} // namespace alig::ui
