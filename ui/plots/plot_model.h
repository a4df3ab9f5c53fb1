#pragma once
// The numbers behind the live plots, apart from any widget (PlotJuggler keeps its data model
// in a library of its own for the same reason): mapping records to x values, smoothing,
// grouping runs that differ only by seed into a mean and a band, and an auto-range that one
// diverged run cannot blow up. Plain C++ (no Qt, no QCustomPlot): MetricPlot draws what these
// compute, and tests drive them without a window.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace alig::ui::plotmodel {

// One curve: x ascending, y the same length (NaN: no value there).
struct Curve {
    std::vector<double> x, y;
};

// What the x axis measures for a record: its step, its fractional epoch (step over steps per
// epoch; the epoch number while that is not known yet) or its seconds of training.
enum class XMode { Step, Epoch, WallTime };
double xOf(XMode mode, int64_t step, int64_t epoch, double elapsed, int64_t stepsPerEpoch);

// TensorBoard's debiased exponential moving average of y (weight in [0, 1)); NaNs are
// skipped and stay NaN.
std::vector<double> smooth(const std::vector<double>& y, double weight);

// The band drawn around the mean of a seed group.
enum class Spread {
    StdDev, // mean ± the sample standard deviation (n - 1; 0 for one run)
    MinMax, // from the lowest to the highest run
};

// Runs that differ only by seed, as one curve: on the x values of the first member inside
// the range every member covers, each member is read at that x (linear interpolation between
// its points; steps line up exactly), and the mean and band are taken over the members that
// have a finite value there.
struct Band {
    std::vector<double> x, mean, lower, upper;
    std::vector<int> count; // members that contributed at each x
};
Band aggregate(const std::vector<Curve>& members, Spread spread);

// An axis range for a set of runs' value ranges that no single run can blow up. Each run
// brings its [lower, upper]; a run whose upper end lies far above the others' (more than
// kOutlierDecades decades above their median on a log axis, or more than kOutlierSpans times
// the typical span above it on a linear one) is an outlier: the range covers the others and
// that run is named in `outliers` (drawn clipped, with a mark). With fewer than three runs
// nothing is an outlier except runs the caller flags as diverged.
struct RunRange {
    double lower = 0.0, upper = 0.0;
    bool valid = false;
    bool diverged = false; // the run ended diverged: its last values are not to be trusted
};
struct AxisRange {
    double lower = 0.0, upper = 0.0;
    bool valid = false;
    std::vector<size_t> outliers; // indexes into the runs given
};
inline constexpr double kOutlierDecades = 3.0;
inline constexpr double kOutlierSpans = 10.0;
AxisRange robustRange(const std::vector<RunRange>& runs, bool logScale);

// The median of finite values (NaN for none).
double median(std::vector<double> values);

} // namespace alig::ui::plotmodel
