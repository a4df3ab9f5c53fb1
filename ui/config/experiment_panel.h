#pragma once
// The window's experiment form: preset, dataset, model, optimizer, training and output of one
// core::ExperimentConfig. It only edits the config; the config validates itself, and the panel
// shows the first error at the field it names. The main window puts it in a dock.

#include "core/experiment/experiment_config.h"

#include <QHash>
#include <QString>
#include <QWidget>

#include <optional>
#include <utility>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace alig::ui {

class LogSlider;
class NumberSpinBox;

class ExperimentPanel : public QWidget {
    Q_OBJECT

public:
    // The dynamic property set to true on a field's input while an error names that field;
    // the panel's style sheet draws it with a red border.
    static constexpr const char* kErrorProperty = "fieldError";

    explicit ExperimentPanel(QWidget* parent = nullptr);

    // Shows a config. Fields the form does not show (description, test_subset, ...) and fields
    // hidden for the chosen kind, type or method keep these values in config().
    void setConfig(const core::ExperimentConfig& config);
    // The config of setConfig() with every shown field as the form holds it. A field whose text
    // does not parse (hidden widths, seeds) keeps setConfig()'s value, and isValid() is false.
    core::ExperimentConfig config() const;
    bool isValid() const { return m_errors.isEmpty(); }
    // The errors, one a line, each starting with the field's JSON path; empty when valid.
    QString validationMessage() const;

    // Loads a preset as if chosen in the preset combo; false, with the reason shown under the
    // combo, when it cannot be read.
    bool loadPreset(const QString& name);

    // While a run trains, only max_lr and "no maximum" stay editable: the trainer reads the
    // rest once, at the start (and applies a new max_lr to ALI-G only).
    void setRunning(bool running);
    bool isRunning() const { return m_running; }

    // The input that edits a JSON path ("optimizer.max_lr", "model.hidden"), or nullptr.
    QWidget* fieldWidget(const QString& path) const { return m_fields.value(path); }

Q_SIGNALS:
    // After every edit and after setConfig().
    void configChanged();
    void validityChanged(bool valid);
    // The user changed max_lr or "no maximum" (nullopt: the unclipped Polyak step). Only valid
    // values are sent. It edits the next run only: a running run's max_lr changes by an
    // explicit act on that run (the Runs table's "Change max_lr of This Run").
    void maxLrEdited(std::optional<double> maxLr);
    // A preset replaced the experiment (the combo, or loadPreset()): it is no file's content.
    void presetLoaded(const QString& name);

private:
    struct Row {
        QFormLayout* form = nullptr;
        QWidget* widget = nullptr; // the row's field: the input, or a box holding it
    };

    void buildForm();
    QWidget* buildDatasetSection();
    QWidget* buildModelSection();
    QWidget* buildOptimizerSection();
    QWidget* buildTrainingSection();
    QWidget* buildOutputSection();
    // Names the input by its path, gives it its tooltip and adds its row to the form.
    // The optimizer fields that are one number or one flag of OptimizerConfig: one call makes
    // the row, and setConfig() and config() go through the member it names.
    struct NumberRange {
        double minimum, maximum, step;
        bool logSteps = false;
    };
    void numberField(QFormLayout* form, const QString& path, const QString& label,
                     double core::OptimizerConfig::*member, NumberRange range,
                     const QString& toolTip);
    void flagField(QFormLayout* form, const QString& path, const QString& text,
                   bool core::OptimizerConfig::*member, const QString& toolTip);
    // A number that may be unset (`unset` says what the method does then; `resolved`, when
    // given, is the value it uses, shown greyed while unset) and a count.
    using Resolved = double (core::OptimizerConfig::*)() const;
    void optionalField(QFormLayout* form, const QString& path, const QString& label,
                       std::optional<double> core::OptimizerConfig::*member, NumberRange range,
                       const QString& unset, const QString& toolTip, Resolved resolved = nullptr);
    void countField(QFormLayout* form, const QString& path, const QString& label,
                    int64_t core::OptimizerConfig::*member, int maximum, const QString& toolTip);
    void addField(QFormLayout* form, const QString& path, const QString& label, QWidget* input,
                  const QString& toolTip, QWidget* rowWidget = nullptr);
    QWidget* withBrowseButton(QLineEdit* edit, QPushButton** button);
    // A "custom" check box beside a number: unticked, the method's own default is used.
    QWidget* withCustomBox(QCheckBox* custom, QWidget* input);

    bool isRelevant(const QString& path) const;
    void updateVisibility();
    void updateEnabled();
    void onEdited();
    void revalidate();
    enum class Browse { DatasetPath, CsvTestFile, ModelFile };
    void browse(Browse what);
    void watch(QWidget* input);
    void emitMaxLr();

    core::ExperimentConfig m_base; // what setConfig() got: the values of hidden fields
    bool m_loading = false;        // setConfig() is filling the form: edits are not the user's
    bool m_running = false;
    QList<std::pair<QString, QString>> m_errors; // (path, message)

    QHash<QString, QWidget*> m_fields;
    QHash<QString, Row> m_rows;

    QComboBox* m_preset = nullptr;
    QLabel* m_presetDescription = nullptr;
    QLineEdit* m_name = nullptr;

    QComboBox* m_kind = nullptr;
    QLineEdit* m_path = nullptr;
    QPushButton* m_pathBrowse = nullptr;
    QLineEdit* m_testPath = nullptr;
    QPushButton* m_testPathBrowse = nullptr;
    QSpinBox* m_subset = nullptr;
    QCheckBox* m_normalize = nullptr;
    QSpinBox* m_cropPadding = nullptr;
    QCheckBox* m_horizontalFlip = nullptr;
    QLineEdit* m_labelColumn = nullptr;
    QComboBox* m_header = nullptr;
    NumberSpinBox* m_testFraction = nullptr;
    QSpinBox* m_samples = nullptr;
    NumberSpinBox* m_noise = nullptr;
    QSpinBox* m_classes = nullptr;
    QLineEdit* m_dataSeed = nullptr;

    QComboBox* m_modelType = nullptr;
    QLineEdit* m_hiddenText = nullptr;
    QComboBox* m_activation = nullptr;
    NumberSpinBox* m_dropout = nullptr;
    QSpinBox* m_depth = nullptr;
    QSpinBox* m_widen = nullptr;
    QSpinBox* m_channels = nullptr;
    QLineEdit* m_modelPath = nullptr;
    QPushButton* m_modelPathBrowse = nullptr;
    QLabel* m_torchScriptWarning = nullptr;

    struct NumberField {
        double core::OptimizerConfig::*member;
        NumberSpinBox* box;
    };
    struct FlagField {
        bool core::OptimizerConfig::*member;
        QCheckBox* box;
    };
    struct OptionalField {
        std::optional<double> core::OptimizerConfig::*member;
        QCheckBox* custom;
        NumberSpinBox* box;
        Resolved resolved; // the method's default, shown while unset (or nullptr)
    };
    struct CountField {
        int64_t core::OptimizerConfig::*member;
        QSpinBox* box;
    };
    QHash<QString, NumberField> m_numberFields; // by path
    QHash<QString, FlagField> m_flagFields;
    QHash<QString, OptionalField> m_optionalFields;
    QHash<QString, CountField> m_countFields;

    QComboBox* m_method = nullptr;
    LogSlider* m_maxLr = nullptr;
    QCheckBox* m_noMaxLr = nullptr;
    QComboBox* m_momentumForm = nullptr;
    QCheckBox* m_project = nullptr;
    NumberSpinBox* m_radius = nullptr;
    QComboBox* m_schedule = nullptr;
    QLineEdit* m_milestones = nullptr;
    QSpinBox* m_warmupEpochs = nullptr;

    QSpinBox* m_epochs = nullptr;
    QSpinBox* m_batchSize = nullptr;
    QLineEdit* m_trainSeed = nullptr;
    QSpinBox* m_threads = nullptr;
    QComboBox* m_device = nullptr;
    QComboBox* m_loss = nullptr;
    QCheckBox* m_evalTrain = nullptr;

    QSpinBox* m_checkpointEvery = nullptr;

    QLabel* m_errorLabel = nullptr;
};

} // namespace alig::ui
