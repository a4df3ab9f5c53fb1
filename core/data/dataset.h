#pragma once
// In-memory datasets: train and test tensors plus what a front end needs to describe them.
// Built by loadDataset() from a DatasetConfig; read by the trainer, the CLI and the window.

#include "core/data/dataset_config.h"

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace alig::core {

// Random per-batch image augmentation, applied by the trainer to training batches only.
struct Augmentation {
    int64_t cropPadding = 0;
    bool horizontalFlip = false;
    bool enabled() const { return cropPadding > 0 || horizontalFlip; }
};

// How samples in a Dataset become the model's input. Byte samples (the images of IDX, CIFAR
// and SVHN files) are kept as the files hold them, uint8, on the host and on the device: a
// quarter of float32's memory. A batch becomes float32 when it is used: x / 255, then
// (x - mean) / std per channel when the dataset is normalised, the same float32 operations in
// the same order that were once applied to the whole set, so the numbers are the same.
struct InputTransform {
    torch::Tensor mean, std; // float32, shaped to broadcast over a batch; undefined: none
    // This transform with its statistics on `device`.
    InputTransform to(const torch::Device& device) const;
    // The model's float32 input for samples taken from trainX/testX (any device); samples
    // that are not bytes are returned as they are.
    torch::Tensor operator()(const torch::Tensor& samples) const;
};

struct Dataset {
    std::string name;     // human-readable, e.g. "Fashion-MNIST"
    std::string source;   // where it came from: a path, or the synthetic recipe
    torch::Tensor trainX; // float32, or uint8 for byte images, [N, inputShape...]
    torch::Tensor trainY; // int64, [N], values in [0, classNames.size())
    torch::Tensor testX;
    torch::Tensor testY;
    std::vector<int64_t> inputShape;     // per sample: {C, H, W} for images, {F} for tables
    std::vector<std::string> classNames; // one per class
    std::vector<double> mean, stddev;    // per channel (or feature) as applied; empty if not
    Augmentation augmentation;
    InputTransform input; // trainX/testX samples to the model's input: input(trainX[i])

    int64_t numClasses() const { return static_cast<int64_t>(classNames.size()); }
    int64_t trainSize() const { return trainX.defined() ? trainX.size(0) : 0; }
    int64_t testSize() const { return testX.defined() ? testX.size(0) : 0; }
    bool isImage() const { return inputShape.size() == 3; }
};

// Loads, subsets and normalises the dataset a config describes. Throws alig::core::Error
// naming the file (or setting) and what is wrong.
Dataset loadDataset(const DatasetConfig& config);

// Per-channel mean and (biased) standard deviation of the float32 values x / 255 of byte
// samples [N, C, ...], from each channel's histogram summed in double: what torch::std_mean
// gives on a float32 copy of the set, to float32 rounding, without making the copy.
std::pair<std::vector<double>, std::vector<double>> byteChannelStats(const torch::Tensor& images);

// Returns an augmented copy of a batch of images [B, C, H, W] (random crop from the
// zero-padded image, random horizontal flip), drawing from LibTorch's default generator
// so that a seeded run is reproducible. Returns the input when augmentation is off.
torch::Tensor augmentBatch(const torch::Tensor& images, const Augmentation& augmentation);

} // namespace alig::core
