#pragma once
// ALI-G's max_lr editor: a slider on a logarithmic scale from 1e-4 to 1e2 beside a spin box
// that shows the exact value. Either one moves the other; valueChanged fires once per change.
// Used by the experiment panel; max_lr spans decades, which a linear slider cannot show.

#include <QWidget>

class QSlider;

namespace alig::ui {

class NumberSpinBox;

class LogSlider : public QWidget {
    Q_OBJECT

public:
    static constexpr double kMinimum = 1e-4;
    static constexpr double kMaximum = 1e2;
    static constexpr int kStepsPerDecade = 200; // a step changes the value by ~1.2%

    explicit LogSlider(QWidget* parent = nullptr);

    double value() const;
    // Like QSlider::setValue: emits valueChanged when the value changes. Values outside the
    // slider's range stay exact in the spin box; the slider rests at its end.
    void setValue(double value);

    QSlider* slider() const { return m_slider; }
    NumberSpinBox* spinBox() const { return m_spinBox; }

    // The value at a slider position, rounded to 3 significant digits so that dragging gives
    // numbers a person can read and type back ("0.0501", not "0.050118723").
    static double valueAt(int position);
    // The nearest slider position to a value, clamped to the ends.
    static int positionOf(double value);

Q_SIGNALS:
    void valueChanged(double value);

private:
    QSlider* m_slider;
    NumberSpinBox* m_spinBox;
    bool m_syncing = false; // true while one control follows the other
};

} // namespace alig::ui
