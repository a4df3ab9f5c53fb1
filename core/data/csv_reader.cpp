#include "core/data/csv_reader.h"

#include "core/util/error.h"
#include "core/util/format.h"

#include <torch/torch.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

namespace fs = std::filesystem;

namespace alig::core {

namespace {

// Integer labels above this are almost surely not class indices (ids, prices, years).
constexpr int64_t kMaxIntegerClasses = 10000;

struct Field {
    std::string text; // unquoted and trimmed
    int64_t column;   // 1-based character column where the field starts
};

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

bool isBlank(const std::string& line) {
    return line.find_first_not_of(" \t\r") == std::string::npos;
}

std::vector<Field> splitRow(const std::string& line, char delim, const std::string& where) {
    std::vector<Field> fields;
    size_t i = 0;
    const size_t n = line.size();
    while (true) {
        const size_t start = i;
        std::string text;
        while (i < n && (line[i] == ' ' || line[i] == '\t') && line[i] != delim)
            ++i;
        if (i < n && line[i] == '"') {
            const size_t quote = i++;
            bool closed = false;
            while (i < n) {
                if (line[i] == '"') {
                    if (i + 1 < n && line[i + 1] == '"') {
                        text += '"';
                        i += 2;
                        continue;
                    }
                    closed = true;
                    ++i;
                    break;
                }
                text += line[i++];
            }
            if (!closed)
                throw Error(where + ":" + std::to_string(quote + 1) +
                            ": unterminated quoted field");
            while (i < n && line[i] != delim)
                ++i; // spaces after the closing quote
        } else {
            const size_t end = line.find(delim, i);
            text = trim(line.substr(i, end == std::string::npos ? std::string::npos : end - i));
            i = end == std::string::npos ? n : end;
        }
        fields.push_back({text, static_cast<int64_t>(start + 1)});
        if (i >= n) break;
        ++i; // the delimiter
    }
    return fields;
}

// Locale-independent (a Qt front end may switch LC_NUMERIC to a decimal comma).
bool parseNumber(const std::string& text, double& value) {
    const char* b = text.data();
    const char* e = b + text.size();
    if (b != e && *b == '+') ++b;
    if (b == e) return false;
    const auto [ptr, ec] = std::from_chars(b, e, value);
    return ec == std::errc() && ptr == e;
}

bool isNumber(const std::string& text) {
    double v;
    return parseNumber(text, v);
}

bool isIndex(const std::string& text) {
    return !text.empty() && text.size() <= 9 &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

char detectDelimiter(const std::string& line) {
    const auto commas = std::count(line.begin(), line.end(), ',');
    const auto semicolons = std::count(line.begin(), line.end(), ';');
    const auto tabs = std::count(line.begin(), line.end(), '\t');
    if (semicolons > commas && semicolons >= tabs) return ';';
    if (tabs > commas && tabs > semicolons) return '\t';
    return ',';
}

std::string joinNames(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "" : ", ") + n;
    return out;
}

// Fisher-Yates with the raw engine output: std::shuffle and the std distributions differ
// between standard libraries, and a split must be the same everywhere for a given seed.
std::vector<int64_t> permutation(int64_t n, uint64_t seed) {
    std::vector<int64_t> p(n);
    for (int64_t i = 0; i < n; ++i)
        p[i] = i;
    std::mt19937_64 rng(seed);
    for (int64_t i = n - 1; i > 0; --i)
        std::swap(p[i], p[static_cast<int64_t>(rng() % uint64_t(i + 1))]);
    return p;
}

torch::Tensor indexTensor(const std::vector<int64_t>& v) {
    return torch::tensor(v, torch::kInt64);
}

} // namespace

CsvTable readCsvTable(const std::string& path, const std::string& labelColumn,
                      const std::string& header) {
    if (header != "auto" && header != "yes" && header != "no")
        throw Error("dataset.header: expected auto, yes or no, got '" + header + "'");
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) throw Error(path + ": CSV file not found");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open for reading");
    return readCsvTable(in, path, labelColumn, header);
}

CsvTable readCsvTable(std::istream& in, const std::string& path, const std::string& labelColumn,
                      const std::string& header) {
    if (header != "auto" && header != "yes" && header != "no")
        throw Error("dataset.header: expected auto, yes or no, got '" + header + "'");
    CsvTable table;
    table.path = path;
    std::vector<float> values;
    char delim = ',';
    int64_t fieldCount = -1;
    int64_t lineNo = 0;
    int64_t firstLine = 0;
    std::string label = trim(labelColumn);

    for (std::string line; std::getline(in, line);) {
        ++lineNo;
        if (lineNo == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0)
            line.erase(0, 3); // UTF-8 byte order mark, as spreadsheets write it
        if (isBlank(line)) continue;
        const std::string where = path + ":" + std::to_string(lineNo);
        if (fieldCount < 0) delim = detectDelimiter(line);
        std::vector<Field> fields = splitRow(line, delim, where);

        if (fieldCount < 0) {
            // The first row fixes the column count, the header and the label column.
            firstLine = lineNo;
            fieldCount = static_cast<int64_t>(fields.size());
            if (fieldCount < 2)
                throw Error(where + ": found 1 column, need at least one feature and a label " +
                            "(separated by commas, semicolons or tabs)");
            auto named = std::find_if(fields.begin(), fields.end(),
                                      [&](const Field& f) { return f.text == label; });
            // Where the label column probably is, so that text labels alone do not make
            // the first row look like a header.
            int64_t guess = fieldCount - 1;
            if (isIndex(label))
                guess = std::stoll(label);
            else if (!label.empty() && named != fields.end())
                guess = named - fields.begin();
            bool textOutsideLabel = false;
            for (int64_t c = 0; c < fieldCount; ++c)
                textOutsideLabel = textOutsideLabel || (c != guess && !isNumber(fields[c].text));
            table.hasHeader =
                header == "yes" || (header == "auto" &&
                                    (textOutsideLabel ||
                                     (!label.empty() && named != fields.end() && !isIndex(label))));
            for (int64_t c = 0; c < fieldCount; ++c)
                table.columnNames.push_back(table.hasHeader ? fields[c].text
                                                            : "column " + std::to_string(c));
            if (label.empty()) {
                table.labelIndex = fieldCount - 1;
            } else if (table.hasHeader && named != fields.end()) {
                table.labelIndex = named - fields.begin();
            } else if (isIndex(label)) {
                table.labelIndex = std::stoll(label);
                if (table.labelIndex >= fieldCount)
                    throw Error(where + ": label column " + label + " is out of range: the file " +
                                "has " + std::to_string(fieldCount) + " columns (0.." +
                                std::to_string(fieldCount - 1) + ")");
            } else if (table.hasHeader) {
                throw Error(where + ": no column named '" + label +
                            "' for the labels (columns: " + joinNames(table.columnNames) + ")");
            } else {
                throw Error(where + ": the label column '" + label + "' is a name, but the file " +
                            "has no header row (header: " + header + ")");
            }
            if (table.hasHeader) continue;
        }

        if (static_cast<int64_t>(fields.size()) != fieldCount)
            throw Error(where + ": expected " + std::to_string(fieldCount) +
                        " fields (as on line " + std::to_string(firstLine) + "), found " +
                        std::to_string(fields.size()));
        for (int64_t c = 0; c < fieldCount; ++c) {
            const Field& f = fields[c];
            const std::string at = where + ":" + std::to_string(f.column) + ": ";
            if (c == table.labelIndex) {
                if (f.text.empty())
                    throw Error(at + "empty label in column '" + table.columnNames[c] + "'");
                table.labels.push_back(f.text);
                continue;
            }
            double v = 0;
            if (f.text.empty())
                throw Error(at + "empty field in numeric column '" + table.columnNames[c] + "'");
            if (!parseNumber(f.text, v))
                throw Error(at + "'" + f.text + "' in numeric column '" + table.columnNames[c] +
                            "' is not a number");
            if (!std::isfinite(v) || !std::isfinite(static_cast<float>(v)))
                throw Error(at + "'" + f.text + "' in column '" + table.columnNames[c] +
                            "' is NaN or infinite (or too large for float32)");
            values.push_back(static_cast<float>(v));
        }
        table.lines.push_back(lineNo);
    }
    // getline stops at a read error (or a line longer than a string can hold) as it stops at
    // the end: only eof means the whole file was read.
    if (!in.eof())
        throw Error(path + ":" + std::to_string(lineNo + 1) +
                    ": cannot read the file past this line (a read error, or a line too long)");
    if (fieldCount < 0) throw Error(path + ": empty file");
    if (table.labels.empty())
        throw Error(path + ": no data rows (only a header on line " + std::to_string(firstLine) +
                    ")");
    const int64_t rows = table.rows();
    table.features =
        torch::from_blob(values.data(), {rows, fieldCount - 1}, torch::kFloat32).clone();
    return table;
}

Dataset readCsvDataset(const DatasetConfig& config) {
    if (config.path.empty()) throw Error("dataset.path: a CSV dataset needs the path of its file");
    const bool split = config.testPath.empty();
    if (split && !(config.testFraction >= 0.0 && config.testFraction < 1.0))
        throw Error("dataset.test_fraction: must be in [0, 1), got " +
                    std::to_string(config.testFraction));
    CsvTable train = readCsvTable(config.path, config.labelColumn, config.header);
    CsvTable test;
    if (!split) {
        test = readCsvTable(config.testPath, config.labelColumn, config.header);
        if (test.columnNames.size() != train.columnNames.size())
            throw Error(config.testPath + ": has " + std::to_string(test.columnNames.size()) +
                        " columns but the training file " + config.path + " has " +
                        std::to_string(train.columnNames.size()));
        if (test.labelIndex != train.labelIndex)
            throw Error(config.testPath + ": the label column is column " +
                        std::to_string(test.labelIndex) + " but in the training file " +
                        config.path + " it is column " + std::to_string(train.labelIndex));
        if (train.hasHeader && test.hasHeader && train.columnNames != test.columnNames)
            throw Error(config.testPath + ": its columns (" + joinNames(test.columnNames) +
                        ") differ from those of the training file " + config.path + " (" +
                        joinNames(train.columnNames) + ")");
    }

    // Integer labels are class indices only if every label of both files is one.
    bool integers = true;
    for (const CsvTable* t : {&train, &test})
        for (const auto& l : t->labels)
            integers = integers && isIndex(l);

    Dataset ds;
    std::map<std::string, int64_t> mapping;
    auto encode = [&](const CsvTable& t) {
        std::vector<int64_t> y(t.labels.size());
        for (size_t i = 0; i < y.size(); ++i) {
            const std::string& l = t.labels[i];
            if (integers) {
                y[i] = std::stoll(l);
                if (y[i] >= kMaxIntegerClasses)
                    throw Error(t.path + ":" + std::to_string(t.lines[i]) + ": label " + l +
                                " is out of range: integer labels are class indices, at most " +
                                std::to_string(kMaxIntegerClasses - 1));
                continue;
            }
            auto it = mapping.find(l);
            if (it == mapping.end())
                throw Error(t.path + ":" + std::to_string(t.lines[i]) + ": label '" + l +
                            "' does not occur in the training file " + config.path);
            y[i] = it->second;
        }
        return y;
    };
    if (!integers) {
        for (const auto& l : train.labels)
            mapping.emplace(l, 0);
        // "1" and "1.0" are one class to the reader of the file, two to a string map: refuse
        // rather than guess which was meant.
        std::map<double, std::string> numeric;
        for (const auto& entry : mapping) {
            const std::string& text = entry.first;
            char* end = nullptr;
            const double v = std::strtod(text.c_str(), &end);
            if (end == text.c_str() || *end != '\0') continue;
            const auto [it, fresh] = numeric.emplace(v, text);
            if (!fresh)
                throw Error(config.path + ": labels '" + it->second + "' and '" + text +
                            "' are the same number written two ways; write every label the "
                            "same way (class indices 0, 1, ... or names)");
        }
        for (auto& [text, index] : mapping) {
            index = static_cast<int64_t>(ds.classNames.size());
            ds.classNames.push_back(text);
        }
    }
    std::vector<int64_t> trainY = encode(train);
    std::vector<int64_t> testY = split ? std::vector<int64_t>{} : encode(test);
    if (integers) {
        int64_t maxLabel = 0;
        for (const auto* y : {&trainY, &testY})
            for (int64_t v : *y)
                maxLabel = std::max(maxLabel, v);
        for (int64_t c = 0; c <= maxLabel; ++c)
            ds.classNames.push_back(std::to_string(c));
    }

    {
        // A classifier of one class learns nothing and reports 100 %.
        std::set<int64_t> distinct(trainY.begin(), trainY.end());
        if (distinct.size() < 2)
            throw Error(config.path + ": every training label is the same ('" +
                        (train.labels.empty() ? std::string() : train.labels.front()) +
                        "'): a classifier needs at least two classes");
    }
    const int64_t features = train.features.size(1);
    if (split) {
        const int64_t n = train.rows();
        const auto nTest = static_cast<int64_t>(std::llround(double(n) * config.testFraction));
        if (nTest == 0 && config.testFraction > 0.0) // 0: no test set, asked for
            throw Error(config.path + ": " + std::to_string(n) +
                        " rows leave no row for testing with dataset.test_fraction " +
                        formatNumber(config.testFraction) +
                        "; add rows, raise the fraction, or give dataset.test_path");
        if (nTest >= n)
            throw Error(config.path + ": " + std::to_string(n) + " rows are too few to hold out " +
                        "a test fraction of " + std::to_string(config.testFraction));
        const std::vector<int64_t> perm = permutation(n, config.seed);
        const std::vector<int64_t> testIdx(perm.begin(), perm.begin() + nTest);
        const std::vector<int64_t> trainIdx(perm.begin() + nTest, perm.end());
        torch::Tensor allY = torch::tensor(trainY, torch::kInt64);
        ds.trainX = train.features.index_select(0, indexTensor(trainIdx));
        ds.trainY = allY.index_select(0, indexTensor(trainIdx));
        ds.testX = train.features.index_select(0, indexTensor(testIdx));
        ds.testY = allY.index_select(0, indexTensor(testIdx));
        ds.source = config.path + " (seed " + std::to_string(config.seed) + ", " +
                    std::to_string(nTest) + " rows held out for testing)";
    } else {
        ds.trainX = train.features;
        ds.trainY = torch::tensor(trainY, torch::kInt64);
        ds.testX = test.features;
        ds.testY = torch::tensor(testY, torch::kInt64);
        ds.source = config.path + " (test: " + config.testPath + ")";
    }
    ds.name = "CSV " + fs::path(config.path).filename().string();
    ds.inputShape = {features};
    return ds;
}

} // namespace alig::core
