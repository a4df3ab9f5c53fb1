#include "ui/window/batch_dialog.h"

#include "core/experiment/comparison.h"
#include "core/experiment/experiment_config.h"
#include "core/optim/optimizer_catalogue.h"
#include "core/util/error.h"

#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSet>
#include <QSpinBox>
#include <QTextBlock>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace alig::ui {

namespace {

constexpr const char* kLearningRate = "learning_rate";

// core's messages speak to the command line ("--optimizers: ..."); here the field is in view.
QString inPlace(const std::string& message) {
    QString text = QString::fromStdString(message);
    for (const char* flag : {"--optimizers: ", "--values: ", "--seeds: "})
        if (text.startsWith(QLatin1String(flag))) text.remove(0, static_cast<int>(strlen(flag)));
    return text;
}

bool setsField(const core::OptimizerSpec& spec, const std::string& field) {
    const std::string prefix = "optimizer." + field + "=";
    return std::any_of(spec.overrides.begin(), spec.overrides.end(),
                       [&](const std::string& o) { return o.rfind(prefix, 0) == 0; });
}

} // namespace

BatchDialog::BatchDialog(bool sweep, nlohmann::json base, QWidget* parent)
    : QDialog(parent)
    , m_sweep(sweep)
    , m_base(std::move(base)) {
    setWindowTitle(sweep ? tr("Sweep a setting") : tr("Compare optimizers"));

    // The methods, from the catalogue: what can go before the first colon.
    m_methods = new QListWidget;
    for (const core::OptimizerEntry& e : core::optimizerCatalogue()) {
        auto* item = new QListWidgetItem(QString::fromStdString(e.name + " — " + e.label));
        item->setData(Qt::UserRole, QString::fromStdString(e.name));
        std::string fields;
        for (const std::string& f : e.fields)
            fields += (fields.empty() ? "" : ", ") + f;
        item->setToolTip(tr("%1\nIts fields: %2\nIts step size: %3")
                             .arg(QString::fromStdString(e.label), QString::fromStdString(fields),
                                  QString::fromStdString(e.stepField)));
        m_methods->addItem(item);
    }
    m_methods->setToolTip(tr("Double-click a method to add a line for it."));
    connect(m_methods, &QListWidget::itemDoubleClicked, this,
            [this](QListWidgetItem* item) { addMethod(item->data(Qt::UserRole).toString()); });
    auto* add = new QPushButton(tr("Add ▸"));
    connect(add, &QPushButton::clicked, this, [this] {
        if (QListWidgetItem* item = m_methods->currentItem())
            addMethod(item->data(Qt::UserRole).toString());
    });
    auto* left = new QVBoxLayout;
    left->addWidget(new QLabel(tr("<b>Methods</b>")));
    left->addWidget(m_methods, 1);
    left->addWidget(add);

    auto* form = new QFormLayout;
    m_optimizers = new QPlainTextEdit;
    m_optimizers->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_optimizers->setMinimumHeight(110);
    m_optimizers->setTabChangesFocus(true);
    auto* syntax = new QLabel(
        tr("One setting per line: <tt>method:key=value:key=value</tt>, e.g. "
           "<tt>sgd:lr=0.1:momentum=0.9</tt>. A key is one of the method's fields (the preview "
           "lists them) or any experiment field by its path (<tt>training.batch_size=64</tt>). "
           "What a line does not set comes from the experiment."));
    syntax->setWordWrap(true);
    auto* optimizers = new QVBoxLayout;
    optimizers->addWidget(m_optimizers);
    optimizers->addWidget(syntax);
    form->addRow(sweep ? tr("Optimizers\n(one curve each)") : tr("Optimizers"), optimizers);
    if (sweep) {
        m_param = new QLineEdit;
        m_param->setToolTip(tr("The setting to vary, as its JSON path (optimizer.momentum, "
                               "training.batch_size, ...). learning_rate varies each method's "
                               "own step size: max_lr for ALI-G, lr for the others."));
        m_param->setPlaceholderText(tr("learning_rate, optimizer.momentum, training.batch_size"));
        form->addRow(tr("Swept setting"), m_param);
        m_values = new QLineEdit;
        m_values->setToolTip(tr("A list (1e-3, 0.01, 0.1) or logspace:FROM:TO:COUNT for COUNT "
                                "values evenly spaced on a log scale."));
        m_values->setPlaceholderText(tr("1e-3, 0.01, 0.1  or  logspace:1e-3:10:9"));
        m_valuesPreview = new QLabel;
        m_valuesPreview->setWordWrap(true);
        auto* values = new QVBoxLayout;
        values->addWidget(m_values);
        values->addWidget(m_valuesPreview);
        form->addRow(tr("Values"), values);
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
    m_message = new QLabel;
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* middle = new QVBoxLayout;
    middle->addLayout(form);
    middle->addWidget(m_message);
    middle->addStretch(1);

    // What each line plans: its fields, set here, inherited from the experiment, or defaults.
    m_preview = new QTreeWidget;
    m_preview->setColumnCount(3);
    m_preview->setHeaderLabels({tr("Setting"), tr("Value"), tr("From")});
    m_preview->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_preview->setToolTip(tr("Each line's optimizer fields as its runs will use them. \"the "
                             "experiment\": not set on the line, taken from the experiment "
                             "(brown where the experiment changed it from its default; add "
                             "key=value to the line to change it)."));
    auto* right = new QVBoxLayout;
    right->addWidget(new QLabel(tr("<b>What will run</b>")));
    right->addWidget(m_preview, 1);

    auto* columns = new QHBoxLayout;
    columns->addLayout(left, 2);
    columns->addLayout(middle, 4);
    columns->addLayout(right, 3);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    m_start = buttons->button(QDialogButtonBox::Ok);
    m_start->setText(tr("Start"));
    connect(buttons, &QDialogButtonBox::accepted, this, &BatchDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(columns, 1);
    layout->addWidget(buttons);
    resize(1080, 560);

    BatchRequest defaults;
    defaults.sweep = sweep;
    defaults.optimizers = sweep ? "alig\nsgd:momentum=0.9\nadam"
                                : "alig:max_lr=0.1\nsgd:lr=0.1:momentum=0.9\nadam:lr=1e-3";
    setRequest(defaults);
    connect(m_optimizers, &QPlainTextEdit::textChanged, this, &BatchDialog::revalidate);
    if (m_param) connect(m_param, &QLineEdit::textChanged, this, &BatchDialog::revalidate);
    if (m_values) connect(m_values, &QLineEdit::textChanged, this, &BatchDialog::revalidate);
    connect(m_seeds, &QSpinBox::valueChanged, this, &BatchDialog::revalidate);
    revalidate();
}

BatchRequest BatchDialog::request() const {
    BatchRequest r;
    r.sweep = m_sweep;
    QStringList lines;
    for (const QString& line : m_optimizers->toPlainText().split('\n'))
        if (!line.trimmed().isEmpty()) lines << line.trimmed();
    r.optimizers = lines.join('\n');
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
    revalidate();
}

void BatchDialog::addMethod(const QString& name) {
    QString text = m_optimizers->toPlainText();
    if (!text.isEmpty() && !text.endsWith('\n')) text += '\n';
    m_optimizers->setPlainText(text + name);
    m_optimizers->moveCursor(QTextCursor::End);
    m_optimizers->setFocus();
}

void BatchDialog::showProblem(const QString& message) {
    m_problem = message;
    m_message->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_message->setText(message);
}

void BatchDialog::accept() {
    revalidate();
    if (!m_problem.isEmpty()) return; // the message is in place; nothing is lost
    QDialog::accept();
}

void BatchDialog::revalidate() {
    if (!m_preview) return; // still being built
    QStringList problems;
    m_badLines.clear();
    m_preview->clear();

    std::vector<double> values;
    std::string param;
    bool valuesOk = true;
    if (m_sweep) {
        param = m_param->text().trimmed().toStdString();
        if (param.empty())
            problems << tr("Swept setting: name the setting to vary (learning_rate, "
                           "optimizer.momentum, training.batch_size, ...)");
        try {
            values = core::parseSweepValues(m_values->text().trimmed().toStdString());
            QStringList shown;
            for (size_t i = 0; i < values.size() && i < 8; ++i)
                shown << QString::number(values[i], 'g', 3);
            if (values.size() > 8) shown << QStringLiteral("…");
            m_valuesPreview->setText(
                tr("%n value(s): %1", "", static_cast<int>(values.size())).arg(shown.join(", ")));
            m_values->setStyleSheet({});
        } catch (const core::Error& e) {
            valuesOk = false;
            problems << tr("Values: %1").arg(inPlace(e.what()));
            m_valuesPreview->clear();
            m_values->setStyleSheet(QStringLiteral("background: #fde7ea;"));
        }
    }

    core::ExperimentConfig base;
    try {
        base = core::ExperimentConfig::fromJson(m_base);
    } catch (const core::Error& e) {
        problems << tr("The experiment: %1").arg(QString::fromStdString(e.what()));
    }
    const QBrush inherited(QColor(0xa0, 0x50, 0x00)), dim(QColor(0x70, 0x70, 0x70));
    QFont bold = m_preview->font();
    bold.setBold(true);
    int settings = 0;
    QSet<QString> labels;
    const QStringList lines = m_optimizers->toPlainText().split('\n');
    for (int i = 0; i < lines.size(); ++i) {
        const QString line = lines[i].trimmed();
        if (line.isEmpty()) continue;
        try {
            for (const core::OptimizerSpec& spec : core::parseOptimizerSpecs(line.toStdString())) {
                const QString label = QString::fromStdString(spec.label);
                if (labels.contains(label))
                    throw core::Error("\"" + spec.label +
                                      "\" is on an earlier line: each "
                                      "setting once (Seeds repeats it)");
                labels.insert(label);
                // The line's runs must be valid experiments, with every swept value.
                const auto plan = core::planRuns(
                    m_base, {spec}, m_sweep && valuesOk ? param : std::string(),
                    m_sweep && valuesOk ? values : std::vector<double>{}, 1, "batch");
                ++settings;
                const core::OptimizerConfig& o = plan.front().config.optimizer;
                const core::OptimizerEntry& entry = core::optimizerEntry(o.name);
                auto* top = new QTreeWidgetItem(m_preview, {label, {}, {}});
                top->setFont(0, bold);
                core::OptimizerConfig defaults;
                defaults.name = o.name;
                for (const std::string& field : entry.fields) {
                    const bool swept =
                        m_sweep && ((param == kLearningRate && field == entry.stepField) ||
                                    param == "optimizer." + field);
                    QString from;
                    QString value = QString::fromStdString(core::optimizerFieldText(o, field));
                    if (swept) {
                        from = tr("swept");
                        value = tr("(each value)");
                    } else if (setsField(spec, field)) {
                        from = tr("this line");
                    } else {
                        from = tr("the experiment");
                    }
                    auto* child =
                        new QTreeWidgetItem(top, {QString::fromStdString(field), value, from});
                    // Inherited: brown where the experiment moved it from the default (a
                    // preset's momentum), grey where it is the default.
                    if (from == tr("the experiment")) {
                        const bool moved = core::optimizerFieldText(defaults, field) !=
                                           core::optimizerFieldText(o, field);
                        for (int c = 0; c < 3; ++c)
                            child->setForeground(c, moved ? inherited : dim);
                    }
                }
                // A key the method does not read changes nothing: say so.
                for (const std::string& o2 : spec.overrides) {
                    if (o2.rfind("optimizer.", 0) != 0) continue;
                    const std::string key = o2.substr(10, o2.find('=') - 10);
                    if (key == "name" || entry.reads(key) || key.rfind("schedule", 0) == 0 ||
                        key == "milestones" || key == "gamma" || key == "warmup_epochs" ||
                        key == "min_lr_factor")
                        continue;
                    auto* child = new QTreeWidgetItem(
                        top, {QString::fromStdString(key),
                              QString::fromStdString(o2.substr(o2.find('=') + 1)),
                              tr("not read by %1").arg(QString::fromStdString(entry.shortLabel))});
                    for (int c = 0; c < 3; ++c)
                        child->setForeground(c, QBrush(QColor(0xb0, 0x00, 0x20)));
                }
                top->setExpanded(true);
            }
        } catch (const core::Error& e) {
            m_badLines << i;
            problems << tr("Line %1: %2").arg(i + 1).arg(inPlace(e.what()));
        }
    }
    if (settings == 0 && m_badLines.isEmpty())
        problems << tr("Optimizers: add at least one line (double-click a method on the left)");

    // Marks the wrong lines where they are typed.
    QList<QTextEdit::ExtraSelection> marks;
    for (int i : std::as_const(m_badLines)) {
        QTextEdit::ExtraSelection mark;
        mark.format.setBackground(QColor(0xfd, 0xe7, 0xea));
        mark.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
        mark.format.setUnderlineColor(QColor(0xb0, 0x00, 0x20));
        mark.format.setProperty(QTextFormat::FullWidthSelection, true);
        mark.cursor = QTextCursor(m_optimizers->document()->findBlockByNumber(i));
        mark.cursor.select(QTextCursor::LineUnderCursor);
        marks << mark;
    }
    m_optimizers->setExtraSelections(marks);

    const int valueCount = m_sweep ? std::max<int>(1, static_cast<int>(values.size())) : 1;
    m_problem = problems.join('\n');
    m_planned = m_problem.isEmpty() ? settings * valueCount * m_seeds->value() : 0;
    if (m_problem.isEmpty()) {
        m_message->setStyleSheet({});
        m_message->setText(m_sweep ? tr("%1 runs: %2 settings × %3 values × %4 seeds")
                                         .arg(m_planned)
                                         .arg(settings)
                                         .arg(valueCount)
                                         .arg(m_seeds->value())
                                   : tr("%1 runs: %2 settings × %3 seeds")
                                         .arg(m_planned)
                                         .arg(settings)
                                         .arg(m_seeds->value()));
    } else {
        m_message->setStyleSheet(QStringLiteral("color: #b00020;"));
        m_message->setText(m_problem);
    }
    m_start->setEnabled(m_problem.isEmpty());
}

} // namespace alig::ui
