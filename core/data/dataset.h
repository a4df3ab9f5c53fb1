#pragma once
// In-memory datasets: train and test tensors plus what a front end needs to describe them.
// Built by loadDataset() from a DatasetConfig; read by the trainer, the CLI and the window.

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace alig::core {

// What to load and how to prepare it. Parsed and validated by ExperimentConfig
// (core/experiment); the field names follow the JSON keys of the "dataset" section.
struct DatasetConfig {
    // fashion-mnist | mnist | kmnist | idx | cifar10 | cifar100 | svhn | csv
    // | spirals | circles | moons | xor | blobs
    std::string kind = "fashion-mnist";
    // IDX/CIFAR/SVHN: a directory; CSV: the (training) file. Empty: the kind's default
    // (fashion-mnist: /usr/share/datasets/fashion-mnist).
    std::string path;
    std::string testPath;        // CSV: a separate test file (empty: split `path`)
    int64_t subset = 0;          // keep the first N training samples (0: all)
    int64_t testSubset = 0;      // keep the first N test samples (0: all)
    bool normalize = true;       // per-channel mean/std computed on the training set
    int64_t cropPadding = 0;     // augmentation: padded random crop (0: off; images only)
    bool horizontalFlip = false; // augmentation: random horizontal flip (images only)
    // CSV
    std::string labelColumn;     // a header name or a 0-based index; empty: the last column
    std::string header = "auto"; // auto | yes | no
    // CSV with one file, and the synthetic sets: fraction of samples held out for testing
    double testFraction = 0.2;
    // Synthetic 2-D sets
    int64_t samples = 1000; // total, before the split
    double noise = 0.1;
    int64_t classes = 2; // spirals (arms) and blobs (centres); the others have 2
    uint64_t seed = 0;   // synthetic generation and the CSV split
};

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

// The dataset kinds loadDataset() accepts, for validation messages and the UI.
const std::vector<std::string>& datasetKinds();

} // namespace alig::core
