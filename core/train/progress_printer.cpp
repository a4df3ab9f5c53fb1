#include "core/train/progress_printer.h"

#include <unistd.h>

#include <cmath>
#include <string>

namespace alig::core {

namespace {

std::string duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "--:--";
    const long s = std::lround(seconds);
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

} // namespace

ProgressPrinter::ProgressPrinter(std::FILE* out, bool quiet)
    : m_out(out)
    , m_quiet(quiet)
    , m_tty(isatty(fileno(out)) == 1) {}

void ProgressPrinter::clearLine() {
    if (m_lineOpen) {
        std::fprintf(m_out, "\r\033[K");
        m_lineOpen = false;
    }
}

void ProgressPrinter::onRunStart(const RunStartInfo& info) {
    m_start = info;
    m_lastPrint = m_rateSince = std::chrono::steady_clock::now();
    if (info.startEpoch > 0)
        std::fprintf(m_out, "resuming after epoch %lld (step %lld)\n",
                     static_cast<long long>(info.startEpoch),
                     static_cast<long long>(info.startStep));
    std::fflush(m_out);
}

void ProgressPrinter::onSteps(const std::vector<StepMetrics>& steps) {
    if (steps.empty()) return;
    const auto now = std::chrono::steady_clock::now();
    m_rateSteps += static_cast<int64_t>(steps.size());
    m_stepsSinceEpoch += static_cast<int64_t>(steps.size());
    for (const auto& s : steps)
        m_clippedSinceEpoch += s.clipped ? 1 : 0;
    const double window = std::chrono::duration<double>(now - m_rateSince).count();
    if (window >= 1.0) {
        m_stepsPerSecond = m_rateSteps / window;
        m_rateSteps = 0;
        m_rateSince = now;
    }
    if (m_quiet) return;
    const double sincePrint = std::chrono::duration<double>(now - m_lastPrint).count();
    if (sincePrint < (m_tty ? 0.2 : 5.0)) return;
    m_lastPrint = now;

    const StepMetrics& s = steps.back();
    const int64_t total = m_start.epochs * m_start.stepsPerEpoch;
    const double eta =
        m_stepsPerSecond > 0 ? static_cast<double>(total - s.step) / m_stepsPerSecond : NAN;
    const double clippedShare =
        m_stepsSinceEpoch > 0 ? 100.0 * m_clippedSinceEpoch / m_stepsSinceEpoch : 0.0;
    clearLine();
    std::fprintf(m_out,
                 "epoch %lld/%lld  step %lld/%lld  loss %.4f  acc %5.1f%%  step size %.3g "
                 "(clipped %.0f%%)  %.0f steps/s  ETA %s",
                 static_cast<long long>(s.epoch), static_cast<long long>(m_start.epochs),
                 static_cast<long long>(s.step), static_cast<long long>(total), s.loss,
                 100.0 * s.accuracy, s.stepSize, clippedShare, m_stepsPerSecond,
                 duration(eta).c_str());
    if (m_tty)
        m_lineOpen = true;
    else
        std::fprintf(m_out, "\n");
    std::fflush(m_out);
}

void ProgressPrinter::onEpoch(const EpochMetrics& e) {
    clearLine();
    m_epochs.push_back(e);
    std::fprintf(m_out,
                 "epoch %3lld/%lld  train loss %.4f  acc %5.2f%%  |  test loss %.4f  acc "
                 "%5.2f%%  |  ",
                 static_cast<long long>(e.epoch), static_cast<long long>(m_start.epochs),
                 e.trainLoss, 100.0 * e.trainAccuracy, e.testLoss, 100.0 * e.testAccuracy);
    // The interpolation meter: the share of training samples the model already fits.
    if (std::isfinite(e.interpolation))
        std::fprintf(m_out, "interpolated %5.1f%%  |  ", 100.0 * e.interpolation);
    std::fprintf(m_out, "%5.1f s\n", e.epochSeconds);
    std::fflush(m_out);
    m_stepsSinceEpoch = m_clippedSinceEpoch = 0;
}

void ProgressPrinter::onRunEnd(const RunResult& r) {
    clearLine();
    if (!m_epochs.empty()) {
        std::fprintf(m_out, "\n%6s %8s %11s %10s %10s %9s %8s %8s\n", "epoch", "step", "train loss",
                     "train acc", "test loss", "test acc", "interp", "time s");
        for (const auto& e : m_epochs) {
            char interp[16] = "       -";
            if (std::isfinite(e.interpolation))
                std::snprintf(interp, sizeof interp, "%7.1f%%", 100.0 * e.interpolation);
            std::fprintf(m_out, "%6lld %8lld %11.4f %9.2f%% %10.4f %8.2f%% %s %8.1f\n",
                         static_cast<long long>(e.epoch), static_cast<long long>(e.step),
                         e.trainLoss, 100.0 * e.trainAccuracy, e.testLoss, 100.0 * e.testAccuracy,
                         interp, e.elapsed);
        }
    }
    std::fprintf(m_out, "\n%s: %s; %lld steps in %s", runStatusName(r.status).c_str(),
                 r.message.c_str(), static_cast<long long>(r.steps), duration(r.elapsed).c_str());
    if (r.hasFinalEpoch)
        std::fprintf(m_out, "; final test accuracy %.2f%% (best %.2f%%)",
                     100.0 * r.finalEpoch.testAccuracy, 100.0 * r.bestTestAccuracy);
    std::fprintf(m_out, "\n");
    std::fflush(m_out);
}

} // namespace alig::core
