#pragma once
// The Compare and Sweep dialogs, which teach their syntax: the methods come from the optimizer
// catalogue (double-click one to add its line), every line is checked as it is typed (a wrong
// line is marked and its message shown in place), and a preview lists each planned setting's
// optimizer fields: what the line sets, and what it inherits from the experiment (a preset's
// momentum, for instance). Start stays disabled while anything is wrong, so no error closes the
// dialog or loses a field. The plan is core::planRuns', so the dialog, the window and
// `alig-train compare/sweep` agree.

#include <nlohmann/json.hpp>

#include <QDialog>
#include <QString>

class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTreeWidget;

namespace alig::ui {

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
    // `base`: the experiment every run starts from (the experiment panel's JSON).
    BatchDialog(bool sweep, nlohmann::json base, QWidget* parent = nullptr);
    BatchRequest request() const;
    void setRequest(const BatchRequest& request);
    // Appends a line for the catalogue method `name` (the method list's double-click).
    void addMethod(const QString& name);
    // Shows a problem found after Start (the window could not start the batch) in place.
    void showProblem(const QString& message);

    // What is wrong with the request now ("" when it plans), the number of runs it plans, and
    // the 0-based lines of the optimizer list that are wrong: for tests and the Start button.
    QString problem() const { return m_problem; }
    int plannedRuns() const { return m_planned; }
    QList<int> badLines() const { return m_badLines; }
    QTreeWidget* preview() const { return m_preview; }
    QListWidget* methodList() const { return m_methods; }
    QPlainTextEdit* optimizerEdit() const { return m_optimizers; }
    QLineEdit* valuesEdit() const { return m_values; }
    QPushButton* startButton() const { return m_start; }

public Q_SLOTS:
    void accept() override;

private:
    void revalidate();

    bool m_sweep;
    nlohmann::json m_base;
    QListWidget* m_methods = nullptr;
    QPlainTextEdit* m_optimizers = nullptr;
    QLineEdit *m_param = nullptr, *m_values = nullptr;
    QSpinBox *m_seeds = nullptr, *m_parallel = nullptr;
    QDoubleSpinBox* m_target = nullptr;
    QLabel* m_message = nullptr;
    QLabel* m_valuesPreview = nullptr;
    QTreeWidget* m_preview = nullptr;
    QPushButton* m_start = nullptr;
    QString m_problem;
    int m_planned = 0;
    QList<int> m_badLines;
};

} // namespace alig::ui
