#include "ui/window/batch_panel.h"

#include "core/experiment/run_store.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "ui/plots/sweep_plot.h"
#include "ui/run/run.h"
#include "ui/run/run_controller.h"

#include <nlohmann/json.hpp>

#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <QFileInfo>
#include <QPainter>

#include <cmath>

namespace alig::ui {

namespace {

constexpr const char* kBatchFile = "batch.json";

// Sorts by the number it holds (UserRole), not by its text: "9.5 %" before "10 %".
class NumberItem : public QTableWidgetItem {
public:
    bool operator<(const QTableWidgetItem& other) const override {
        const QVariant a = data(Qt::UserRole), b = other.data(Qt::UserRole);
        if (a.isValid() && b.isValid()) return a.toDouble() < b.toDouble();
        return QTableWidgetItem::operator<(other);
    }
};

void setNumber(QTableWidgetItem* item, const QString& text, double value) {
    item->setText(text);
    // Missing values sort last whichever way.
    item->setData(Qt::UserRole, std::isnan(value) ? QVariant(-1e300) : QVariant(value));
}

QIcon swatch(const QColor& color) {
    QPixmap pixmap(12, 12);
    pixmap.fill(Qt::transparent);
    if (!color.isValid()) return QIcon(pixmap);
    QPainter p(&pixmap);
    p.setBrush(color);
    p.setPen(color.darker(130));
    p.drawRect(QRectF(0.5, 0.5, 11, 11));
    return QIcon(pixmap);
}

QString percent(double v) {
    return std::isnan(v) ? QStringLiteral("–") : QString::number(100.0 * v, 'f', 2) + " %";
}

} // namespace

BatchDialog::BatchDialog(bool sweep, QWidget* parent)
    : QDialog(parent)
    , m_sweep(sweep) {
    setWindowTitle(sweep ? tr("Sweep a setting") : tr("Compare optimizers"));
    auto* form = new QFormLayout;
    m_optimizers = new QPlainTextEdit;
    m_optimizers->setToolTip(
        tr("One optimizer setting per line: the method, then key=value pairs, e.g. "
           "sgd:lr=0.1:momentum=0.9. Every run starts from the same initial weights and sees "
           "the data in the same order."));
    m_optimizers->setMinimumHeight(90);
    form->addRow(sweep ? tr("Optimizers (one curve each)") : tr("Optimizers"), m_optimizers);
    if (sweep) {
        m_param = new QLineEdit;
        m_param->setToolTip(tr("The setting to vary, as its JSON path (optimizer.max_lr, "
                               "training.batch_size, ...). learning_rate varies each method's "
                               "own step size: max_lr for ALI-G, lr for the others."));
        form->addRow(tr("Swept setting"), m_param);
        m_values = new QLineEdit;
        m_values->setToolTip(tr("The values: a list (1e-3, 0.01, 0.1) or logspace:FROM:TO:COUNT "
                                "for COUNT values evenly spaced on a log scale."));
        form->addRow(tr("Values"), m_values);
    }
    m_seeds = new QSpinBox;
    m_seeds->setRange(1, 20);
    m_seeds->setToolTip(tr("Runs per setting, with the seeds seed, seed+1, ...: the spread "
                           "between them shows how much of a difference is luck."));
    form->addRow(tr("Seeds"), m_seeds);
    m_parallel = new QSpinBox;
    m_parallel->setRange(1, 16);
    m_parallel->setToolTip(tr("How many runs train at the same time. They share the CPU cores."));
    form->addRow(tr("At once"), m_parallel);
    m_target = new QDoubleSpinBox;
    m_target->setRange(0.0, 100.0);
    m_target->setSuffix(" %");
    m_target->setToolTip(tr("The summary reports after how many steps each run's training "
                            "accuracy first reached this value (at an epoch's end)."));
    form->addRow(tr("Target training accuracy"), m_target);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Start"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
    BatchRequest defaults;
    defaults.sweep = sweep;
    defaults.optimizers = sweep ? "alig\nsgd:momentum=0.9\nadam"
                                : "alig:max_lr=0.1\nsgd:lr=0.1:momentum=0.9\nadam:lr=1e-3";
    setRequest(defaults);
}

BatchRequest BatchDialog::request() const {
    BatchRequest r;
    r.sweep = m_sweep;
    r.optimizers = m_optimizers->toPlainText();
    if (m_sweep) {
        r.param = m_param->text().trimmed();
        r.values = m_values->text().trimmed();
    }
    r.seeds = m_seeds->value();
    r.parallel = m_parallel->value();
    r.targetAccuracy = m_target->value() / 100.0;
    return r;
}

void BatchDialog::setRequest(const BatchRequest& r) {
    m_optimizers->setPlainText(r.optimizers);
    if (m_sweep) {
        m_param->setText(r.param);
        m_values->setText(r.values);
    }
    m_seeds->setValue(r.seeds);
    m_parallel->setValue(r.parallel);
    m_target->setValue(100.0 * r.targetAccuracy);
}

BatchPanel::BatchPanel(Launcher launcher, QWidget* parent)
    : QWidget(parent)
    , m_launcher(std::move(launcher)) {
    m_status = new QLabel(tr("Run > Compare Optimizers… or Run > Sweep… starts a batch."));
    m_status->setWordWrap(true);
    m_table = new QTableWidget(0, 7);
    m_table->setHorizontalHeaderLabels({tr("Run"), tr("Status"), tr("Final test acc."),
                                        tr("Best test acc."), tr("Time (s)"), tr("Steps to target"),
                                        tr("Clipped")});
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setToolTip(tr("One row per run of the batch, filled in as each run ends. Clipped: "
                           "the share of steps ALI-G cut to max_lr."));
    m_plot = new SweepPlot;
    m_plot->setMinimumHeight(220);
    m_plot->hide();
    auto* split = new QSplitter(Qt::Horizontal);
    split->addWidget(m_table);
    split->addWidget(m_plot);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_status);
    layout->addWidget(split, 1);
}

void BatchPanel::start(const nlohmann::json& base, const BatchRequest& request,
                       const QString& parentDir) {
    if (isRunning())
        throw core::Error("a batch is still training: wait for it or stop its runs first");
    QString specs = request.optimizers;
    specs.replace('\n', ',');
    const auto parsed = core::parseOptimizerSpecs(specs.trimmed().toStdString());
    std::vector<double> values;
    if (request.sweep) values = core::parseSweepValues(request.values.toStdString());
    m_plan = core::planRuns(base, parsed, request.sweep ? request.param.toStdString() : "", values,
                            request.seeds, parentDir.toStdString());
    QDir().mkpath(parentDir);
    m_request = request;
    m_parent = parentDir;
    m_summaries.assign(m_plan.size(), core::RunSummary{});
    m_done.assign(m_plan.size(), false);
    m_next = m_finished = 0;
    m_active = 0;
    // The batch's record, so that it reopens after a restart (openBatch).
    core::writeBatchRecord(parentDir.toStdString(),
                           {{"kind", request.sweep ? "sweep" : "compare"},
                            {"optimizers", request.optimizers.toStdString()},
                            {"param", request.param.toStdString()},
                            {"values", request.values.toStdString()},
                            {"seeds", request.seeds},
                            {"parallel", request.parallel},
                            {"target_accuracy", request.targetAccuracy}},
                           base, m_plan);
    setRows(tr("waiting"));
    m_plot->setVisible(request.sweep);
    m_status->setText(tr("%1: %2 runs into %3")
                          .arg(request.sweep ? tr("Sweep") : tr("Comparison"))
                          .arg(m_plan.size())
                          .arg(parentDir));
    launchMore();
}

void BatchPanel::launchMore() {
    while (m_active < m_request.parallel && m_next < m_plan.size()) {
        const size_t index = m_next++;
        RunController* c = m_launcher(m_plan[index]);
        ++m_active;
        m_table->item(m_rowItems[index]->row(), 1)->setText(tr("training"));
        connect(c, &RunController::finished, this,
                [this, index, c](core::RunStatus, const QString& message) {
                    onRunEnded(index, c->run() ? c->run()->runDir() : QString(), message);
                });
        connect(c, &RunController::failed, this, [this, index, c](const QString& message) {
            if (!c->isActive()) // failed to start: no finished() will follow
                onRunEnded(index, QString(), message);
        });
    }
}

void BatchPanel::onRunEnded(size_t index, const QString& runDir, const QString& message) {
    if (m_done[index]) return;
    m_done[index] = true;
    --m_active;
    ++m_finished;
    core::RunSummary s;
    try {
        if (runDir.isEmpty()) throw core::Error(message.toStdString());
        s = core::summarize(core::readRun(runDir.toStdString()), m_request.targetAccuracy);
    } catch (const std::exception& e) {
        s.status = core::RunStatus::Failed;
        s.message = e.what();
    }
    fillRow(index, s);
    writeFiles();
    m_status->setText(
        tr("%1 of %2 runs done · %3").arg(m_finished).arg(m_plan.size()).arg(m_parent));
    launchMore();
    if (m_finished == m_plan.size()) Q_EMIT allFinished();
}

void BatchPanel::setRows(const QString& state) {
    m_table->setSortingEnabled(false);
    m_table->clearContents();
    m_table->setRowCount(static_cast<int>(m_plan.size()));
    m_rowItems.clear();
    for (size_t i = 0; i < m_plan.size(); ++i) {
        const int row = static_cast<int>(i);
        auto* label = new QTableWidgetItem(QString::fromStdString(m_plan[i].label));
        m_rowItems.push_back(label);
        m_table->setItem(row, 0, label);
        m_table->setItem(row, 1, new QTableWidgetItem(state));
        for (int c = 2; c < 7; ++c)
            m_table->setItem(row, c, new NumberItem);
    }
    m_table->setSortingEnabled(true);
}

void BatchPanel::fillRow(size_t index, const core::RunSummary& summary) {
    core::RunSummary s = summary;
    const auto& p = m_plan[index];
    s.label = p.label;
    s.group = p.group;
    s.param = p.param;
    s.value = p.value;
    s.seed = p.seed;
    m_summaries[index] = s;
    // Rows move when the table is sorted: find this one by its first cell.
    m_table->setSortingEnabled(false);
    const int row = m_rowItems[index]->row();
    if (m_colorOf) m_rowItems[index]->setIcon(swatch(m_colorOf(QString::fromStdString(s.dir))));
    m_rowItems[index]->setToolTip(QString::fromStdString(s.dir));
    m_table->item(row, 1)->setText(QString::fromStdString(core::runStatusName(s.status)));
    m_table->item(row, 1)->setToolTip(QString::fromStdString(s.message));
    setNumber(m_table->item(row, 2), percent(s.finalTestAccuracy), s.finalTestAccuracy);
    setNumber(m_table->item(row, 3), percent(s.bestTestAccuracy), s.bestTestAccuracy);
    setNumber(m_table->item(row, 4), QString::number(s.seconds, 'f', 1), s.seconds);
    setNumber(m_table->item(row, 5),
              s.stepsToTarget >= 0 ? QString::number(s.stepsToTarget) : QStringLiteral("–"),
              s.stepsToTarget >= 0 ? static_cast<double>(s.stepsToTarget) : std::nan(""));
    setNumber(m_table->item(row, 6), percent(s.clippedFraction), s.clippedFraction);
    m_table->setSortingEnabled(true);
}

void BatchPanel::openBatch(const QString& dir) {
    if (isRunning())
        throw core::Error("a batch is still training: wait for it or stop its runs first");
    const nlohmann::json record = core::readJsonObjectFile((dir + "/" + kBatchFile).toStdString());
    BatchRequest request;
    request.sweep = record.value("kind", std::string()) == "sweep";
    request.optimizers = QString::fromStdString(record.value("optimizers", std::string()));
    request.param = QString::fromStdString(record.value("param", std::string()));
    request.values = QString::fromStdString(record.value("values", std::string()));
    request.seeds = record.value("seeds", 1);
    request.parallel = record.value("parallel", 2);
    request.targetAccuracy = record.value("target_accuracy", 0.9);
    std::vector<core::PlannedRun> plan;
    std::vector<QString> dirs;
    if (!record.contains("runs") || !record["runs"].is_array())
        throw core::Error(dir.toStdString() + "/" + kBatchFile + ": has no \"runs\"");
    for (const auto& r : record["runs"]) {
        core::PlannedRun p;
        p.label = r.value("label", std::string());
        p.group = r.value("group", std::string());
        p.param = r.value("param", std::string());
        p.value =
            r.contains("value") && r["value"].is_number() ? r["value"].get<double>() : std::nan("");
        p.seed = r.value("seed", uint64_t{0});
        plan.push_back(p);
        dirs.push_back(dir + "/" + QString::fromStdString(r.value("dir", std::string())));
    }
    m_request = request;
    m_plan = plan;
    m_parent = dir;
    m_summaries.assign(m_plan.size(), core::RunSummary{});
    m_done.assign(m_plan.size(), true);
    m_next = m_finished = m_plan.size();
    m_active = 0;
    setRows(QString());
    for (size_t i = 0; i < m_plan.size(); ++i) {
        core::RunSummary s;
        try {
            s = core::summarize(core::readRun(dirs[i].toStdString()), request.targetAccuracy);
        } catch (const std::exception& e) {
            s.status = core::RunStatus::Failed;
            s.message = e.what(); // a run that never started, or a folder removed since
            s.dir = dirs[i].toStdString();
        }
        fillRow(i, s);
    }
    m_plot->setVisible(request.sweep);
    if (request.sweep && QFileInfo::exists(dir + "/sweep.csv")) m_plot->loadCsv(dir + "/sweep.csv");
    m_status->setText(tr("%1 of %2 runs · %3 (reopened)")
                          .arg(request.sweep ? tr("Sweep") : tr("Comparison"))
                          .arg(m_plan.size())
                          .arg(dir));
}

void BatchPanel::writeFiles() {
    std::vector<core::RunSummary> done;
    for (size_t i = 0; i < m_plan.size(); ++i)
        if (m_done[i]) done.push_back(m_summaries[i]);
    const std::string parent = m_parent.toStdString();
    try {
        core::writeSummaryCsv(parent + "/summary.csv", done);
        if (m_request.sweep) {
            // The plot fills in as runs finish.
            core::writeSweepCsv(parent + "/sweep.csv", done);
            m_plot->loadCsv(m_parent + "/sweep.csv");
            if (m_finished == m_plan.size())
                renderSweepPlot(m_parent + "/sweep.csv", m_parent + "/sweep");
        }
    } catch (const core::Error& e) {
        m_status->setText(QString::fromStdString(e.what()));
    }
}

} // namespace alig::ui
