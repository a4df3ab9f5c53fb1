// Replot time of a live plot against the number of points it holds: one run in a LossPlot
// (raw and smoothed loss, epoch markers) or a StepSizePlot (step, Polyak step, max_lr line,
// clipped markers), in an 800x500 offscreen window showing all data. Prints the median of
// several replots. The window redraws at most ~30 times a second, so a replot must stay well
// under 33 ms; the target is 16 ms at a million points.
//
//   QT_QPA_PLATFORM=offscreen ./bench/bench_plot_replot [max_points]
//
// ALIG_BENCH_MANY=sweep, sweep-groups, each or groups measures one mode of the second table only.
//
// ALIG_BENCH_BREAKDOWN=1 adds the replot time of each series drawn alone (by Series value).
//
// A second table: 45 runs of 2,000 steps shown at once in the four plots of a PlotsView
// (1500x900), fed as the window's drain timer feeds them (each training run gets its next 20
// steps per tick, 100 ticks). Per tick: the drain (appending to the training runs) and the
// replot of the four plots; the median and the worst. Three cases: a sweep as the window
// trains it (two runs at a time, the 43 others ended: only the training runs' layer is
// redrawn), the worst case of all 45 training at once, and that with seed groups. Target:
// replot under 16 ms, no tick over 50 ms.

#include "ui/plots/loss_plot.h"
#include "ui/plots/metric_plot.h"
#include "ui/plots/plots_view.h"
#include "ui/plots/step_size_plot.h"
#include "ui/run/run.h"

#include <QApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

using namespace alig;

namespace {

constexpr int kReplots = 11;
constexpr int kBatch = 10000; // steps per Run::appendSteps, as a fast trainer's batch
constexpr int kStepsPerEpoch = 1000;

// A noisy, decaying run in which ALI-G clips about the first half of its steps.
core::StepMetrics stepAt(int64_t i, int64_t total) {
    core::StepMetrics m;
    m.step = i;
    m.epoch = (i - 1) / kStepsPerEpoch + 1;
    const double t = static_cast<double>(i) / static_cast<double>(total);
    const double noise = 0.25 * std::sin(i * 12.9898) * std::sin(i * 78.233);
    m.loss = (2.3 * std::exp(-5.0 * t) + 0.05) * (1.0 + noise);
    m.accuracy = 0.5;
    m.gradNorm = 1.0 + noise;
    m.unclippedStepSize = 0.2 * std::exp(-3.0 * t) * (1.0 + noise);
    m.maxLr = t < 0.5 ? 0.1 : 0.05;
    m.clipped = m.unclippedStepSize > m.maxLr;
    m.stepSize = std::min(m.unclippedStepSize, m.maxLr);
    m.elapsed = 0.001 * i;
    return m;
}

struct Result {
    int64_t points = 0;
    double appendMs = 0.0;
    double replotMs = 0.0;
};

Result measure(bool stepSizePlot, int64_t targetPoints) {
    ui::RunRegistry registry;
    std::unique_ptr<ui::MetricPlot> plot;
    if (stepSizePlot)
        plot = std::make_unique<ui::StepSizePlot>(&registry);
    else
        plot = std::make_unique<ui::LossPlot>(&registry);
    plot->resize(800, 500);
    plot->show();
    auto* run =
        new ui::Run("bench", "bench", ui::RunRegistry::palette().at(0), core::ExperimentConfig{});
    run->setStepsPerEpoch(kStepsPerEpoch);
    registry.add(run);

    // Points per step: loss plot 2 (raw, smoothed); step size plot 2 plus a marker on the
    // clipped ~40% of steps (max_lr adds two or three points in all).
    const int64_t steps = static_cast<int64_t>(targetPoints / (stepSizePlot ? 2.4 : 2.0));
    QElapsedTimer timer;
    timer.start();
    std::vector<core::StepMetrics> batch;
    batch.reserve(kBatch);
    for (int64_t i = 1; i <= steps; ++i) {
        batch.push_back(stepAt(i, steps));
        if (i % kStepsPerEpoch == 0) {
            run->appendSteps(batch);
            batch.clear();
            core::EpochMetrics e;
            e.epoch = i / kStepsPerEpoch;
            e.step = i;
            e.trainLoss = e.testLoss = stepAt(i, steps).loss;
            run->appendEpochs({e});
        } else if (static_cast<int>(batch.size()) == kBatch) {
            run->appendSteps(batch);
            batch.clear();
        }
    }
    run->appendSteps(batch);
    Result r;
    r.appendMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;

    for (ui::Series s : plot->series())
        r.points += std::max(0, plot->pointCount(run, s));
    plot->setFollow(true);
    plot->flush(); // fits all data and draws once (warm-up)
    std::vector<double> times;
    for (int i = 0; i < kReplots; ++i) {
        timer.restart();
        plot->replot(QCustomPlot::rpImmediateRefresh);
        times.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
    }
    std::sort(times.begin(), times.end());
    r.replotMs = times[times.size() / 2];
    if (qEnvironmentVariableIsSet("ALIG_BENCH_BREAKDOWN")) {
        for (ui::Series only : plot->series()) {
            for (ui::Series s : plot->series())
                plot->graph(run, s)->setVisible(s == only);
            std::vector<double> t;
            for (int i = 0; i < kReplots; ++i) {
                timer.restart();
                plot->replot(QCustomPlot::rpImmediateRefresh);
                t.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
            }
            std::sort(t.begin(), t.end());
            std::printf("    series %d alone: %.2f ms\n", int(only), t[t.size() / 2]);
        }
    }
    return r;
}

struct ManyRuns {
    double drainMedian = 0, drainMax = 0, replotMedian = 0, replotMax = 0;
};

double medianOf(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// `training`: how many of the runs train (get new steps every tick); the others have ended
// with all their steps. 0: every run trains.
ManyRuns measureManyRuns(int runs, int steps, ui::PlotSettings::SeedGroups groups,
                         int training = 0) {
    constexpr int kPerTick = 20;
    ui::RunRegistry registry;
    ui::PlotsView view(&registry);
    ui::PlotSettings settings = view.settings();
    settings.seedGroups = groups;
    view.setSettings(settings);
    view.resize(1500, 900);
    view.show();
    std::vector<ui::Run*> all;
    for (int r = 0; r < runs; ++r) {
        core::ExperimentConfig c;
        c.optimizer.maxLr = 0.01 * (1 + r / 3); // 15 settings x 3 seeds
        c.training.seed = 1 + r % 3;
        auto* run =
            new ui::Run(QString("r%1").arg(r), QString("r%1").arg(r), registry.nextColor(), c);
        run->setStepsPerEpoch(kStepsPerEpoch);
        const bool trains = training == 0 || r < training;
        if (!trains) {
            std::vector<core::StepMetrics> done;
            for (int i = 1; i <= steps; ++i) {
                done.push_back(stepAt(i, steps));
                done.back().loss *= 1.0 + 0.02 * static_cast<double>(r);
            }
            run->appendSteps(done);
        }
        run->setLive(trains);
        registry.add(run);
        if (trains) all.push_back(run);
    }
    view.flush();
    std::vector<double> drains, replots;
    QElapsedTimer timer;
    for (int first = 1; first <= steps; first += kPerTick) {
        timer.restart();
        for (size_t r = 0; r < all.size(); ++r) {
            std::vector<core::StepMetrics> batch;
            for (int i = first; i < first + kPerTick && i <= steps; ++i) {
                core::StepMetrics m = stepAt(i, steps);
                m.loss *= 1.0 + 0.02 * static_cast<double>(r);
                batch.push_back(m);
            }
            all[r]->appendSteps(batch);
        }
        drains.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
        timer.restart();
        view.flush(); // what the replot timer does, for all four plots
        replots.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
    }
    // ALIG_BENCH_SHOT=FILE: a picture of the plots as the last tick left them.
    if (qEnvironmentVariableIsSet("ALIG_BENCH_SHOT"))
        view.grab().save(qEnvironmentVariable("ALIG_BENCH_SHOT"));
    if (qEnvironmentVariableIsSet("ALIG_BENCH_BREAKDOWN")) {
        // Each plot alone, then each of its series alone (on every run).
        for (ui::MetricPlot* plot : view.plots()) {
            auto time = [&] {
                std::vector<double> t;
                for (int i = 0; i < 5; ++i) {
                    timer.restart();
                    plot->replot(QCustomPlot::rpImmediateRefresh);
                    t.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
                }
                return medianOf(t);
            };
            std::printf("  %s: %.2f ms\n", plot->metaObject()->className(), time());
            for (ui::Series only : plot->series()) {
                std::vector<bool> was;
                int points = 0;
                for (ui::Run* run : all)
                    for (ui::Series s : plot->series()) {
                        QCPGraph* g = plot->graph(run, s);
                        was.push_back(g->visible());
                        g->setVisible(g->visible() && s == only);
                        if (s == only && g->visible()) points += g->dataCount();
                    }
                if (points > 0)
                    std::printf("    series %d alone: %.2f ms (%d points)\n", int(only), time(),
                                points);
                size_t k = 0;
                for (ui::Run* run : all)
                    for (ui::Series s : plot->series())
                        plot->graph(run, s)->setVisible(was[k++]);
            }
        }
    }
    ManyRuns m;
    m.drainMedian = medianOf(drains);
    m.drainMax = *std::max_element(drains.begin(), drains.end());
    m.replotMedian = medianOf(replots);
    m.replotMax = *std::max_element(replots.begin(), replots.end());
    return m;
}

} // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int64_t maxPoints = argc > 1 ? std::atoll(argv[1]) : 10'000'000;
    std::printf("%-14s %12s %14s %18s\n", "plot", "points", "append (ms)", "median replot (ms)");
    for (bool stepSize : {false, true}) {
        for (int64_t n : {10'000LL, 100'000LL, 1'000'000LL, 10'000'000LL}) {
            if (n > maxPoints) continue;
            const Result r = measure(stepSize, n);
            std::printf("%-14s %12lld %14.1f %18.2f\n", stepSize ? "StepSizePlot" : "LossPlot",
                        static_cast<long long>(r.points), r.appendMs, r.replotMs);
            std::fflush(stdout);
        }
    }
    std::printf("\n%-34s %10s %10s %12s %12s\n", "45 runs x 2000 steps, 4 plots", "drain med",
                "drain max", "replot med", "replot max");
    const QByteArray only = qgetenv("ALIG_BENCH_MANY"); // "each" or "groups": one mode only
    struct Mode {
        const char* name;
        const char* key;
        ui::PlotSettings::SeedGroups groups;
        int training;
    };
    for (const Mode& mode :
         {Mode{"a sweep: 2 training, 43 ended", "sweep", ui::PlotSettings::SeedGroups::Off, 2},
          Mode{"a sweep, seed groups (mean ± std)", "sweep-groups",
               ui::PlotSettings::SeedGroups::StdDev, 2},
          Mode{"all 45 training at once", "each", ui::PlotSettings::SeedGroups::Off, 0},
          Mode{"all 45, seed groups (mean ± std)", "groups", ui::PlotSettings::SeedGroups::StdDev,
               0}}) {
        if (!only.isEmpty() && only != mode.key) continue;
        const ManyRuns m = measureManyRuns(45, 2000, mode.groups, mode.training);
        std::printf("%-34s %8.2f ms %7.2f ms %9.2f ms %9.2f ms\n", mode.name, m.drainMedian,
                    m.drainMax, m.replotMedian, m.replotMax);
        std::fflush(stdout);
    }
    return 0;
}
