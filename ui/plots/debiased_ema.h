#pragma once
// TensorBoard's scalar smoothing, used by the loss plot: an exponential moving average whose
// start-up bias towards 0 is divided out, so the first smoothed points sit on the data.
// Non-finite samples are skipped: they neither move the average nor count towards n.

#include <cmath>
#include <limits>

namespace alig::ui {

class DebiasedEma {
public:
    explicit DebiasedEma(double weight = 0.0)
        : m_weight(weight) {}

    // ema = s * ema + (1 - s) * x; returns ema / (1 - s^n), or NaN for a skipped sample.
    double add(double x) {
        if (!std::isfinite(x)) return std::numeric_limits<double>::quiet_NaN();
        m_ema = m_weight * m_ema + (1.0 - m_weight) * x;
        m_weightPower *= m_weight; // s^n without calling pow() per sample
        return m_ema / (1.0 - m_weightPower);
    }

    double weight() const { return m_weight; }

private:
    double m_weight;
    double m_ema = 0.0;
    double m_weightPower = 1.0;
};

} // namespace alig::ui
