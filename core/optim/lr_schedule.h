#pragma once
// The learning-rate schedule of an experiment: the factor the trainer multiplies each group's
// base lr by before every step (for ALI-G, SPS, the Polyak step and DFW the factor scales
// max_lr; for L4 its alpha). Built from OptimizerConfig; the trainer calls factor() each step.

#include <cstdint>
#include <vector>

namespace alig::core {

struct OptimizerConfig;
template <class E> class ChoiceTable;

// optimizer.schedule
enum class ScheduleKind { Constant, Step, Cosine };
const ChoiceTable<ScheduleKind>& scheduleChoices(); // constant | step | cosine

struct LrSchedule {
    ScheduleKind kind = ScheduleKind::Constant;
    std::vector<int64_t> milestones; // step: epochs (from 0) at which the factor is multiplied
    double gamma = 0.1;              // step: the multiplier at each milestone
    double minFactor = 0.0;          // cosine: the factor reached at the last step
    int64_t warmupEpochs = 0;        // linear warm-up over the first W epochs (0: none)

    // Throws alig::core::Error for an unknown optimizer.schedule.
    static LrSchedule fromConfig(const OptimizerConfig& config);

    // Throws alig::core::Error naming the field ("optimizer.milestones: ...").
    void validate() const;

    // The factor for the update numbered `step` (0 before the first update), with
    // `stepsPerEpoch` updates per epoch and `totalSteps` in the whole run:
    //   constant: 1
    //   step:     gamma^k, k = the number of milestones m with m <= step / stepsPerEpoch
    //             (PyTorch's MultiStepLR stepped once per epoch: the paper's SGD baseline)
    //   cosine:   minFactor + (1 - minFactor) (1 + cos(pi t / T)) / 2 with t = step - warm-up
    //             steps and T = totalSteps - warm-up steps (CosineAnnealingLR per step)
    // times, during the first W * stepsPerEpoch updates, the warm-up (step + 1) / (W *
    // stepsPerEpoch). stepsPerEpoch < 1 is taken as 1.
    double factor(int64_t step, int64_t stepsPerEpoch, int64_t totalSteps) const;

    // True when factor() is 1 for every step (nothing for the trainer to do).
    bool isConstant() const { return kind == ScheduleKind::Constant && warmupEpochs == 0; }
};

} // namespace alig::core
