#include "ui/classroom/step_anatomy_panel.h"

#include "core/optim/optimizer_catalogue.h"
#include "ui/run/refresh_pacer.h"

#include <QGridLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <cmath>

namespace alig::ui {

namespace {

QString num(double v) {
    if (!std::isfinite(v)) return QStringLiteral("—");
    return QString::number(v, 'g', 4);
}

const QColor kClipped(213, 94, 0);    // Okabe-Ito vermillion
const QColor kUnclipped(0, 158, 115); // Okabe-Ito bluish green
constexpr int kMethodRows = 4;

QString toQ(const std::string& s) {
    return QString::fromStdString(s);
}

} // namespace

StepAnatomyPanel::StepAnatomyPanel(QWidget* parent)
    : QWidget(parent) {
    setObjectName("StepAnatomyPanel");
    auto* layout = new QVBoxLayout(this);
    m_header = new QLabel(this);
    m_header->setWordWrap(true);
    QFont bold; // only the weight: the size follows the window's (presentation mode)
    bold.setBold(true);
    m_header->setFont(bold);
    layout->addWidget(m_header);

    m_grid = new QGridLayout;
    m_grid->setColumnStretch(1, 1);
    m_grid->setHorizontalSpacing(12);
    layout->addLayout(m_grid);
    addRow("step_no", tr("Step"), tr("The newest optimizer step of the run, and its epoch"));
    addRow("loss", tr("Batch loss ℓ"), tr("The mini-batch loss the step was computed from"));
    addRow("grad_sq", tr("‖g‖²"),
           tr("The squared norm of the mini-batch gradient, over every "
              "parameter"));
    addRow("ratio", tr("Polyak ℓ/(‖g‖²+ε)"),
           tr("The step that would bring a linear model of the loss to 0: ALI-G's step "
              "before the cap"));
    addRow("max_lr", tr("max_lr"), tr("ALI-G's cap on the step"));
    addRow("step", tr("Step γ"),
           tr("min(Polyak ratio, max_lr); for other methods their "
              "learning rate"));
    addRow("clipped", tr("Clipped?"), tr("Whether max_lr cut the Polyak ratio"));
    addRow("grad_move", tr("‖γg‖, gradient"),
           tr("How far the gradient step moved the "
              "weights"));
    addRow("momentum_move", tr("‖μv‖, momentum"),
           tr("How far the momentum term moved the weights this step (0 without momentum)"));
    // The rows of a method that explains its own step (Prodigy's d, MoMo's bound, ...): named
    // by the catalogue's explanation, hidden for the others.
    for (int i = 0; i < kMethodRows; ++i)
        addRow(QStringLiteral("method%1").arg(i), {}, {});

    m_verdict = new QLabel(this);
    m_verdict->setWordWrap(true);
    m_verdict->setObjectName("StepAnatomyVerdict");
    layout->addWidget(m_verdict);
    layout->addStretch(1);
    m_grid->setVerticalSpacing(4);
    refresh();
}

QLabel* StepAnatomyPanel::addRow(const QString& key, const QString& name, const QString& tip) {
    auto* n = new QLabel(name, this);
    n->setToolTip(tip);
    auto* v = new QLabel(this);
    v->setToolTip(tip);
    v->setWordWrap(true); // the dock may be narrow: long formulas wrap
    v->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont f; // only the family: the size follows the window's
    f.setFamily(QStringLiteral("monospace"));
    f.setStyleHint(QFont::Monospace);
    v->setFont(f);
    m_grid->addWidget(n, m_rows, 0);
    m_grid->addWidget(v, m_rows, 1);
    ++m_rows;
    m_values[key] = v;
    m_names[key] = n;
    return v;
}

void StepAnatomyPanel::setRun(Run* run) {
    if (run == m_run) return;
    disconnect(m_stepsConnection);
    disconnect(m_clearedConnection);
    m_run = run;
    if (run) {
        m_stepsConnection = connect(run, &Run::stepsAppended, this, [this](int) { refreshSoon(); });
        m_clearedConnection = connect(run, &Run::metricsCleared, this, [this] { refresh(); });
    }
    refresh();
}

void StepAnatomyPanel::flush() {
    if (!m_refreshTimer.isActive()) return;
    m_refreshTimer.stop();
    refresh();
}

void StepAnatomyPanel::refreshSoon() {
    // Twelve labels laid out again 30 times a second cost the training thread several percent
    // of its throughput on 2 cores; five times a second reads the same (slower when the
    // window's refreshes cost more than their share here). A step taken alone (Step, after a
    // pause) still shows at once.
    const qint64 refreshMs = RefreshPacer::instance().interval(200);
    if (!m_refreshTimer.isActive()) {
        m_refreshTimer.setSingleShot(true);
        connect(&m_refreshTimer, &QTimer::timeout, this, &StepAnatomyPanel::refresh,
                Qt::UniqueConnection);
    }
    const qint64 since = m_sinceRefresh.isValid() ? m_sinceRefresh.elapsed() : refreshMs;
    if (since >= refreshMs) {
        m_refreshTimer.stop();
        refresh();
    } else if (!m_refreshTimer.isActive()) {
        m_refreshTimer.start(static_cast<int>(refreshMs - since));
    }
}

void StepAnatomyPanel::showRow(const QString& key, bool shown) {
    m_names[key]->setVisible(shown);
    m_values[key]->setVisible(shown);
}

QString StepAnatomyPanel::rowName(const QString& key) const {
    auto it = m_names.find(key);
    return it == m_names.end() ? QString() : it->second->text();
}

QString StepAnatomyPanel::valueText(const QString& key) const {
    auto it = m_values.find(key);
    return it == m_values.end() ? QString() : it->second->text();
}

QString StepAnatomyPanel::verdict() const {
    return m_verdict->text();
}

void StepAnatomyPanel::refresh() {
    const RefreshPacer::Cost cost;
    m_sinceRefresh.start();
    for (auto& [key, label] : m_values)
        label->setText(QStringLiteral("—"));
    m_values["clipped"]->setStyleSheet({});
    if (!m_run) {
        m_header->setText(tr("No run yet. Press Step (F10) to take one optimizer step and see "
                             "how ALI-G chose it."));
        m_verdict->clear();
        return;
    }
    const auto& o = m_run->config().optimizer;
    // ALI-G reports its Polyak ratio, its cap and clip, and its momentum term.
    const core::OptimizerEntry* entry = core::findOptimizer(o.name);
    const bool alig = entry && entry->reports.polyakRatio;
    const bool explains = entry && entry->explain;
    const double eps = o.resolvedEps();
    m_header->setText(tr("%1 — %2").arg(m_run->name(), m_run->optimizerSummary()));
    m_names["max_lr"]->setEnabled(alig);
    m_names["clipped"]->setEnabled(alig);
    m_names["momentum_move"]->setEnabled(alig);
    // A method with its own explanation shows its rows in place of ALI-G's.
    for (const char* key : {"ratio", "max_lr", "clipped", "momentum_move"})
        showRow(key, !explains);
    for (int i = 0; i < kMethodRows; ++i)
        showRow(QStringLiteral("method%1").arg(i), false);
    m_names["step"]->setText(explains ? tr("Effective lr γ") : tr("Step γ"));
    if (m_run->steps().empty()) {
        m_verdict->setText(tr("Waiting for the first step."));
        return;
    }
    const core::StepMetrics& m = m_run->steps().back();
    const double gsq = m.gradNorm * m.gradNorm;
    // ALI-G reports its own ratio; for the others, the ratio ALI-G would have used.
    const double ratio = alig ? m.unclippedStepSize : m.loss / (gsq + 1e-5);
    m_values["step_no"]->setText(tr("%1 (epoch %2)").arg(m.step).arg(m.epoch));
    m_values["loss"]->setText(num(m.loss));
    m_values["grad_sq"]->setText(num(gsq));
    m_values["ratio"]->setText(
        tr("%1 / (%2 + %3) = %4").arg(num(m.loss), num(gsq), num(eps), num(ratio)));
    m_values["max_lr"]->setText(alig ? num(m.maxLr) : tr("(not ALI-G)"));
    m_values["step"]->setText(
        alig ? tr("min(%1, %2) = %3").arg(num(ratio), num(m.maxLr), num(m.stepSize))
             : num(m.stepSize));
    if (alig) {
        m_values["clipped"]->setText(m.clipped ? tr("yes: max_lr cut the step")
                                               : tr("no: the Polyak step itself"));
        m_values["clipped"]->setStyleSheet(QStringLiteral("color: %1; font-weight: bold")
                                               .arg((m.clipped ? kClipped : kUnclipped).name()));
    } else {
        m_values["clipped"]->setText(tr("(not ALI-G)"));
    }
    m_values["grad_move"]->setText(num(m.stepSize * m.gradNorm));
    m_values["momentum_move"]->setText(alig ? num(m.momentumStep) : tr("(not shown)"));
    if (explains) {
        core::StepFacts facts;
        facts.loss = m.loss;
        facts.gradNorm = m.gradNorm;
        facts.stepSize = m.stepSize;
        facts.unclipped = m.unclippedStepSize;
        facts.maxLr = m.maxLr;
        facts.clipped = m.clipped;
        facts.extras = m.extras;
        const core::StepExplanation e = entry->explain(o, facts);
        for (int i = 0; i < kMethodRows && i < static_cast<int>(e.rows.size()); ++i) {
            const QString key = QStringLiteral("method%1").arg(i);
            m_names[key]->setText(toQ(e.rows[static_cast<size_t>(i)].first));
            m_values[key]->setText(toQ(e.rows[static_cast<size_t>(i)].second));
            showRow(key, true);
        }
        m_values["step"]->setText(num(m.stepSize));
        m_verdict->setText(toQ(e.verdict));
        return;
    }

    QString v;
    const QString method = m_run->optimizerSummary().section(' ', 0, 0);
    if (!alig && entry && entry->reports.chosenStep)
        v = tr("%1 chose the step %2 from this batch's loss and gradient. ALI-G would have taken "
               "min(%3, max_lr) here.")
                .arg(method, num(m.stepSize), num(ratio));
    else if (!alig)
        v = tr("%1 steps by its learning rate %2. ALI-G would have taken min(%3, max_lr) here.")
                .arg(method, num(m.stepSize), num(ratio));
    else if (m.clipped)
        v = tr("The Polyak ratio %1 is above max_lr %2, so ALI-G took max_lr: far from "
               "interpolation the ratio over-shoots, and the cap keeps the step safe.")
                .arg(num(ratio), num(m.maxLr));
    else
        v = tr("The Polyak ratio %1 is below max_lr %2, so ALI-G took it as it is: the step "
               "that would bring a linear model of this batch's loss to 0.")
                .arg(num(ratio), num(m.maxLr));
    if (alig && o.momentum > 0.0)
        v += tr(" Momentum %1 added a move of %2 beside the gradient's %3.")
                 .arg(o.momentum)
                 .arg(num(m.momentumStep), num(m.stepSize * m.gradNorm));
    m_verdict->setText(v);
}

} // namespace alig::ui
