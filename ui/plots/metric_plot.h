#pragma once
// The base of the live plots: a QCustomPlot bound to a RunRegistry that keeps a set of graphs
// per run, appends only the new points of each batch, and redraws at most ~30 times a second.
// LossPlot, AccuracyPlot, StepSizePlot and GradNormPlot only declare their series.

#include "core/train/metrics.h"
#include "ui/plots/plot_settings.h"
#include "ui/plots/qcustomplot_include.h"
#include "ui/run/run.h"

#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>
#include <vector>

namespace alig::ui {

// Every series any plot draws; a plot holds a subset.
enum class Series {
    RawLoss,        // mini-batch loss per step
    SmoothedLoss,   // debiased EMA of RawLoss
    TrainLoss,      // per epoch
    TestLoss,       // per epoch
    BatchAccuracy,  // per step, percent
    TrainAccuracy,  // per epoch, percent
    TestAccuracy,   // per epoch, percent
    StepSize,       // the step taken (ALI-G) or the learning rate
    PolyakStepSize, // ALI-G's unclipped loss / (||g||^2 + eps)
    MaxLr,          // ALI-G's max_lr as a step line (only where it changes, plus the newest step)
    ClippedSteps,   // markers on the steps ALI-G cut to max_lr
    GradNorm,       // ||g|| per step
    EffectiveStep,  // ||w_new - w_old|| / ||g|| per step, the same measure for every method
    Interpolation,  // per epoch: percent of training samples with a loss below the threshold
    MethodQuantity, // a method's own reported quantity (Prodigy's d, MoMo's bound...), by name
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
    void setSmoothing(double weight); // rebuilds only the smoothed series
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
        bool smoothed = false;    // plot the debiased EMA of stepValue
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

    // Subclass constructors declare their series, then set the axis label.
    void addSeries(SeriesSpec spec);
    void setValueLabel(const QString& label);
    // Corner of the legend inside the axis rect: where the curves usually are not.
    void setLegendCorner(Qt::Alignment corner);

    void contextMenuEvent(QContextMenuEvent* event) override;

private:
    // Shows a hint in the middle of an empty plot, so a first look says what to do.
    void updateEmptyHint();
    QCPItemText* m_emptyHint = nullptr;

    struct Range {
        double lower = 0.0, upper = 0.0;
        bool valid = false;
        void include(double v);
    };
    struct RunGraphs;

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
    void updateLegend();
    void updateAxisLabels();
    void applyFit(); // sets the ranges; the caller replots
    void markDirty(bool legendToo = false);
    void onReplotTimer();
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
    bool m_presentation = false;
    // Runs spec.style for a run's graph, then scales it for presentation mode.
    void applyStyle(QCPGraph* g, const SeriesSpec& spec, const QColor& color) const;
    bool m_logY = false;
    bool m_follow = true;
    bool m_dragging = false;
    bool m_dirty = false;
    bool m_legendDirty = false;
    QTimer m_replotTimer;
    QSharedPointer<QCPAxisTicker> m_linearTicker;
    QSharedPointer<QCPAxisTicker> m_logTicker;
};

} // namespace alig::ui
