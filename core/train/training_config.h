#pragma once
// How a run trains: epochs, batches, loss, seed, threads and device. The "training"
// section of an experiment; read by the Trainer.

#include <cstdint>
#include <string>

namespace alig::core {

template <class E> class ChoiceTable;

// The choices that are strings in the config, parsed once where a run starts (the trainer's
// constructor, the config's validation), so that no step compares text.
enum class LossKind { CrossEntropy, MulticlassHinge };
enum class AutocastMode { Off, BFloat16 };
// Throw alig::core::Error naming the field and the known values.
LossKind parseLoss(const std::string& text);         // cross_entropy | multiclass_hinge
AutocastMode parseAutocast(const std::string& text); // off | bf16
// Their tables (names for menus and help texts; core/util/choice.h).
const ChoiceTable<LossKind>& lossChoices();
const ChoiceTable<AutocastMode>& autocastChoices();

struct TrainingConfig {
    int64_t epochs = 5;
    int64_t batchSize = 128;
    uint64_t seed = 0;                  // initial weights, data order, dropout, augmentation
    bool shuffle = true;                // false: the dataset's order every epoch
    std::string loss = "cross_entropy"; // cross_entropy | multiclass_hinge
    int64_t threads = 0;                // 0: all cores (LibTorch and OpenBLAS)
    std::string device = "auto";        // auto | cpu | cuda | cuda:N
    int64_t evalBatchSize = 1000;       // batch size of the evaluation passes
    int64_t metricsInterval = 0;        // steps between metric read-backs (0: 1 on CPU, 50 on CUDA)
    bool evalTrain = false;       // epoch train metrics from a full eval pass, not the running mean
    std::string autocast = "off"; // off | bf16: forward passes in bfloat16 (autocast)
    // The interpolation meter (EpochMetrics::interpolation): a sample counts as interpolated
    // when its loss is below the threshold (0: the meter is off). It is measured on the
    // first interpolationSamples training samples (0: all), to bound its cost per epoch.
    double interpolationThreshold = 0.01;
    int64_t interpolationSamples = 5000;
};

} // namespace alig::core
