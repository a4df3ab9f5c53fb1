#pragma once
// How often the window takes in and draws training metrics, adapted to what that costs on
// this machine. Training and the window share the CPU: every millisecond the GUI thread
// spends draining metrics, redrawing plots and laying out labels is a millisecond a training
// thread does not run on a 2-core machine. The refreshes measure what they cost (the GUI
// thread's own CPU time inside them: RefreshPacer::Cost); once a second the pacer compares
// that share of the second with its budget and stretches every periodic refresh (metric
// drains, plot replots, the step anatomy) by a common factor when the share is over, and
// shrinks the factor back towards the unpaced rates when it is well under. Work that is not
// a periodic refresh (loading runs, a dialog, the user dragging a plot) does not count. On a fast
// machine nothing changes (factor 1: 30 Hz drains, 25 Hz replots); on a slow or busy one the
// refreshes come less often, each taking in more points at once, so the window stays responsive and
// training keeps its speed. Nothing is dropped: a slower refresh shows the same points, later.

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace alig::ui {

class RefreshPacer : public QObject {
    Q_OBJECT

public:
    // The GUI thread's pacer (created on first use, lives as long as the application).
    static RefreshPacer& instance();

    // The interval to use for a refresh whose unpaced interval is `baseMs`: at least baseMs,
    // at most kMaxIntervalMs (the window always refreshes at least once a second).
    int interval(int baseMs) const;
    double scale() const { return m_scale; }
    // The refreshes' CPU time over the last measured second, as a share of one core.
    double busyShare() const { return m_busyShare; }
    // The share of one core the refreshes may use before they slow down.
    double budget() const { return m_budget; }
    void setBudget(double share) { m_budget = share; }

    // The control law, alone: the next factor after a second in which the refreshes used
    // `busyShare` of a core. Over the budget the factor grows in proportion (at most 2x a
    // second); under half of it, it shrinks by a fifth a second, never below 1.
    static double nextScale(double scale, double busyShare, double budget);
    // One measurement now (the timer does it every second); tests call it after work.
    void measure();

    // Counts the GUI thread's CPU time from its construction to its end as refresh work
    // (GUI thread only). Nested scopes count once (the outermost).
    class Cost {
    public:
        Cost();
        ~Cost();
        Cost(const Cost&) = delete;
        Cost& operator=(const Cost&) = delete;
    };
    // The same, for work that begins and ends in different calls (QCustomPlot's
    // beforeReplot and afterReplot); pairs may not interleave with Cost scopes differently
    // than nested.
    static void beginCost();
    static void endCost();
    // Sets the factor directly (tests, benchmarks); the next measurement moves it again.
    void setScale(double scale);

    static constexpr int kMaxIntervalMs = 1000;
    static constexpr double kMaxScale = 30.0;

Q_SIGNALS:
    // The factor changed: periodic refreshes take their new interval (interval(base)).
    void scaleChanged(double scale);

private:
    RefreshPacer();
    static qint64 threadCpuNs();

    void addCost(qint64 ns) { m_costNs += ns; }

    QTimer m_timer;
    QElapsedTimer m_wall;
    qint64 m_costNs = 0, m_lastWallNs = 0;
    double m_scale = 1.0, m_busyShare = 0.0;
    // 4 % of one core: on 2 cores about 2 % of the machine, within the window's budget of
    // 3 % of headless throughput, with room for what is not counted (painting the window,
    // the training thread's hand-offs to it).
    double m_budget = 0.04;
};

} // namespace alig::ui
