#include "ui/plots/plot_model.h"

#include "ui/plots/debiased_ema.h"

#include <algorithm>
#include <cmath>

namespace alig::ui::plotmodel {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The value of a curve at x: exact at a point, linear between two, NaN outside.
class Reader {
public:
    explicit Reader(const Curve& c)
        : m_c(c) {}

    double at(double x) {
        const auto& xs = m_c.x;
        if (xs.empty() || x < xs.front() || x > xs.back()) return kNaN;
        // Queries come in ascending x: walk on from the last position.
        while (m_i + 1 < xs.size() && xs[m_i + 1] <= x)
            ++m_i;
        if (xs[m_i] == x || m_i + 1 >= xs.size()) return m_c.y[m_i];
        const double x0 = xs[m_i], x1 = xs[m_i + 1];
        const double t = (x - x0) / (x1 - x0);
        return m_c.y[m_i] + t * (m_c.y[m_i + 1] - m_c.y[m_i]);
    }

private:
    const Curve& m_c;
    size_t m_i = 0;
};

} // namespace

double xOf(XMode mode, int64_t step, int64_t epoch, double elapsed, int64_t stepsPerEpoch) {
    switch (mode) {
    case XMode::Step:
        return static_cast<double>(step);
    case XMode::Epoch:
        return stepsPerEpoch > 0 ? static_cast<double>(step) / static_cast<double>(stepsPerEpoch)
                                 : static_cast<double>(epoch);
    case XMode::WallTime:
        return elapsed;
    }
    return static_cast<double>(step);
}

std::vector<double> smooth(const std::vector<double>& y, double weight) {
    DebiasedEma ema(weight);
    std::vector<double> out;
    out.reserve(y.size());
    for (double v : y)
        out.push_back(ema.add(v));
    return out;
}

double median(std::vector<double> values) {
    values.erase(
        std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }),
        values.end());
    if (values.empty()) return kNaN;
    const size_t mid = values.size() / 2;
    std::nth_element(values.begin(), values.begin() + static_cast<long>(mid), values.end());
    const double upper = values[mid];
    if (values.size() % 2 == 1) return upper;
    const double lower = *std::max_element(values.begin(), values.begin() + static_cast<long>(mid));
    return 0.5 * (lower + upper);
}

Band aggregate(const std::vector<Curve>& members, Spread spread) {
    Band band;
    if (members.empty() || members.front().x.empty()) return band;
    // The x range every member covers.
    double from = -std::numeric_limits<double>::infinity();
    double to = std::numeric_limits<double>::infinity();
    for (const Curve& c : members) {
        if (c.x.empty()) return band;
        from = std::max(from, c.x.front());
        to = std::min(to, c.x.back());
    }
    std::vector<Reader> readers;
    readers.reserve(members.size());
    for (const Curve& c : members)
        readers.emplace_back(c);
    std::vector<double> values;
    for (double x : members.front().x) {
        if (x < from || x > to) continue;
        values.clear();
        for (Reader& r : readers) {
            const double v = r.at(x);
            if (std::isfinite(v)) values.push_back(v);
        }
        if (values.empty()) continue;
        const double n = static_cast<double>(values.size());
        double mean = 0.0;
        for (double v : values)
            mean += v / n;
        double lower = mean, upper = mean;
        if (spread == Spread::MinMax) {
            lower = *std::min_element(values.begin(), values.end());
            upper = *std::max_element(values.begin(), values.end());
        } else if (values.size() > 1) {
            double ss = 0.0;
            for (double v : values)
                ss += (v - mean) * (v - mean);
            const double sd = std::sqrt(ss / (n - 1.0));
            lower = mean - sd;
            upper = mean + sd;
        }
        band.x.push_back(x);
        band.mean.push_back(mean);
        band.lower.push_back(lower);
        band.upper.push_back(upper);
        band.count.push_back(static_cast<int>(values.size()));
    }
    return band;
}

AxisRange robustRange(const std::vector<RunRange>& runs, bool logScale) {
    AxisRange range;
    auto scale = [logScale](double v) { return logScale ? std::log10(v) : v; };
    std::vector<size_t> valid, healthy;
    for (size_t i = 0; i < runs.size(); ++i) {
        const RunRange& r = runs[i];
        if (!r.valid || (logScale && !(r.lower > 0.0 && r.upper > 0.0))) continue;
        valid.push_back(i);
        if (!r.diverged) healthy.push_back(i);
    }
    if (valid.empty()) return range;
    std::vector<bool> outlier(runs.size(), false);
    // A diverged run does not set the range while healthy runs are on show.
    if (!healthy.empty())
        for (size_t i : valid)
            outlier[i] = runs[i].diverged;
    if (healthy.size() >= 3) {
        std::vector<double> uppers, lowers, spans;
        for (size_t i : healthy) {
            uppers.push_back(scale(runs[i].upper));
            lowers.push_back(scale(runs[i].lower));
            spans.push_back(scale(runs[i].upper) - scale(runs[i].lower));
        }
        const double up = median(uppers), low = median(lowers);
        // How far from the others is "far": decades on a log axis, typical spans on a
        // linear one (with a floor for runs whose values barely move).
        const double far =
            logScale ? kOutlierDecades
                     : kOutlierSpans * std::max(median(spans), 1e-9 * std::max(1.0, std::abs(up)));
        for (size_t i : healthy)
            outlier[i] = scale(runs[i].upper) > up + far || scale(runs[i].lower) < low - far;
    }
    for (size_t i : valid) {
        if (outlier[i]) {
            range.outliers.push_back(i);
            continue;
        }
        const RunRange& r = runs[i];
        if (!range.valid) {
            range.lower = r.lower;
            range.upper = r.upper;
            range.valid = true;
        }
        range.lower = std::min(range.lower, r.lower);
        range.upper = std::max(range.upper, r.upper);
    }
    if (!range.valid) { // every run an outlier (cannot happen with a median): take them all
        range.outliers.clear();
        for (size_t i : valid) {
            range.lower = range.valid ? std::min(range.lower, runs[i].lower) : runs[i].lower;
            range.upper = range.valid ? std::max(range.upper, runs[i].upper) : runs[i].upper;
            range.valid = true;
        }
    }
    return range;
}

} // namespace alig::ui::plotmodel
