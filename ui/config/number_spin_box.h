#pragma once
// A QDoubleSpinBox that shows numbers as a config file writes them ("0.1", "1e-05") and keeps
// them exact, so a value read from a config comes back unchanged. Used by the experiment
// panel for every real-valued field.

#include <QDoubleSpinBox>

namespace alig::ui {

class NumberSpinBox : public QDoubleSpinBox {
    Q_OBJECT

public:
    explicit NumberSpinBox(QWidget* parent = nullptr);

    // Arrows and the wheel walk 1, 2, 5, 10, ... instead of adding singleStep(): rates span
    // decades (max_lr, lr, eps), so a fixed step is too coarse at one end and too fine at
    // the other. From 0, the first step up goes to singleStep().
    void setLogarithmicSteps(bool on) { m_logSteps = on; }
    bool logarithmicSteps() const { return m_logSteps; }

    QString textFromValue(double value) const override;
    double valueFromText(const QString& text) const override;
    QValidator::State validate(QString& text, int& pos) const override;
    void stepBy(int steps) override;

private:
    bool m_logSteps = false;
};

// The next value of the 1-2-5 sequence above (direction > 0) or below `value`.
double nextOneTwoFive(double value, int direction);

} // namespace alig::ui
