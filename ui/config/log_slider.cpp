#include "ui/config/log_slider.h"

#include "ui/config/number_spin_box.h"

#include <QHBoxLayout>
#include <QSlider>

#include <algorithm>
#include <cmath>

namespace alig::ui {

namespace {
const double kLogMin = std::log10(LogSlider::kMinimum);
const double kLogMax = std::log10(LogSlider::kMaximum);
const int kPositions =
    static_cast<int>(std::lround((kLogMax - kLogMin) * LogSlider::kStepsPerDecade));
} // namespace

LogSlider::LogSlider(QWidget* parent)
    : QWidget(parent)
    , m_slider(new QSlider(Qt::Horizontal, this))
    , m_spinBox(new NumberSpinBox(this)) {
    m_slider->setRange(0, kPositions);
    m_slider->setSingleStep(1);
    m_slider->setPageStep(kStepsPerDecade / 2);
    m_slider->setTickPosition(QSlider::TicksBelow);
    m_slider->setTickInterval(kStepsPerDecade); // one tick per decade
    m_spinBox->setLogarithmicSteps(true);
    m_spinBox->setSingleStep(kMinimum);
    // 0 is allowed so that ExperimentConfig::validate() can say why it is wrong.
    m_spinBox->setRange(0.0, 1e9);
    // A half-typed number must not reach a running optimizer: commit on Enter or focus out.
    m_spinBox->setKeyboardTracking(false);
    m_spinBox->setMinimumWidth(
        m_spinBox->fontMetrics().horizontalAdvance(QStringLiteral("0.00015")) + 30);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_slider, 1);
    layout->addWidget(m_spinBox);
    setFocusProxy(m_spinBox);

    connect(m_slider, &QSlider::valueChanged, this, [this](int position) {
        if (m_syncing) return;
        m_syncing = true;
        m_spinBox->setValue(valueAt(position));
        m_syncing = false;
        Q_EMIT valueChanged(m_spinBox->value());
    });
    connect(m_spinBox, &QDoubleSpinBox::valueChanged, this, [this](double v) {
        if (m_syncing) return;
        m_syncing = true;
        m_slider->setValue(positionOf(v));
        m_syncing = false;
        Q_EMIT valueChanged(v);
    });
    m_spinBox->setValue(0.1);
    m_slider->setValue(positionOf(0.1));
}

double LogSlider::value() const {
    return m_spinBox->value();
}

void LogSlider::setValue(double value) {
    m_spinBox->setValue(value);
}

double LogSlider::valueAt(int position) {
    const double exponent = kLogMin + double(std::clamp(position, 0, kPositions)) / kStepsPerDecade;
    return QString::number(std::pow(10.0, exponent), 'g', 3).toDouble();
}

int LogSlider::positionOf(double value) {
    if (!(value > 0.0)) return 0;
    const double position = (std::log10(value) - kLogMin) * kStepsPerDecade;
    return static_cast<int>(std::clamp<double>(std::lround(position), 0, kPositions));
}

} // namespace alig::ui
