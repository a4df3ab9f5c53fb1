#pragma once
// Readers for the binary versions of CIFAR-10 and CIFAR-100, as distributed on the CIFAR
// website. Used by loadDataset() for the kinds cifar10 and cifar100.

#include "core/data/dataset.h"

#include <string>
#include <vector>

namespace alig::core {

// Reads CIFAR-10 (data_batch_1..5.bin, test_batch.bin) from dir or its subfolder
// cifar-10-batches-bin: images float32 [N, 3, 32, 32] in [0, 1], labels int64 in 0..9,
// class names from batches.meta.txt when present. Not normalised or subset.
Dataset readCifar10(const std::string& dir);

// Reads CIFAR-100 (train.bin, test.bin) from dir or its subfolder cifar-100-binary, with
// the 100 fine labels; class names from fine_label_names.txt when present.
Dataset readCifar100(const std::string& dir);

// The standard class names, used when the meta files are absent.
const std::vector<std::string>& cifar10ClassNames();
const std::vector<std::string>& cifar100ClassNames();

} // namespace alig::core
