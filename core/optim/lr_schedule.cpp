#include "core/optim/lr_schedule.h"

#include "core/optim/optimizer_factory.h"
#include "core/util/choice.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <algorithm>
#include <cmath>

namespace alig::core {

const ChoiceTable<ScheduleKind>& scheduleChoices() {
    static const ChoiceTable<ScheduleKind> table("optimizer.schedule",
                                                 {{"constant", ScheduleKind::Constant},
                                                  {"step", ScheduleKind::Step},
                                                  {"cosine", ScheduleKind::Cosine}});
    return table;
}

LrSchedule LrSchedule::fromConfig(const OptimizerConfig& c) {
    LrSchedule s;
    s.kind = scheduleChoices().parse(c.schedule);
    s.milestones = c.milestones;
    s.gamma = c.gamma;
    s.minFactor = c.minLrFactor;
    s.warmupEpochs = c.warmupEpochs;
    return s;
}

void LrSchedule::validate() const {
    if (kind == ScheduleKind::Step) {
        if (milestones.empty())
            throw Error("optimizer.milestones: the step schedule needs at least one epoch, "
                        "e.g. [60, 120, 160]");
        for (size_t i = 0; i < milestones.size(); ++i) {
            if (milestones[i] < 1)
                throw Error("optimizer.milestones[" + std::to_string(i) + "]: must be >= 1, got " +
                            std::to_string(milestones[i]));
            if (i > 0 && milestones[i] <= milestones[i - 1])
                throw Error("optimizer.milestones: must increase, got " +
                            std::to_string(milestones[i - 1]) + " then " +
                            std::to_string(milestones[i]));
        }
        if (!(gamma > 0.0 && gamma <= 1.0))
            throw Error("optimizer.gamma: must be in (0, 1], got " + formatNumber(gamma));
    }
    if (!(minFactor >= 0.0 && minFactor <= 1.0))
        throw Error("optimizer.min_lr_factor: must be in [0, 1], got " + formatNumber(minFactor));
    if (warmupEpochs < 0 || warmupEpochs > 1'000'000)
        throw Error("optimizer.warmup_epochs: must be in [0, 1000000] (0: no warm-up), got " +
                    std::to_string(warmupEpochs));
}

double LrSchedule::factor(int64_t step, int64_t stepsPerEpoch, int64_t totalSteps) const {
    stepsPerEpoch = std::max<int64_t>(stepsPerEpoch, 1);
    step = std::max<int64_t>(step, 0);
    const int64_t warmupSteps = warmupEpochs * stepsPerEpoch;
    double f = 1.0;
    if (kind == ScheduleKind::Step) {
        const int64_t epoch = step / stepsPerEpoch;
        for (int64_t m : milestones)
            if (m <= epoch) f *= gamma;
    } else if (kind == ScheduleKind::Cosine) {
        const int64_t span = totalSteps - warmupSteps;
        if (span > 0) {
            const double t = static_cast<double>(std::clamp<int64_t>(step - warmupSteps, 0, span));
            const double pi = std::acos(-1.0);
            f = minFactor +
                (1.0 - minFactor) * 0.5 * (1.0 + std::cos(pi * t / static_cast<double>(span)));
        }
    }
    if (step < warmupSteps) f *= static_cast<double>(step + 1) / static_cast<double>(warmupSteps);
    return f;
}

} // namespace alig::core
