#pragma once
// Synthetic 2-D classification sets for teaching: spirals, circles, moons, xor and blobs.
// Deterministic from a seed and independent of LibTorch's global generator, so making the
// data never shifts the model's initialisation. Used by loadDataset().

#include "core/data/dataset.h"

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace alig::core {

// All samples of one synthetic set, before the train/test split.
struct SyntheticSamples {
    torch::Tensor x; // float32 [samples, 2]
    torch::Tensor y; // int64 [samples]; class c holds samples/classes points (+1 for the
                     // first samples % classes classes), in class order
    int64_t classes = 2;
};

// Generates `samples` points of `kind` (spirals | circles | moons | xor | blobs) with
// Gaussian noise of standard deviation `noise` on each coordinate. `classes` sets the arms
// of spirals and the centres of blobs; the other kinds have 2. Throws alig::core::Error
// for an unknown kind or out-of-range settings.
SyntheticSamples generateSynthetic(const std::string& kind, int64_t samples, double noise,
                                   int64_t classes, uint64_t seed);

// Generates config.kind and splits it into train and test, holding out config.testFraction
// of every class, with both parts shuffled from config.seed. Not normalised or subset.
Dataset makeSyntheticDataset(const DatasetConfig& config);

// The kinds generateSynthetic() accepts (isSyntheticKind(), dataset_config.h).
const std::vector<std::string>& syntheticKinds();

} // namespace alig::core
