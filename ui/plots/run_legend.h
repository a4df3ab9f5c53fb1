#pragma once
// One run legend for all four plots, beside them rather than over the data: a scrollable list
// with each run's colour and label. A click on the box shows or hides the run in every plot,
// a double-click shows it alone (again: all back), hovering highlights its curves everywhere,
// and the context menu picks its colour (kept per run id between sessions). PlotsView holds it.

#include <QListWidget>
#include <QPointer>

namespace alig::ui {

class Run;
class RunRegistry;

class RunLegend : public QListWidget {
    Q_OBJECT

public:
    explicit RunLegend(RunRegistry* registry, QWidget* parent = nullptr);

    // The runs listed: every run on show, and those hidden from here (so they can come back).
    QList<Run*> listedRuns() const;
    Run* runAt(int row) const;
    // Shows only `run`; with `run` already alone, shows again every run listed.
    void solo(Run* run);
    QSize sizeHint() const override { return {190, 300}; }

Q_SIGNALS:
    // The run under the mouse (nullptr when it leaves): its curves stand out in every plot.
    void highlighted(alig::ui::Run* run);

protected:
    void leaveEvent(QEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;

private:
    void rebuild();
    void refresh(Run* run);

    QPointer<RunRegistry> m_registry;
    QList<Run*> m_listed;
    bool m_updating = false;
    QPointer<Run> m_hovered;
};

} // namespace alig::ui
