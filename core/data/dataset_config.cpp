#include "core/data/dataset_config.h"

#include "core/util/choice.h"

namespace alig::core {

const ChoiceTable<DatasetKind>& datasetKindChoices() {
    static const ChoiceTable<DatasetKind> table("dataset.kind",
                                                {{"fashion-mnist", DatasetKind::FashionMnist},
                                                 {"mnist", DatasetKind::Mnist},
                                                 {"kmnist", DatasetKind::Kmnist},
                                                 {"idx", DatasetKind::Idx},
                                                 {"cifar10", DatasetKind::Cifar10},
                                                 {"cifar100", DatasetKind::Cifar100},
                                                 {"svhn", DatasetKind::Svhn},
                                                 {"csv", DatasetKind::Csv},
                                                 {"spirals", DatasetKind::Spirals},
                                                 {"circles", DatasetKind::Circles},
                                                 {"moons", DatasetKind::Moons},
                                                 {"xor", DatasetKind::Xor},
                                                 {"blobs", DatasetKind::Blobs}});
    return table;
}

DatasetKind parseDatasetKind(const std::string& text) {
    return datasetKindChoices().parse(text);
}

DataSource dataSourceOf(DatasetKind kind) {
    switch (kind) {
    case DatasetKind::FashionMnist:
    case DatasetKind::Cifar10:
    case DatasetKind::Cifar100:
    case DatasetKind::Svhn:
        return DataSource::ShippedImages;
    case DatasetKind::Mnist:
    case DatasetKind::Kmnist:
    case DatasetKind::Idx:
        return DataSource::IdxFolder;
    case DatasetKind::Csv:
        return DataSource::CsvFile;
    case DatasetKind::Spirals:
    case DatasetKind::Circles:
    case DatasetKind::Moons:
    case DatasetKind::Xor:
    case DatasetKind::Blobs:
        return DataSource::Synthetic;
    }
    return DataSource::Synthetic;
}

const std::vector<std::string>& datasetKinds() {
    return datasetKindChoices().names();
}

bool isSyntheticKind(const std::string& kind) {
    return datasetKindChoices().contains(kind) &&
           dataSourceOf(datasetKindChoices().parse(kind)) == DataSource::Synthetic;
}

bool datasetKindReads(DatasetKind kind, const std::string& field) {
    const DataSource source = dataSourceOf(kind);
    const bool csv = source == DataSource::CsvFile;
    const bool synthetic = source == DataSource::Synthetic;
    if (field == "path") return !synthetic;
    if (field == "test_path" || field == "label_column" || field == "header") return csv;
    if (field == "crop_padding" || field == "horizontal_flip") return !csv && !synthetic;
    if (field == "test_fraction" || field == "seed") return csv || synthetic;
    if (field == "samples" || field == "noise") return synthetic;
    // Spirals have one arm and blobs one centre per class; the other sets have two classes.
    if (field == "classes") return kind == DatasetKind::Spirals || kind == DatasetKind::Blobs;
    return true; // kind, subset, test_subset, normalize
}

} // namespace alig::core
