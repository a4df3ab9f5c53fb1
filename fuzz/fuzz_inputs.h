#pragma once
// What each fuzz target does with one input. The libFuzzer targets call these, and so does
// tst_fuzz_regressions, which replays every input in fuzz/regressions/ (and the seeds) in
// the ordinary test build. Each returns normally for a good input and for one the reader
// refuses with alig::core::Error; any other outcome is a bug.

#include <cstddef>
#include <cstdint>

namespace alig::fuzz {

// One LibTorch thread: the inputs are small, and a fuzzer runs many processes side by side.
void initialize();

// IDX: byte 0 even: the rest is one IDX file (readIdxFile). Odd: the rest is four files
// of an MNIST-style folder, each but the last prefixed by its 16-bit little-endian length
// (readIdxDataset).
void feedIdx(const uint8_t* data, size_t size);

// CIFAR binary: byte 0 bit 0 picks CIFAR-100 over CIFAR-10, bit 1 adds a class-names file.
// Then a 32-bit little-endian length and the training file (every CIFAR-10 batch gets the
// same bytes), a 16-bit length and the names file, and the test file (the rest).
void feedCifar(const uint8_t* data, size_t size);

// CSV: byte 0 picks the header mode (auto, yes, no) and the label column ("", "0",
// "label"); the rest is the file, read as a table and as a dataset (a seeded split).
void feedCsv(const uint8_t* data, size_t size);

// Experiment config: the bytes are a JSON file, read with readJsonFile and parsed with
// ExperimentConfig::fromJson. A config that parses must survive toJson/fromJson unchanged.
void feedConfig(const uint8_t* data, size_t size);

} // namespace alig::fuzz
