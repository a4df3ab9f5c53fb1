#pragma once
// `alig-train compare` and `alig-train sweep`: their options and the hand-over to core's
// comparison planner and runner.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

struct BatchOptions {
    std::string configPath, presetName, outDir, optimizers, param, values;
    std::vector<std::string> overrides;
    int64_t epochs = 0, threads = -1;
    int seeds = 1, parallel = 1;
    double targetAccuracy = 0.9;
    bool sweep = false;
};

// Registers the options shared by compare and sweep on a subcommand.
void addBatchOptions(CLI::App* command, BatchOptions& options);
// Plans, trains and summarises; returns the exit code (0 when every run completed).
int runBatch(const BatchOptions& options);
