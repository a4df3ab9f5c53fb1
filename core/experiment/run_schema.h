#pragma once
// The columns of a run's metrics files, defined once: metrics.csv holds one row per
// StepMetrics, epochs.csv one per EpochMetrics. RunRecorder writes them, readRun() reads them
// back by header name (so folders written with fewer, more or reordered columns still read),
// and the window's metrics export and run.json's final metrics use the same names and formats.
// A new column is one line in run_schema.cpp.

#include "core/train/metrics.h"

#include <string>
#include <vector>

namespace alig::core {

// How a column's value is written: Integer as is, Flag as 0 or 1, Real with 17 significant
// digits (exact round trip), Seconds with 6 decimals.
enum class ColumnFormat { Integer, Flag, Real, Seconds };

template <class Row> struct Column {
    const char* name;
    ColumnFormat format;
    double (*get)(const Row& row);
    void (*set)(Row& row, double value);
};
using StepColumn = Column<StepMetrics>;
using EpochColumn = Column<EpochMetrics>;

// metrics.csv: step, epoch, loss, accuracy, step_size, unclipped_step_size, clipped,
// grad_norm, max_lr, effective_step, elapsed_s. The first column is the row's key.
const std::vector<StepColumn>& stepColumns();
// epochs.csv: epoch, step, train_loss, train_accuracy, test_loss, test_accuracy, elapsed_s,
// epoch_s, interpolation. The first column is the row's key.
const std::vector<EpochColumn>& epochColumns();

std::string formatColumnValue(ColumnFormat format, double value);

// "step,epoch,loss,..." (no line end).
template <class Row> std::string csvHeader(const std::vector<Column<Row>>& columns) {
    std::string header;
    for (const auto& c : columns) {
        if (!header.empty()) header += ',';
        header += c.name;
    }
    return header;
}

// One row's fields in the columns' order (no line end).
template <class Row>
std::string csvFields(const std::vector<Column<Row>>& columns, const Row& row) {
    std::string fields;
    for (const auto& c : columns) {
        if (!fields.empty()) fields += ',';
        fields += formatColumnValue(c.format, c.get(row));
    }
    return fields;
}

// What to do with a malformed row other than a last one cut short by a crash (always
// dropped): an Error naming the file and line, or skip it.
enum class MalformedRows { Error, Skip };

// One file's rows read by its header, a line at a time: what readStepsCsv/readEpochsCsv use,
// and what follows a folder that another process is still writing (RunTail).
template <class Row> class CsvRowParser {
public:
    // Maps the header's names to the columns; throws an Error naming `path` when the key
    // column is not there.
    CsvRowParser(const std::vector<Column<Row>>& columns, const std::string& header,
                 const std::string& path);
    // Fills `row` from one line (no line end); false when it does not parse (another number
    // of fields, a field that is not a number in a known column).
    bool parse(const std::string& line, Row& row) const;
    size_t fieldCount() const { return m_targets.size(); }

private:
    std::vector<const Column<Row>*> m_targets; // nullptr: a column this build does not know
};

// Reads a metrics.csv or epochs.csv by its header: every known column found there fills its
// field, a column the file lacks leaves the field's default (StepMetrics/EpochMetrics), a
// column this build does not know is ignored. The key column must be there. Errors name the
// file (and line).
std::vector<StepMetrics> readStepsCsv(const std::string& path,
                                      MalformedRows malformed = MalformedRows::Error);
std::vector<EpochMetrics> readEpochsCsv(const std::string& path,
                                        MalformedRows malformed = MalformedRows::Error);

} // namespace alig::core
