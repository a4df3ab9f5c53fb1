#pragma once
// Reader for tabular data in CSV files: numeric feature columns and one label column.
// Used by loadDataset() for the kind csv.

#include "core/data/dataset.h"

#include <torch/types.h>

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace alig::core {

// One CSV file as read: the numeric features and the label column's text, row by row.
struct CsvTable {
    std::string path;
    std::vector<std::string> columnNames; // every column, from the header or "column N"
    bool hasHeader = false;
    int64_t labelIndex = 0;          // 0-based column of the label
    torch::Tensor features;          // float32 [rows, columns - 1], file order
    std::vector<std::string> labels; // the label field of each row, trimmed
    std::vector<int64_t> lines;      // 1-based line of each row, for messages
    int64_t rows() const { return static_cast<int64_t>(labels.size()); }
};

// Reads a CSV file (comma, semicolon or tab separated, "quoted" fields allowed).
// labelColumn: a header name or a 0-based index, empty for the last column. header: auto
// (the first row is a header when a field outside the label column is not a number, or
// it holds the label column's name), yes or no. Throws alig::core::Error with
// file:line:column for text in a numeric column, NaN or infinity, ragged rows, a missing
// label column, an empty file or one without data rows.
CsvTable readCsvTable(const std::string& path, const std::string& labelColumn = {},
                      const std::string& header = "auto");
// The same from a stream; `path` names it in messages. A read that fails before the end
// (badbit, not eof) is an error naming the line after the last one read.
CsvTable readCsvTable(std::istream& in, const std::string& path,
                      const std::string& labelColumn = {}, const std::string& header = "auto");

// Builds a tabular Dataset from config.path (and config.testPath, or a seeded split of
// config.testFraction). Labels that are all non-negative integers are class indices;
// otherwise the distinct strings, sorted, are the classes. Not normalised or subset.
Dataset readCsvDataset(const DatasetConfig& config);

} // namespace alig::core
