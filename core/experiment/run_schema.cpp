#include "core/experiment/run_schema.h"

#include "core/util/error.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace alig::core {

// The columns: name, format, and the field they hold. The order is the order in the files.
#define ALIG_COLUMN(Row, name, format, field)                                                      \
    Column<Row> {                                                                                  \
        name, ColumnFormat::format, [](const Row& r) { return static_cast<double>(r.field); },     \
            [](Row& r, double v) { r.field = static_cast<decltype(r.field)>(v); }                  \
    }

const std::vector<StepColumn>& stepColumns() {
    static const std::vector<StepColumn> columns{
        ALIG_COLUMN(StepMetrics, "step", Integer, step),
        ALIG_COLUMN(StepMetrics, "epoch", Integer, epoch),
        ALIG_COLUMN(StepMetrics, "loss", Real, loss),
        ALIG_COLUMN(StepMetrics, "accuracy", Real, accuracy),
        ALIG_COLUMN(StepMetrics, "step_size", Real, stepSize),
        ALIG_COLUMN(StepMetrics, "unclipped_step_size", Real, unclippedStepSize),
        StepColumn{"clipped", ColumnFormat::Flag,
                   [](const StepMetrics& r) { return r.clipped ? 1.0 : 0.0; },
                   [](StepMetrics& r, double v) { r.clipped = v != 0.0; }},
        ALIG_COLUMN(StepMetrics, "grad_norm", Real, gradNorm),
        ALIG_COLUMN(StepMetrics, "max_lr", Real, maxLr),
        ALIG_COLUMN(StepMetrics, "effective_step", Real, effectiveStep),
        ALIG_COLUMN(StepMetrics, "elapsed_s", Seconds, elapsed),
    };
    return columns;
}

const std::vector<EpochColumn>& epochColumns() {
    static const std::vector<EpochColumn> columns{
        ALIG_COLUMN(EpochMetrics, "epoch", Integer, epoch),
        ALIG_COLUMN(EpochMetrics, "step", Integer, step),
        ALIG_COLUMN(EpochMetrics, "train_loss", Real, trainLoss),
        ALIG_COLUMN(EpochMetrics, "train_accuracy", Real, trainAccuracy),
        ALIG_COLUMN(EpochMetrics, "test_loss", Real, testLoss),
        ALIG_COLUMN(EpochMetrics, "test_accuracy", Real, testAccuracy),
        ALIG_COLUMN(EpochMetrics, "elapsed_s", Seconds, elapsed),
        ALIG_COLUMN(EpochMetrics, "epoch_s", Seconds, epochSeconds),
        // Runs recorded before the interpolation meter lack it: they read as NaN (the default).
        ALIG_COLUMN(EpochMetrics, "interpolation", Real, interpolation),
        ALIG_COLUMN(EpochMetrics, "batch_loss", Real, batchLoss),
    };
    return columns;
}

#undef ALIG_COLUMN

std::string formatColumnValue(ColumnFormat format, double value) {
    char text[64];
    switch (format) {
    case ColumnFormat::Integer:
        std::snprintf(text, sizeof text, "%lld", static_cast<long long>(value));
        break;
    case ColumnFormat::Flag:
        return value != 0.0 ? "1" : "0";
    case ColumnFormat::Real:
        std::snprintf(text, sizeof text, "%.17g", value);
        break;
    case ColumnFormat::Seconds:
        std::snprintf(text, sizeof text, "%.6f", value);
        break;
    }
    return text;
}

namespace {

std::vector<std::string> splitFields(const std::string& line) {
    std::vector<std::string> fields;
    std::stringstream in(line);
    std::string field;
    while (std::getline(in, field, ','))
        fields.push_back(field);
    if (!line.empty() && line.back() == ',') fields.emplace_back();
    return fields;
}

} // namespace

template <class Row>
CsvRowParser<Row>::CsvRowParser(const std::vector<Column<Row>>& columns, const std::string& header,
                                const std::string& path) {
    const std::vector<std::string> names = splitFields(header);
    bool hasKey = false;
    for (const auto& name : names) {
        const Column<Row>* target = nullptr;
        for (const auto& c : columns)
            if (name == c.name) target = &c;
        m_targets.push_back(target);
        hasKey = hasKey || name == columns.front().name;
    }
    if (!hasKey)
        throw Error(path + ": no \"" + columns.front().name + "\" column in the header \"" +
                    header + "\"");
}

template <class Row> bool CsvRowParser<Row>::parse(const std::string& line, Row& row) const {
    const std::vector<std::string> fields = splitFields(line);
    if (fields.size() != m_targets.size()) return false;
    for (size_t i = 0; i < fields.size(); ++i) {
        if (!m_targets[i]) continue; // a column this build does not know: any text
        char* end = nullptr;
        const double value = std::strtod(fields[i].c_str(), &end);
        if (end == fields[i].c_str() || *end != '\0') return false;
        m_targets[i]->set(row, value);
    }
    return true;
}

template class CsvRowParser<StepMetrics>;
template class CsvRowParser<EpochMetrics>;

namespace {

template <class Row>
std::vector<Row> readCsv(const std::string& path, const std::vector<Column<Row>>& columns,
                         MalformedRows malformed) {
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot open");
    std::string line;
    if (!std::getline(in, line) || line.empty()) throw Error(path + ": no header line");
    const CsvRowParser<Row> parser(columns, line, path);
    std::vector<Row> rows;
    size_t number = 1;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty()) continue;
        Row row;
        if (!parser.parse(line, row)) {
            if (in.peek() == std::char_traits<char>::eof())
                break; // the last row, cut short by a crash mid-write
            if (malformed == MalformedRows::Skip) continue;
            throw Error(path + ":" + std::to_string(number) + ": malformed row");
        }
        rows.push_back(row);
    }
    return rows;
}

} // namespace

std::vector<StepMetrics> readStepsCsv(const std::string& path, MalformedRows malformed) {
    return readCsv(path, stepColumns(), malformed);
}

std::vector<EpochMetrics> readEpochsCsv(const std::string& path, MalformedRows malformed) {
    return readCsv(path, epochColumns(), malformed);
}

} // namespace alig::core
