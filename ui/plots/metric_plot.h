#pragma once
// The base of the live plots: a QCustomPlot bound to a RunRegistry that keeps a set of graphs
// per run, appends only the new points of each batch, and redraws at most ~30 times a second.
// The numbers (x mapping, seed groups, the robust range) come from ui/plots/plot_model.h; this
// class draws them. Runs are named once, in the RunLegend beside the plots; a plot's own
// legend, above its axes, explains its line styles. LossPlot, AccuracyPlot, StepSizePlot and
// GradNormPlot only declare their series.

#include "core/train/metrics.h"
#include "ui/plots/plot_model.h"
#include "ui/plots/plot_settings.h"
#include "ui/plots/qcustomplot_include.h"
#include "ui/run/run.h"

#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <vector>

namespace alig::ui {

// Every series any plot draws; a plot holds a subset.
enum class Series {
    RawLoss,          // mini-batch loss per step
    SmoothedLoss,     // debiased EMA of RawLoss
    SmoothedAccuracy, // debiased EMA of BatchAccuracy
    TrainLoss,        // per epoch
    TestLoss,         // per epoch
    BatchAccuracy,    // per step, percent
    TrainAccuracy,    // per epoch, percent
    TestAccuracy,     // per epoch, percent
    StepSize,         // the step taken (ALI-G) or the learning rate
    PolyakStepSize,   // ALI-G's unclipped loss / (||g||^2 + eps)
    MaxLr,            // ALI-G's max_lr as a step line (only where it changes, plus the newest step)
    ClippedSteps,     // markers on the steps ALI-G cut to max_lr
    GradNorm,         // ||g|| per step
    EffectiveStep,    // ||w_new - w_old|| / ||g|| per step, the same measure for every method
    Interpolation,    // per epoch: percent of training samples with a loss below the threshold
    MethodQuantity,   // a method's own reported quantity (Prodigy's d, MoMo's bound...), by name
    LiveMaxLr,        // a marker on the first step of a max_lr changed while the run trained
};

class MetricPlot : public QCustomPlot {
    Q_OBJECT

public:
    ~MetricPlot() override;

    // Follows the registry's runs from now on, including those already in it.
    void setRegistry(RunRegistry* registry);
    RunRegistry* registry() const;

    XAxisMode xAxisMode() const { return m_xAxisMode; }
    void setXAxisMode(XAxisMode mode); // rebuilds every run's data
    double smoothing() const { return m_smoothing; }
    // Applies to every per-step line (the loss's and accuracy's smoothed lines, the step
    // size, ||g||), not to faint raw values or markers; rebuilds only those.
    void setSmoothing(double weight);
    bool logX() const { return m_logX; }
    void setLogX(bool log);
    // A fixed y range instead of the automatic one (lower < upper; a log axis needs > 0),
    // until clearYRange().
    bool setYRange(double lower, double upper);
    void clearYRange();
    bool hasFixedYRange() const { return m_fixedY; }
    // Runs that differ only by seed drawn as one mean line with a band (plot_model.h), or
    // each on its own (nullopt).
    std::optional<plotmodel::Spread> seedGrouping() const { return m_grouping; }
    void setSeedGrouping(std::optional<plotmodel::Spread> spread);
    // The groups on show (for tests): members per group, and the band of a series.
    int seedGroupCount() const;
    const plotmodel::Band* seedBand(const Run* member, Series series) const;
    // Runs the last fit left out of the y range (diverged, or far off the others): their
    // curves are clipped, and a note names them.
    QList<const Run*> clippedRuns() const { return m_clipped; }
    // Picks out one run's curves (the run legend's hover); nullptr: none.
    void setHighlightedRun(const Run* run);
    bool logY() const { return m_logY; }
    void setLogY(bool log); // rebuilds: a log axis drops values <= 0
    bool follow() const { return m_follow; }
    void setFollow(bool follow);
    bool isSeriesVisible(Series series) const;
    void setSeriesVisible(Series series, bool visible);

    QList<Series> series() const;
    // The method quantities this plot can draw (catalogue names: "d", "lower_bound", ...),
    // hidden until asked for.
    QStringList quantities() const;
    bool isQuantityVisible(const QString& name) const;
    void setQuantityVisible(const QString& name, bool visible);
    // Points held for the run's quantity; -1 when there is no such quantity or run.
    int quantityPointCount(const Run* run, const QString& name) const;
    // Points held for the run's series; -1 when this plot has no such series or run.
    int pointCount(const Run* run, Series series) const;
    // The run's graph for a series (nullptr if none): for tests and custom exports.
    QCPGraph* graph(const Run* run, Series series) const;

    // Shows every visible point with a small margin (double-click, context menu).
    void fitToData();
    // Width and height 0 keep the widget's size. They return false when the file cannot
    // be written.
    bool savePng(const QString& path, int width = 0, int height = 0, double scale = 1.0);
    bool savePdf(const QString& path, int width = 0, int height = 0);
    bool copyToClipboard();

    // The words in the middle of the plot while it has nothing to draw.
    void setEmptyHint(const QString& text);

    // Where the plot is too short for its series legend and a readable axis both, the legend
    // folds away (the tooltip still names each series); true while it is folded.
    bool isLegendFolded() const { return m_legendFolded; }

    // Presentation mode (for a projector): larger fonts, thicker lines, larger markers.
    bool isPresentation() const { return m_presentation; }
    void setPresentation(bool on);
    // The factor presentation mode scales pens and markers by (1 when off).
    static double presentationScale() { return 2.0; }

    // True while new data waits for the coalescing timer.
    bool isReplotPending() const { return m_dirty; }
    // Applies pending data, legend and follow now and replots immediately (before a grab).
    void flush();

Q_SIGNALS:
    // The plot stopped following because the user panned or zoomed, or resumed on a
    // double-click. Not emitted for setFollow().
    void followChanged(bool follow);

protected:
    explicit MetricPlot(const QString& title, QWidget* parent = nullptr);

    enum class Source { Step, Epoch };
    struct SeriesSpec {
        Series series = Series::RawLoss;
        QString kindName; // legend and tooltip: "smoothed", "test (per epoch)"
        QString quantity; // Series::MethodQuantity: the extras name
        Source source = Source::Step;
        // The value of one record; NaN (or <= 0 on a log axis) adds no point.
        std::function<double(const core::StepMetrics&)> stepValue;
        std::function<double(const core::EpochMetrics&)> epochValue;
        // Instead of stepValue, for a value that needs the run (its live max_lr changes).
        std::function<double(const Run&, const core::StepMetrics&)> runStepValue;
        bool smoothed = false;    // always plot the debiased EMA of stepValue
        bool smoothable = false;  // a per-step line: smoothed when the smoothing is > 0
        bool changesOnly = false; // a step line: points only where the value changes
        bool faint = false;       // drawn below every solid line (raw, noisy values)
        // Pen, brush, scatter and line style for a run's colour.
        std::function<void(QCPGraph*, const QColor&)> style;
    };
    using Style = std::function<void(QCPGraph*, const QColor&)>;
    static SeriesSpec stepSeries(Series series, const QString& kindName,
                                 std::function<double(const core::StepMetrics&)> value,
                                 Style style);
    static SeriesSpec epochSeries(Series series, const QString& kindName,
                                  std::function<double(const core::EpochMetrics&)> value,
                                  Style style);
    // A line in the run's colour; alpha < 255 for faint series.
    static Style lineStyle(double width, int alpha = 255, Qt::PenStyle pen = Qt::SolidLine);
    // Per-epoch values: markers joined by a thin line.
    static Style epochStyle(QCPScatterStyle::ScatterShape shape, bool filled, Qt::PenStyle line);
    // Markers only, no line.
    static Style markerStyle(QCPScatterStyle::ScatterShape shape, double size);

    // Subclass constructors declare their series, then set the axis label. The short label
    // stands in where the axis is too short for the full one (a 1280x720 screen, a projector).
    void addSeries(SeriesSpec spec);
    void setValueLabel(const QString& label, const QString& shortLabel = {});

    void contextMenuEvent(QContextMenuEvent* event) override;

private:
    // Shows a hint in the middle of an empty plot, so a first look says what to do.
    void updateEmptyHint();
    // Before a replot: tick counts that leave room between the tick labels, a legend that
    // wraps, or folds away where it would leave the axes too little height, and the y label
    // that fits.
    void fitTickCounts();
    QString m_valueLabel, m_shortValueLabel;
    bool m_legendFolded = false;
    QCPItemText* m_emptyHint = nullptr;

    struct Range {
        double lower = 0.0, upper = 0.0;
        bool valid = false;
        void include(double v);
    };
    struct RunGraphs;
    struct GroupGraphs;

    void addRun(Run* run);
    void removeRun(const Run* run);
    RunGraphs* find(const Run* run) const;
    void appendSteps(RunGraphs& rg, int first, const std::vector<bool>& which);
    void appendEpochs(RunGraphs& rg, int first, const std::vector<bool>& which);
    void rebuild(RunGraphs& rg, const std::vector<bool>& which);
    void rebuildAll(const std::function<bool(const SeriesSpec&)>& which);
    // Shows or hides the specs `which` selects, on every run.
    void setSpecsVisible(const std::function<bool(const SeriesSpec&)>& which, bool visible);
    // The index of the first spec `which` selects, or -1.
    int specIndex(const std::function<bool(const SeriesSpec&)>& which) const;
    void updateVisibility(RunGraphs& rg);
    void restyle(RunGraphs& rg);
    bool smoothedSpec(const SeriesSpec& spec) const;
    bool bandSpec(const SeriesSpec& spec) const;
    // Seed groups: which runs are grouped, and their mean and band graphs.
    void rebuildGroups();
    bool isGrouped(const RunGraphs& rg) const;
    void updateClipNote();
    void updateLegend();
    void updateAxisLabels();
    void applyFit(); // sets the ranges; the caller replots
    // liveOnly: only a training run's points changed (its layer may be redrawn alone).
    void markDirty(bool legendToo = false, bool liveOnly = false);
    void placeOnLayer(RunGraphs& rg);
    // A run's new points: its graphs have them; its seed group's band follows (refreshGroupData).
    void markRunData(RunGraphs& rg);
    void refreshGroupData();
    void setBandData(const std::vector<QCPGraph*>& graphs, size_t s, const plotmodel::Band& b);
    std::set<const Run*> m_dataDirtyRuns;
    bool m_fullReplot = true;
    void onReplotTimer();
    // Fits, updates the legend and replots: the training runs' layer alone when nothing else
    // changed, else everything.
    void redraw(QCustomPlot::RefreshPriority priority);
    void updateScatterSkip();
    void stopFollowingByUser();
    void showToolTip(QMouseEvent* event);
    // The x of a record: its step, fractional epoch or training time, by the x axis mode.
    double key(const Run& run, int64_t step, int64_t epoch, double elapsed) const;
    double stepKey(const Run& run, const core::StepMetrics& m) const;
    double epochKey(const Run& run, const core::EpochMetrics& m) const;
    bool plottable(double v) const;

    QPointer<RunRegistry> m_registry;
    std::vector<SeriesSpec> m_specs;
    std::vector<bool> m_specVisible;
    std::vector<QCPGraph*> m_kindGraphs; // empty grey graphs: the legend's "what is what"
    std::vector<std::unique_ptr<RunGraphs>> m_runs;
    XAxisMode m_xAxisMode = XAxisMode::Step;
    double m_smoothing = 0.6;
    bool m_logX = false;
    bool m_fixedY = false;
    double m_fixedLower = 0.0, m_fixedUpper = 1.0;
    std::optional<plotmodel::Spread> m_grouping;
    std::vector<std::unique_ptr<GroupGraphs>> m_groups;
    bool m_groupsDirty = false;
    QList<const Run*> m_clipped;
    QCPItemText* m_clipNote = nullptr;
    QPointer<const Run> m_highlighted;
    bool m_presentation = false;
    // More runs on show than this: thin aliased lines, fast to draw (updateDensity).
    static constexpr int kManyRuns = 12;
    bool m_manyRuns = false;
    void updateDensity();
    // Runs spec.style for a run's graph, then scales it for presentation mode; emphasis
    // -1 fades it, +1 thickens it (a run picked out in the run legend).
    void applyStyle(QCPGraph* g, const SeriesSpec& spec, const QColor& color,
                    int emphasis = 0) const;
    bool m_logY = false;
    bool m_follow = true;
    bool m_dragging = false;
    bool m_dirty = false;
    bool m_legendDirty = false;
    QTimer m_replotTimer;
    QSharedPointer<QCPAxisTicker> m_linearTicker;
    QSharedPointer<QCPAxisTicker> m_logTicker;
    QSharedPointer<QCPAxisTicker> m_linearXTicker;
    QSharedPointer<QCPAxisTicker> m_logXTicker;
};

} // namespace alig::ui
