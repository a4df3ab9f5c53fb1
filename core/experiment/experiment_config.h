#pragma once
// One experiment, as one JSON document: dataset, model, optimizer, training, output.
// Both front ends build it (form, preset, file, command line), validate it once, up front,
// and hand it to the experiment factory; run.json stores it resolved, with every default.
// Plain values only (no LibTorch), so that the window's headers can hold one.

#include "core/data/dataset_config.h"
#include "core/models/model_config.h"
#include "core/optim/optimizer_config.h"
#include "core/train/training_config.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace alig::core {

struct OutputConfig {
    std::string dir;             // the run directory; empty: <runs dir>/<timestamp>-<name>
    int64_t checkpointEvery = 1; // epochs between checkpoints (0: only at the end)
    double flushSeconds = 2.0;   // the longest time a metrics row waits before reaching disk
    bool tensorboard = false;    // also write TensorBoard events (tensorboard_writer.h)
};

struct ExperimentConfig {
    std::string name = "experiment";
    std::string description;
    DatasetConfig dataset;
    ModelConfig model;
    OptimizerConfig optimizer;
    TrainingConfig training;
    OutputConfig output;

    // Parses and validates; throws alig::core::Error naming the field by its JSON path,
    // e.g. "optimizer.max_lr: must be > 0, got -1". Unknown keys are errors.
    static ExperimentConfig fromJson(const nlohmann::json& document);
    // Every field, defaults included; fromJson(toJson()) gives the same config.
    nlohmann::json toJson() const;
    // Range checks that need no data; fromJson calls it. Messages as fromJson's.
    void validate() const;
};

// Reads a JSON file (at most 16 MiB); errors name the file and the line and column.
nlohmann::json readJsonFile(const std::string& path);
// readJsonFile() for the files that must hold one JSON object (experiments, presets,
// run.json): anything else is an Error naming the file, before any code indexes into it.
nlohmann::json readJsonObjectFile(const std::string& path);

// Applies "key.path=value" to a document; the value is read as JSON when it parses
// ("0.1", "true", "[512, 256]", "null") and as a string otherwise ("cifar10").
void applyOverride(nlohmann::json& document, const std::string& assignment);

struct PresetInfo {
    std::string name;        // file name without .json
    std::string description; // the preset's "description"
    std::string path;
};
// Presets from every preset folder (core/util/paths.h), the first of each name.
std::vector<PresetInfo> listPresets();
// The JSON of a named preset; the error lists the presets there are.
nlohmann::json loadPreset(const std::string& name);
// The preset `alig-train` and the window start from.
inline constexpr const char* kDefaultPreset = "fashion-mnist-mlp-alig";

} // namespace alig::core
