#pragma once
// The headless runner's console output: one progress line (rewritten in place on a
// terminal, a plain line every few seconds otherwise), a line per epoch, and a summary
// table at the end.

#include "core/train/training_observer.h"

#include <chrono>
#include <cstdio>
#include <vector>

namespace alig::core {

class ProgressPrinter : public TrainingObserver {
public:
    // `quiet`: only the per-epoch lines and the summary.
    ProgressPrinter(std::FILE* out, bool quiet);

    void onRunStart(const RunStartInfo& info) override;
    bool showsMomentumTerm() const override { return false; }
    void onSteps(const std::vector<StepMetrics>& steps) override;
    void onEpoch(const EpochMetrics& epoch) override;
    void onRunEnd(const RunResult& result) override;

private:
    void clearLine();

    std::FILE* m_out;
    bool m_quiet, m_tty;
    RunStartInfo m_start;
    std::vector<EpochMetrics> m_epochs;
    std::chrono::steady_clock::time_point m_lastPrint, m_rateSince;
    int64_t m_rateSteps = 0, m_stepsSinceEpoch = 0, m_clippedSinceEpoch = 0;
    double m_stepsPerSecond = 0.0;
    bool m_lineOpen = false;
};

} // namespace alig::core
