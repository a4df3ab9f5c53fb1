#pragma once
// What an experiment says about its optimizer and learning-rate schedule: plain values, no
// LibTorch, so that the window's panels and records hold it without the engine's headers.
// makeOptimizer() (optimizer_factory.h) builds the optimizer from it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace alig::core {

// Parsed and validated by ExperimentConfig; field names follow the "optimizer" JSON section.
struct OptimizerConfig {
    std::string name = "alig"; // an entry of optimizerCatalogue()
    // ALI-G (max_lr is also SPS's and the Polyak step's cap, and DFW's eta)
    std::optional<double> maxLr = 0.1;      // none: the unclipped step (not for DFW)
    std::string momentumForm = "standard";  // standard | adjusted
    std::optional<double> projectionRadius; // none: no projection
    bool clipAtZero = false;
    // Shared
    double momentum = 0.9;     // ALI-G, SGD and DFW
    std::optional<double> eps; // none: the method's default (see resolvedEps)
    // Baselines with a learning rate
    std::optional<double> lr; // none: the method's default (see resolvedLr)
    double weightDecay = 0.0;
    bool nesterov = false;
    double beta1 = 0.9;          // Adam family, Yogi, L4 (its moving average of the gradient)
    double beta2 = 0.999;        // Adam family, Yogi, L4Adam
    std::optional<double> alpha; // none: RMSprop's smoothing 0.99, L4's fraction 0.15
    bool centered = false;       // RMSprop
    double lrDecay = 0.0;        // Adagrad
    std::optional<double> initialAccumulator; // none: Adagrad 0, Yogi 1e-6
    // SPS_max and the Polyak step
    double c = 0.5;     // SPS's constant (the paper's recommendation)
    double fStar = 0.0; // the optimal (mini-batch) loss
    // L4 (Rolinek and Martius, 2018), the reference's defaults
    double l4Gamma = 0.9;         // fraction of the smallest loss seen that counts as reachable
    double l4InitFactor = 0.75;   // l_min starts at this fraction of the first loss
    double l4ForgetTime = 1000.0; // l_min grows by 1 + 1/l4_forget_time each step
    // Prodigy (Mishchenko and Defazio, 2024), the authors' defaults
    double d0 = 1e-6;                 // the first estimate of the distance d
    double dCoef = 1.0;               // d_hat's factor, Prodigy's knob
    std::optional<double> growthRate; // d grows at most by this factor a step (none: no limit)
    std::optional<double> beta3;      // none: sqrt(beta2)
    bool decouple = true;             // Prodigy's weight decay as in AdamW
    bool safeguardWarmup = false;     // Prodigy: leave lr out of the denominator's sum
    bool biasCorrection = false;      // Prodigy's Adam correction, MoMo's averaging scheme
    // Schedule-Free SGD and AdamW (Defazio et al., 2024)
    int64_t sfWarmupSteps = 0;    // its own linear warm-up, in steps
    double sfR = 0.0;             // the averaging weight's polynomial power of k
    double sfWeightLrPower = 2.0; // the averaging weight's power of the largest lr
    // MoMo and MoMo-Adam (Schaipp et al., 2024)
    double momoLb = 0.0;       // the lower bound of the loss (the first one online)
    bool momoOnlineLb = false; // estimate the lower bound online
    bool momoDivide = true;    // MoMo-Adam: proximal weight decay (false: AdamW's)
    // DoG (Ivgi, Hinder, Carmon, 2023)
    double dogRepsRel = 1e-6;         // r_eps = dog_reps_rel (1 + ||x_0||)
    std::optional<double> dogInitEta; // the first step (none: from dog_reps_rel)
    bool dogAverage = true;           // evaluate on the polynomial-decay average
    double dogAverageGamma = 8.0;     // its gamma
    // Learning-rate schedule (see LrSchedule): every method
    std::string schedule = "constant"; // constant | step | cosine
    std::vector<int64_t> milestones;   // step: epochs
    double gamma = 0.1;                // step: the factor at each milestone
    int64_t warmupEpochs = 0;          // linear warm-up (0: none)
    double minLrFactor = 0.0;          // cosine: the final factor

    // The eps (lr, alpha, initial accumulator) the method actually uses: its catalogue default
    // when unset.
    double resolvedEps() const;
    double resolvedLr() const;
    double resolvedAlpha() const;
    double resolvedInitialAccumulator() const;
};

} // namespace alig::core
