#pragma once
// What an experiment says about its data: plain values, no LibTorch, so that the window's
// panels and records hold it without the engine's headers. loadDataset() (dataset.h) loads it.

#include <cstdint>
#include <string>
#include <vector>

namespace alig::core {

template <class E> class ChoiceTable;

// dataset.kind, parsed once (validation, loadDataset) so that no step compares its text.
enum class DatasetKind {
    FashionMnist,
    Mnist,
    Kmnist,
    Idx,
    Cifar10,
    Cifar100,
    Svhn,
    Csv,
    Spirals,
    Circles,
    Moons,
    Xor,
    Blobs
};
// Where a kind's samples come from, which decides the fields it reads.
enum class DataSource {
    ShippedImages, // images with a default folder: fashion-mnist, cifar10, cifar100, svhn
    IdxFolder,     // images in a folder the config must name: mnist, kmnist, idx
    CsvFile,       // a table: csv
    Synthetic      // 2-D points made from a seed: spirals, circles, moons, xor, blobs
};

const ChoiceTable<DatasetKind>& datasetKindChoices();
// Throws alig::core::Error "dataset.kind: must be one of ..., got "x"".
DatasetKind parseDatasetKind(const std::string& text);
DataSource dataSourceOf(DatasetKind kind);
// Every kind's name, in menu order.
const std::vector<std::string>& datasetKinds();
// True for the synthetic 2-D kinds; false for any other text.
bool isSyntheticKind(const std::string& kind);
// Whether a dataset of `kind` reads the field (its JSON name in the "dataset" section, e.g.
// "test_path"): the window shows only these, and validation checks only these.
bool datasetKindReads(DatasetKind kind, const std::string& field);

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

} // namespace alig::core
