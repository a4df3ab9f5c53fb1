#include "ui/plots/run_legend.h"

#include "ui/run/run.h"

#include <QColorDialog>
#include <QContextMenuEvent>
#include <QMenu>
#include <QPainter>

namespace alig::ui {

namespace {

QIcon swatch(const QColor& color) {
    QPixmap pixmap(22, 10);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(color, 3.0));
    p.drawLine(QPointF(1, 5), QPointF(21, 5));
    return QIcon(pixmap);
}

} // namespace

RunLegend::RunLegend(RunRegistry* registry, QWidget* parent)
    : QListWidget(parent)
    , m_registry(registry) {
    setObjectName("RunLegend");
    setIconSize(QSize(22, 10));
    setMouseTracking(true);
    setSelectionMode(QAbstractItemView::NoSelection);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setTextElideMode(Qt::ElideMiddle);
    setUniformItemSizes(true);
    setToolTip(tr("Runs on show, one colour each. Tick to show or hide in every plot, "
                  "double-click to show one alone, hover to pick out its curves, right-click "
                  "for its colour."));
    connect(registry, &RunRegistry::runAdded, this, [this](Run* run) {
        connect(run, &Run::visibilityChanged, this, [this] { rebuild(); });
        connect(run, &Run::changed, this, [this, run] { refresh(run); });
        rebuild();
    });
    connect(registry, &RunRegistry::runRemoved, this, [this](Run* run) {
        disconnect(run, nullptr, this, nullptr);
        m_listed.removeAll(run);
        rebuild();
    });
    for (Run* run : registry->runs()) {
        connect(run, &Run::visibilityChanged, this, [this] { rebuild(); });
        connect(run, &Run::changed, this, [this, run] { refresh(run); });
    }
    connect(this, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
        if (m_updating) return;
        if (Run* run = runAt(row(item))) run->setVisible(item->checkState() == Qt::Checked);
    });
    connect(this, &QListWidget::itemDoubleClicked, this,
            [this](QListWidgetItem* item) { solo(runAt(row(item))); });
    connect(this, &QListWidget::itemEntered, this, [this](QListWidgetItem* item) {
        Run* run = runAt(row(item));
        if (run == m_hovered) return;
        m_hovered = run;
        Q_EMIT highlighted(run);
    });
    rebuild();
}

QList<Run*> RunLegend::listedRuns() const {
    return m_listed;
}

Run* RunLegend::runAt(int r) const {
    return r >= 0 && r < m_listed.size() ? m_listed[r] : nullptr;
}

void RunLegend::solo(Run* run) {
    if (!run) return;
    bool alone = run->isVisible();
    for (Run* r : m_listed)
        alone = alone && (r == run || !r->isVisible());
    const QList<Run*> listed = m_listed; // visibility changes rebuild the list
    for (Run* r : listed)
        r->setVisible(alone || r == run);
}

void RunLegend::rebuild() {
    if (!m_registry) return;
    // A run stays listed once shown (hiding it here must not lose its box); store runs
    // never ticked are the Runs table's to show.
    QList<Run*> listed;
    for (Run* r : m_registry->runs())
        if (r->isVisible() || m_listed.contains(r)) listed << r;
    m_listed = listed;
    m_updating = true;
    clear();
    for (int i = 0; i < m_listed.size(); ++i)
        (new QListWidgetItem(this))->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
    m_updating = false;
    for (Run* r : m_listed)
        refresh(r);
}

void RunLegend::refresh(Run* run) {
    const int r = m_listed.indexOf(run);
    if (r < 0) return;
    QListWidgetItem* it = item(r);
    m_updating = true;
    QString text = run->displayName();
    if (run->status() == core::RunStatus::Diverged) text += tr("  ⚠ diverged");
    if (it->text() != text) it->setText(text);
    it->setIcon(swatch(run->color()));
    it->setCheckState(run->isVisible() ? Qt::Checked : Qt::Unchecked);
    it->setToolTip(QStringLiteral("%1\n%2").arg(run->name(), run->optimizerSummary()));
    m_updating = false;
}

void RunLegend::leaveEvent(QEvent* event) {
    QListWidget::leaveEvent(event);
    if (!m_hovered) return;
    m_hovered = nullptr;
    Q_EMIT highlighted(nullptr);
}

void RunLegend::contextMenuEvent(QContextMenuEvent* event) {
    Run* run = runAt(row(itemAt(event->pos())));
    if (!run) return;
    QMenu menu(this);
    menu.addAction(tr("Colour…"), this, [this, run] {
        const QColor c =
            QColorDialog::getColor(run->color(), this, tr("Colour of %1").arg(run->name()));
        if (c.isValid()) run->setColor(c);
    });
    menu.addAction(tr("Show Alone"), this, [this, run] { solo(run); });
    menu.exec(event->globalPos());
}

} // namespace alig::ui
