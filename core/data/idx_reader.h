#pragma once
// Reader for IDX files, the format of MNIST, Fashion-MNIST and KMNIST, plain or gzip.
// Used by loadDataset() for the MNIST family and by anyone who needs a raw IDX tensor.

#include "core/data/dataset.h"

#include <torch/types.h>

#include <string>
#include <vector>

namespace alig::core {

// Reads one IDX file of unsigned bytes (magic 0x0000080N, N dimensions), plain or
// gzip-compressed (detected by its magic bytes), into a uint8 tensor of the shape its header
// declares. The claimed size is checked against the file before anything is allocated.
// Throws alig::core::Error naming the file and what is wrong.
torch::Tensor readIdxFile(const std::string& path);

// The four files of an MNIST-style directory, each found as NAME or NAME.gz.
inline const std::vector<std::string>& idxFileNames() {
    static const std::vector<std::string> names{"train-images-idx3-ubyte",
                                                "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                                                "t10k-labels-idx1-ubyte"};
    return names;
}

// Reads an MNIST-style directory into a Dataset: images float32 [N, 1, H, W] in [0, 1],
// labels int64. With classNames empty the classes are 0..max label, named "0", "1", ...;
// otherwise every label must be below classNames.size(). Not normalised or subset.
Dataset readIdxDataset(const std::string& dir, const std::vector<std::string>& classNames = {},
                       const std::string& name = "IDX");

} // namespace alig::core
