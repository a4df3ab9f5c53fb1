#include "ui/config/number_spin_box.h"

#include <QLocale>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>

namespace alig::ui {

NumberSpinBox::NumberSpinBox(QWidget* parent)
    : QDoubleSpinBox(parent) {
    // QDoubleSpinBox rounds every value to decimals() places. 30 places keep 17 significant
    // digits down to 1e-13, so any value a config holds survives setValue() unchanged;
    // textFromValue() decides what is shown.
    setDecimals(30);
    setRange(0.0, 1e9);
}

QString NumberSpinBox::textFromValue(double value) const {
    // The C locale, as in the JSON files and the validation messages.
    return QLocale::c().toString(value, 'g', QLocale::FloatingPointShortest);
}

double NumberSpinBox::valueFromText(const QString& text) const {
    if (!specialValueText().isEmpty() && text == specialValueText()) return minimum();
    return QLocale::c().toDouble(text.trimmed());
}

QValidator::State NumberSpinBox::validate(QString& text, int& /*pos*/) const {
    if (!specialValueText().isEmpty() && text == specialValueText()) return QValidator::Acceptable;
    const QString t = text.trimmed();
    // Anything that may still become a number ("", "1e", "-.") is Intermediate, so typing
    // scientific notation character by character is never refused.
    static const QRegularExpression partial(R"(^[+-]?(\d+\.?\d*|\.\d*)?([eE][+-]?\d*)?$)");
    if (!partial.match(t).hasMatch()) return QValidator::Invalid;
    bool ok = false;
    const double v = QLocale::c().toDouble(t, &ok);
    if (!ok || !std::isfinite(v)) return QValidator::Intermediate;
    return v >= minimum() && v <= maximum() ? QValidator::Acceptable : QValidator::Intermediate;
}

void NumberSpinBox::stepBy(int steps) {
    if (!m_logSteps) {
        QDoubleSpinBox::stepBy(steps);
        return;
    }
    double v = value();
    for (int i = 0; i < std::abs(steps); ++i)
        v = v <= 0.0 && steps > 0 ? singleStep() : nextOneTwoFive(v, steps);
    setValue(std::clamp(v, minimum(), maximum()));
    selectAll();
}

double nextOneTwoFive(double value, int direction) {
    if (!(value > 0.0)) return 0.0;
    const double decade = std::pow(10.0, std::floor(std::log10(value)));
    // Tolerance, so that 0.2 (stored as 0.2000000000000000111) counts as on the sequence.
    const double tolerance = 1e-9 * value;
    double result = 0.0;
    if (direction > 0) {
        for (double m : {1.0, 2.0, 5.0, 10.0})
            if (m * decade > value + tolerance) {
                result = m * decade;
                break;
            }
    } else {
        for (double m : {5.0, 2.0, 1.0, 0.5})
            if (m * decade < value - tolerance) {
                result = m * decade;
                break;
            }
    }
    // Through text, so that 3 * 0.1 style products come out as the short decimal.
    return QString::number(result, 'g', 12).toDouble();
}

} // namespace alig::ui
