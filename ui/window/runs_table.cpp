#include "ui/window/runs_table.h"

#include "core/optim/optimizer_catalogue.h"
#include "ui/run/run.h"
#include "ui/run/run_swatch.h"

#include <QHeaderView>
#include <QMenu>

#include <algorithm>
#include <cmath>

namespace alig::ui {

namespace {

QString statusText(const Run& run) {
    if (run.status() == core::RunStatus::Running && !run.activity().isEmpty())
        return run.activity();
    switch (run.status()) {
    case core::RunStatus::Running:
        return !run.isLive()    ? ""
               : run.isPaused() ? RunsTable::tr("paused")
                                : RunsTable::tr("training");
    case core::RunStatus::Completed:
        return RunsTable::tr("completed");
    case core::RunStatus::Stopped:
        return RunsTable::tr("stopped");
    case core::RunStatus::Diverged:
        return RunsTable::tr("diverged");
    case core::RunStatus::Failed:
        return RunsTable::tr("failed");
    }
    return {};
}

} // namespace

RunsTable::RunsTable(RunRegistry* registry, QWidget* parent)
    : QTableWidget(0, ColumnCount, parent)
    , m_registry(registry) {
    setHorizontalHeaderLabels({tr("Show"), tr("Run"), tr("Differs in"), tr("Optimizer"),
                               tr("Status"), tr("Best test acc."), tr("Steps/s")});
    horizontalHeaderItem(Show)->setToolTip(tr("Show or hide this run's curves in every plot"));
    horizontalHeaderItem(Name)->setToolTip(tr("The run's name and colour; double-click to rename"));
    horizontalHeaderItem(Label)->setToolTip(
        tr("The settings in which this run differs from the other runs on show"));
    horizontalHeaderItem(BestAccuracy)
        ->setToolTip(tr("The best test accuracy over the run's epochs so far"));
    horizontalHeaderItem(Speed)->setToolTip(tr("Optimizer steps per second while training"));
    verticalHeader()->hide();
    // Every column but the name as wide as its header and its cells, so that no header is cut
    // short ("Best test a…") in presentation mode's larger font; the name takes the rest.
    horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    horizontalHeader()->setSectionResizeMode(Name, QHeaderView::Stretch);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    setContextMenuPolicy(Qt::CustomContextMenu);
    setAlternatingRowColors(true);

    for (Run* run : registry->runs())
        addRow(run);
    connect(registry, &RunRegistry::runAdded, this, &RunsTable::addRow);
    connect(registry, &RunRegistry::runRemoved, this, &RunsTable::removeRow);
    connect(this, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
        if (m_updating) return;
        Run* run = runAt(item->row());
        if (!run) return;
        if (item->column() == Show)
            run->setVisible(item->checkState() == Qt::Checked);
        else if (item->column() == Name && item->text() != run->name() &&
                 !item->text().trimmed().isEmpty())
            Q_EMIT renamed(run, item->text().trimmed());
    });
    connect(this, &QTableWidget::cellDoubleClicked, this, [this](int row, int column) {
        if (column != Name)
            if (Run* run = runAt(row)) Q_EMIT runActivated(run);
    });
    connect(this, &QWidget::customContextMenuRequested, this, &RunsTable::showContextMenu);
}

Run* RunsTable::runAt(int row) const {
    return row >= 0 && row < m_rows.size() ? m_rows[row] : nullptr;
}

int RunsTable::rowOf(const Run* run) const {
    return m_rows.indexOf(const_cast<Run*>(run));
}

QList<Run*> RunsTable::selectedRuns() const {
    QList<Run*> runs;
    for (int row = 0; row < m_rows.size(); ++row)
        if (selectionModel()->isRowSelected(row, QModelIndex())) runs << m_rows[row];
    return runs;
}

void RunsTable::addRow(Run* run) {
    m_updating = true;
    const int row = rowCount();
    insertRow(row);
    m_rows.append(run);
    auto* show = new QTableWidgetItem;
    show->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    setItem(row, Show, show);
    auto* name = new QTableWidgetItem;
    name->setFlags(Qt::ItemIsEditable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    setItem(row, Name, name);
    for (int c = Label; c < ColumnCount; ++c) {
        auto* item = new QTableWidgetItem;
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        if (c == BestAccuracy || c == Speed)
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        setItem(row, c, item);
    }
    m_updating = false;
    refresh(run);
    connect(run, &Run::changed, this, [this, run] { refresh(run); });
}

void RunsTable::removeRow(Run* run) {
    const int row = rowOf(run);
    if (row < 0) return;
    disconnect(run, nullptr, this, nullptr);
    m_rows.removeAt(row);
    QTableWidget::removeRow(row);
}

void RunsTable::refresh(Run* run) {
    const int row = rowOf(run);
    if (row < 0) return;
    m_updating = true;
    item(row, Show)->setCheckState(run->isVisible() ? Qt::Checked : Qt::Unchecked);
    QTableWidgetItem* name = item(row, Name);
    if (!isPersistentEditorOpen(name)) name->setText(run->name());
    name->setIcon(runSwatch(run->color()));
    name->setToolTip(run->runDir().isEmpty() ? run->name() : run->runDir());
    item(row, Label)->setText(run->autoLabel());
    item(row, Optimizer)->setText(run->optimizerSummary());
    item(row, Status)->setText(statusText(*run));
    item(row, Status)->setToolTip(run->message());
    // Blank until an epoch has a test accuracy (a user's loop may log none).
    const bool tested = std::any_of(run->epochs().begin(), run->epochs().end(),
                                    [](const auto& e) { return std::isfinite(e.testAccuracy); });
    item(row, BestAccuracy)
        ->setText(tested ? QString::number(100.0 * run->bestTestAccuracy(), 'f', 2) + " %"
                         : QString());
    item(row, Speed)
        ->setText(run->stepsPerSecond() > 0 ? QString::number(run->stepsPerSecond(), 'f', 0)
                                            : QString());
    m_updating = false;
}

void RunsTable::showContextMenu(const QPoint& pos) {
    const QList<Run*> runs = selectedRuns();
    if (runs.isEmpty()) return;
    QMenu menu(this);
    QAction* rename = menu.addAction(tr("Rename"));
    rename->setEnabled(runs.size() == 1);
    // The one explicit way to change a training run's max_lr (the experiment panel only
    // prepares the next run).
    QAction* maxLr = menu.addAction(tr("Change max_lr of This Run…"));
    const core::OptimizerEntry* method =
        runs.size() == 1 ? core::findOptimizer(runs.front()->config().optimizer.name) : nullptr;
    maxLr->setEnabled(runs.size() == 1 && runs.front()->isLive() && method && method->reports.cap);
    maxLr->setToolTip(tr("Takes effect at the run's next step; its metrics record the change"));
    QAction* showAll = menu.addAction(tr("Show in plots"));
    QAction* hideAll = menu.addAction(tr("Hide from plots"));
    menu.addSeparator();
    // A watched run's folder belongs to its writer: the window only stops watching it.
    const bool watched =
        std::all_of(runs.begin(), runs.end(), [](const Run* r) { return r->isWatched(); });
    QAction* remove = menu.addAction(watched ? tr("Stop Watching") : tr("Delete…"));
    QAction* chosen = menu.exec(viewport()->mapToGlobal(pos));
    if (chosen == rename)
        editItem(item(rowOf(runs.front()), Name));
    else if (chosen == maxLr)
        Q_EMIT maxLrChangeRequested(runs.front());
    else if (chosen == showAll || chosen == hideAll)
        for (Run* r : runs)
            r->setVisible(chosen == showAll);
    else if (chosen == remove)
        Q_EMIT deleteRequested(runs);
}

} // namespace alig::ui
