#pragma once
// What the live plots show and how: the x axis, loss smoothing, log scales, following the
// newest data. PlotsView edits one; the main window keeps it in QSettings between sessions.

#include <QString>
#include <QStringList>

class QSettings;

namespace alig::ui {

// What the x axis of every plot measures.
enum class XAxisMode {
    Step,     // optimizer steps since the start of the run
    Epoch,    // fractional epochs: step / stepsPerEpoch
    WallTime, // seconds of training (StepMetrics::elapsed, pauses excluded)
};

QString xAxisModeKey(XAxisMode mode);                               // "step", "epoch", "wall_time"
XAxisMode xAxisModeFromKey(const QString& key, bool* ok = nullptr); // Step when unknown

struct PlotSettings {
    static constexpr double kMaxSmoothing = 0.999;

    XAxisMode xAxis = XAxisMode::Step;
    // Weight of TensorBoard's debiased exponential moving average, in [0, kMaxSmoothing].
    double smoothing = 0.6;
    bool logLoss = true;
    bool logStepSize = true; // ALI-G's steps span decades
    bool logGradNorm = true;
    // Keep the newest data in view while a run trains. View state: not saved, and a new run
    // turns it back on (a zoom into one run says nothing about the next).
    bool follow = true;
    bool showRawLoss = true;
    // The step length ||w_new - w_old|| / ||g|| on the step size plot: one scale for every
    // method (ALI-G, SGD, Adam...).
    bool showEffectiveStep = false;
    bool logX = false; // every plot's x axis logarithmic (early steps and late ones at once)
    // Runs that differ only by seed: each on its own, or one mean line with a band.
    enum class SeedGroups { Off, StdDev, MinMax };
    SeedGroups seedGroups = SeedGroups::Off;
    // The methods' own quantities drawn on the effective learning rate plot (catalogue names:
    // "d", "lower_bound", ...).
    QStringList shownQuantities;

    // Under the "plots/" group (follow excepted). load() keeps the current value of a missing or
    // invalid key and clamps the smoothing into range, so a hand-edited file cannot break the
    // plots.
    void save(QSettings& settings) const;
    void load(QSettings& settings);

    bool operator==(const PlotSettings& other) const;
    bool operator!=(const PlotSettings& other) const { return !(*this == other); }
};

} // namespace alig::ui
