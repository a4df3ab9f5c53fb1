#include "ui/window/batch_panel.h"

#include "core/experiment/run_store.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "ui/plots/sweep_plot.h"
#include "ui/run/run.h"
#include "ui/run/run_controller.h"
#include "ui/run/run_swatch.h"
#include "ui/window/metrics_export.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <QFileInfo>

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

QString percent(double v) {
    return std::isnan(v) ? QStringLiteral("–") : QString::number(100.0 * v, 'f', 2) + " %";
}

QString meanStd(double mean, double sd) {
    if (std::isnan(mean)) return QStringLiteral("–");
    return QString::number(100.0 * mean, 'f', 2) + " ± " + QString::number(100.0 * sd, 'f', 2) +
           " %";
}

QTableWidget* summaryTable(const QStringList& headers, const QString& toolTip) {
    auto* table = new QTableWidget(0, static_cast<int>(headers.size()));
    table->setHorizontalHeaderLabels(headers);
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    table->setWordWrap(false);
    table->verticalHeader()->hide();
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setToolTip(toolTip);
    return table;
}

std::vector<core::PlannedRun> planOf(const nlohmann::json& base, const BatchRequest& request,
                                     const QString& parentDir) {
    QString specs = request.optimizers;
    specs.replace('\n', ',');
    const auto parsed = core::parseOptimizerSpecs(specs.trimmed().toStdString());
    std::vector<double> values;
    if (request.sweep) values = core::parseSweepValues(request.values.toStdString());
    return core::planRuns(base, parsed, request.sweep ? request.param.toStdString() : "", values,
                          request.seeds, parentDir.toStdString());
}

} // namespace

BatchPanel::BatchPanel(Launcher launcher, QWidget* parent)
    : QWidget(parent)
    , m_launcher(std::move(launcher)) {
    m_status = new QLabel(tr("Run > Compare Optimizers… or Run > Sweep… starts a batch."));
    m_status->setWordWrap(true);
    m_moreSeeds = new QPushButton(tr("More Seeds…"));
    m_moreSeeds->setToolTip(tr("Train every setting of this batch with more seeds; the runs "
                               "there keep their results."));
    m_export = new QPushButton(tr("Export…"));
    m_export->setToolTip(tr("Write the batch's tables and its runs' metrics as CSV files."));
    connect(m_moreSeeds, &QPushButton::clicked, this, &BatchPanel::moreSeedsRequested);
    connect(m_export, &QPushButton::clicked, this, &BatchPanel::exportRequested);
    m_table = summaryTable({tr("Run"), tr("Status"), tr("Final test acc."), tr("Best test acc."),
                            tr("Time (s)"), tr("Steps to target"), tr("Clipped")},
                           tr("One row per run of the batch, filled in as each run ends. "
                              "Clipped: the share of steps ALI-G cut to max_lr."));
    m_groups = summaryTable({tr("Setting"), tr("Seeds"), tr("Final test acc."),
                             tr("Best test acc."), tr("Time (s)"), tr("Steps to target")},
                            tr("One row per setting: the mean ± the sample standard deviation "
                               "over its seeds' completed runs. Seeds: completed / planned."));
    // Best first, until the user sorts by another column.
    for (QTableWidget* t : {m_table, m_groups}) {
        t->setSortingEnabled(true);
        t->horizontalHeader()->setSortIndicator(2, Qt::DescendingOrder);
    }
    m_tabs = new QTabWidget;
    m_tabs->addTab(m_groups, tr("Per setting (mean ± std)"));
    m_tabs->addTab(m_table, tr("Per run"));
    m_plot = new SweepPlot;
    m_plot->setMinimumHeight(140); // the dock stays short on a 1280x720 screen
    m_plot->hide();
    auto* split = new QSplitter(Qt::Horizontal);
    split->addWidget(m_tabs);
    split->addWidget(m_plot);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto* top = new QHBoxLayout;
    top->addWidget(m_status, 1);
    top->addWidget(m_moreSeeds);
    top->addWidget(m_export);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    layout->addWidget(split, 1);
    updateButtons();
}

void BatchPanel::updateButtons() {
    m_moreSeeds->setEnabled(hasBatch() && !isRunning() && m_base.is_object());
    m_export->setEnabled(hasBatch());
}

void BatchPanel::start(const nlohmann::json& base, const BatchRequest& request,
                       const QString& parentDir) {
    if (isRunning())
        throw core::Error("a batch is still training: wait for it or stop its runs first");
    m_plan = planOf(base, request, parentDir);
    QDir().mkpath(parentDir);
    m_base = base;
    m_parent = parentDir;
    m_summaries.assign(m_plan.size(), core::RunSummary{});
    m_done.assign(m_plan.size(), false);
    planAndShow(request);
    m_status->setText(tr("%1: %2 runs into %3")
                          .arg(request.sweep ? tr("Sweep") : tr("Comparison"))
                          .arg(m_plan.size())
                          .arg(parentDir));
    launchMore();
}

void BatchPanel::planAndShow(const BatchRequest& request) {
    m_request = request;
    m_launched = m_done;
    m_finished = static_cast<size_t>(std::count(m_done.begin(), m_done.end(), true));
    m_active = 0;
    // The batch's record, so that it reopens after a restart (openBatch).
    core::writeBatchRecord(m_parent.toStdString(),
                           {{"kind", request.sweep ? "sweep" : "compare"},
                            {"optimizers", request.optimizers.toStdString()},
                            {"param", request.param.toStdString()},
                            {"values", request.values.toStdString()},
                            {"seeds", request.seeds},
                            {"parallel", request.parallel},
                            {"target_accuracy", request.targetAccuracy}},
                           m_base, m_plan);
    setRows(tr("waiting"));
    for (size_t i = 0; i < m_plan.size(); ++i)
        if (m_done[i]) fillRow(i, m_summaries[i]);
    fillGroups();
    m_tabs->setCurrentWidget(request.seeds > 1 ? m_groups : m_table);
    m_plot->setVisible(request.sweep);
    updateButtons();
}

void BatchPanel::addSeeds(int more) {
    if (!hasBatch() || !m_base.is_object())
        throw core::Error("no batch with its experiment is on show: start or open one first");
    if (isRunning())
        throw core::Error("a batch is still training: wait for it or stop its runs first");
    if (more < 1) throw core::Error("more seeds: need at least 1, got " + std::to_string(more));
    BatchRequest request = m_request;
    request.seeds += more;
    std::vector<core::PlannedRun> plan = planOf(m_base, request, m_parent);
    // The runs already there keep their summaries; only the new seeds train.
    std::vector<core::RunSummary> summaries(plan.size());
    std::vector<bool> done(plan.size(), false);
    for (size_t i = 0; i < plan.size(); ++i)
        for (size_t j = 0; j < m_plan.size(); ++j)
            if (m_plan[j].label == plan[i].label && m_done[j]) {
                summaries[i] = m_summaries[j];
                done[i] = true;
            }
    m_plan = std::move(plan);
    m_summaries = std::move(summaries);
    m_done = std::move(done);
    planAndShow(request);
    m_status->setText(tr("%1: %2 more runs (seeds up to %3) into %4")
                          .arg(request.sweep ? tr("Sweep") : tr("Comparison"))
                          .arg(m_plan.size() - m_finished)
                          .arg(request.seeds)
                          .arg(m_parent));
    launchMore();
}

void BatchPanel::launchMore() {
    for (size_t index = 0; index < m_plan.size() && m_active < m_request.parallel; ++index) {
        if (m_launched[index]) continue;
        m_launched[index] = true;
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
    updateButtons();
}

void BatchPanel::onRunEnded(size_t index, const QString& runDir, const QString& message) {
    if (index >= m_done.size() || m_done[index]) return;
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
    fillGroups();
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
    const Run* run = m_runOf ? m_runOf(QString::fromStdString(s.dir)) : nullptr;
    m_rowItems[index]->setIcon(runSwatch(run ? run->color() : QColor()));
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

void BatchPanel::fillGroups() {
    // Every planned run counts towards its setting; the statistics are over the ended ones.
    std::vector<core::RunSummary> all;
    for (size_t i = 0; i < m_plan.size(); ++i) {
        core::RunSummary s = m_summaries[i];
        s.group = m_plan[i].group;
        s.param = m_plan[i].param;
        s.value = m_plan[i].value;
        if (!m_done[i]) s.status = core::RunStatus::Stopped; // not ended: not counted
        all.push_back(s);
    }
    const auto groups = core::summarizeGroups(all);
    m_groups->setSortingEnabled(false);
    m_groups->clearContents();
    m_groups->setRowCount(static_cast<int>(groups.size()));
    for (int row = 0; row < static_cast<int>(groups.size()); ++row) {
        const core::GroupSummary& g = groups[static_cast<size_t>(row)];
        QString name = QString::fromStdString(g.group);
        if (!g.param.empty() && !std::isnan(g.value))
            name += QStringLiteral(" · %1 %2")
                        .arg(QString::fromStdString(g.param))
                        .arg(QString::number(g.value, 'g', 4));
        auto* item = new QTableWidgetItem(name);
        // The colour of the setting's first run: the seed band's colour too.
        for (size_t i = 0; i < m_plan.size(); ++i)
            if (m_plan[i].group == g.group && (std::isnan(g.value) || m_plan[i].value == g.value)) {
                const QString dir = QString::fromStdString(
                    m_summaries[i].dir.empty() ? m_plan[i].config.output.dir : m_summaries[i].dir);
                const Run* run = m_runOf ? m_runOf(dir) : nullptr;
                item->setIcon(runSwatch(run ? run->color() : QColor()));
                break;
            }
        m_groups->setItem(row, 0, item);
        auto* seeds = new NumberItem;
        setNumber(seeds, QStringLiteral("%1 / %2").arg(g.completed).arg(g.runs), g.completed);
        m_groups->setItem(row, 1, seeds);
        auto* final = new NumberItem;
        setNumber(final, meanStd(g.meanFinalTestAccuracy, g.stdFinalTestAccuracy),
                  g.meanFinalTestAccuracy);
        m_groups->setItem(row, 2, final);
        auto* best = new NumberItem;
        setNumber(best, meanStd(g.meanBestTestAccuracy, g.stdBestTestAccuracy),
                  g.meanBestTestAccuracy);
        m_groups->setItem(row, 3, best);
        auto* seconds = new NumberItem;
        setNumber(seconds,
                  std::isnan(g.meanSeconds) ? QStringLiteral("–")
                                            : QString::number(g.meanSeconds, 'f', 1),
                  g.meanSeconds);
        m_groups->setItem(row, 4, seconds);
        auto* steps = new NumberItem;
        setNumber(steps,
                  g.meanStepsToTarget >= 0 ? QStringLiteral("%1 (%2 of %3)")
                                                 .arg(QString::number(g.meanStepsToTarget, 'f', 0))
                                                 .arg(g.reachedTarget)
                                                 .arg(g.completed)
                                           : QStringLiteral("–"),
                  g.meanStepsToTarget >= 0 ? g.meanStepsToTarget : std::nan(""));
        m_groups->setItem(row, 5, steps);
    }
    m_groups->setSortingEnabled(true);
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
        dirs.push_back(dir + "/" + QString::fromStdString(r.value("dir", std::string())));
        p.config.output.dir = dirs.back().toStdString();
        plan.push_back(p);
    }
    m_request = request;
    m_plan = plan;
    m_parent = dir;
    // The experiment it started from, so that it can take more seeds.
    m_base =
        record.contains("base") && record["base"].is_object() ? record["base"] : nlohmann::json();
    m_summaries.assign(m_plan.size(), core::RunSummary{});
    m_done.assign(m_plan.size(), true);
    m_launched = m_done;
    m_finished = m_plan.size();
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
    fillGroups();
    m_tabs->setCurrentWidget(request.seeds > 1 ? m_groups : m_table);
    m_plot->setVisible(request.sweep);
    if (request.sweep && QFileInfo::exists(dir + "/sweep.csv")) m_plot->loadCsv(dir + "/sweep.csv");
    m_status->setText(tr("%1 of %2 runs · %3 (reopened)")
                          .arg(request.sweep ? tr("Sweep") : tr("Comparison"))
                          .arg(m_plan.size())
                          .arg(dir));
    updateButtons();
}

QStringList BatchPanel::exportBatch(const QString& base) {
    if (!hasBatch()) throw core::Error("no batch is on show: start or open one first");
    std::vector<core::RunSummary> done;
    QList<const Run*> runs;
    for (size_t i = 0; i < m_plan.size(); ++i) {
        if (!m_done[i]) continue;
        done.push_back(m_summaries[i]);
        if (const Run* run =
                m_runOf ? m_runOf(QString::fromStdString(m_summaries[i].dir)) : nullptr)
            runs << run;
    }
    const QStringList files{base + "-runs.csv", base + "-groups.csv"};
    core::writeSummaryCsv(files[0].toStdString(), done);
    core::writeGroupsCsv(files[1].toStdString(), done);
    if (runs.isEmpty()) return files;
    exportMetricsCsv(runs, base + "-metrics.csv", base + "-epochs.csv");
    return files + QStringList{base + "-metrics.csv", base + "-epochs.csv"};
}

void BatchPanel::writeFiles() {
    std::vector<core::RunSummary> done;
    for (size_t i = 0; i < m_plan.size(); ++i)
        if (m_done[i]) done.push_back(m_summaries[i]);
    const std::string parent = m_parent.toStdString();
    try {
        core::writeSummaryCsv(parent + "/summary.csv", done);
        core::writeGroupsCsv(parent + "/groups.csv", done);
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
