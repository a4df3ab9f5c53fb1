#pragma once
// In-memory datasets: train and test tensors plus what a front end needs to describe them.
// Built by loadDataset() from a DatasetConfig; read by the trainer, the CLI and the window.

#include "core/data/dataset_config.h"

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace alig::core {

// Random per-batch image augmentation, applied by the trainer to training batches only.
struct Augmentation {
    int64_t cropPadding = 0;
    bool horizontalFlip = false;
    bool enabled() const { return cropPadding > 0 || horizontalFlip; }
};

struct Dataset {
    std::string name;     // human-readable, e.g. "Fashion-MNIST"
    std::string source;   // where it came from: a path, or the synthetic recipe
    torch::Tensor trainX; // float32, [N, inputShape...]
    torch::Tensor trainY; // int64, [N], values in [0, classNames.size())
    torch::Tensor testX;
    torch::Tensor testY;
    std::vector<int64_t> inputShape;     // per sample: {C, H, W} for images, {F} for tables
    std::vector<std::string> classNames; // one per class
    std::vector<double> mean, stddev;    // per channel (or feature) as applied; empty if not
    Augmentation augmentation;

    int64_t numClasses() const { return static_cast<int64_t>(classNames.size()); }
    int64_t trainSize() const { return trainX.defined() ? trainX.size(0) : 0; }
    int64_t testSize() const { return testX.defined() ? testX.size(0) : 0; }
    bool isImage() const { return inputShape.size() == 3; }
};

// Loads, subsets and normalises the dataset a config describes. Throws alig::core::Error
// naming the file (or setting) and what is wrong.
Dataset loadDataset(const DatasetConfig& config);

// Returns an augmented copy of a batch of images [B, C, H, W] (random crop from the
// zero-padded image, random horizontal flip), drawing from LibTorch's default generator
// so that a seeded run is reproducible. Returns the input when augmentation is off.
torch::Tensor augmentBatch(const torch::Tensor& images, const Augmentation& augmentation);

} // namespace alig::core
