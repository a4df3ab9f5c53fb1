#include "core/experiment/experiment_config.h"

#include "core/data/dataset_config.h"
#include "core/models/architectures.h"
#include "core/models/model_config.h"
#include "core/optim/optimizer_factory.h"
#include "core/util/error.h"
#include "core/util/format.h"
#include "core/util/paths.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace alig::core {

namespace {

// Levenshtein distance, for "did you mean" on unknown keys.
size_t editDistance(const std::string& a, const std::string& b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

// Writes at most about `limit` characters of v, nesting at most a few levels: a file of
// millions of nested brackets must not overflow the stack (json::dump recurses; found
// under AddressSanitizer by tst_fuzz_regressions).
void dumpBounded(const json& v, std::string& out, size_t limit, int depth) {
    if (out.size() > limit) return;
    if (!v.is_structured()) {
        out += v.dump();
        return;
    }
    const bool object = v.is_object();
    out += object ? '{' : '[';
    if (depth >= 4 && !v.empty()) {
        out += "...";
    } else {
        bool first = true;
        for (auto it = v.begin(); it != v.end() && out.size() <= limit; ++it) {
            if (!first) out += ',';
            first = false;
            if (object) out += json(it.key()).dump() + ':';
            dumpBounded(*it, out, limit, depth + 1);
        }
    }
    out += object ? '}' : ']';
}

std::string shortDump(const json& v) {
    std::string s;
    dumpBounded(v, s, 60, 0);
    return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

// Reads the keys of one JSON object, checking each value's type, and reports the keys
// nobody asked for. Every error names the field by its JSON path.
class Section {
public:
    Section(const json& object, std::string path)
        : m_object(object)
        , m_path(std::move(path)) {
        if (!m_object.is_object())
            throw Error((m_path.empty() ? std::string("top level") : m_path) +
                        ": must be an object, got " + shortDump(m_object));
    }

    std::string field(const std::string& key) const {
        return m_path.empty() ? key : m_path + "." + key;
    }

    const json* find(const std::string& key) {
        m_known.push_back(key);
        auto it = m_object.find(key);
        return it == m_object.end() ? nullptr : &*it;
    }

    void operator()(const std::string& key, std::string& out) {
        if (auto v = find(key)) {
            if (!v->is_string())
                throw Error(field(key) + ": must be a string, got " + shortDump(*v));
            out = v->get<std::string>();
        }
    }
    void operator()(const std::string& key, bool& out) {
        if (auto v = find(key)) {
            if (!v->is_boolean())
                throw Error(field(key) + ": must be true or false, got " + shortDump(*v));
            out = v->get<bool>();
        }
    }
    void operator()(const std::string& key, double& out) {
        if (auto v = find(key)) {
            if (!v->is_number())
                throw Error(field(key) + ": must be a number, got " + shortDump(*v));
            out = v->get<double>();
        }
    }
    void operator()(const std::string& key, std::optional<double>& out) {
        if (auto v = find(key)) {
            if (v->is_null()) {
                out.reset();
                return;
            }
            if (!v->is_number())
                throw Error(field(key) + ": must be a number or null, got " + shortDump(*v));
            out = v->get<double>();
        }
    }
    void operator()(const std::string& key, int64_t& out) {
        if (auto v = find(key)) out = integer(key, *v);
    }
    void operator()(const std::string& key, uint64_t& out) {
        if (auto v = find(key)) {
            if (v->is_number_unsigned()) {
                out = v->get<uint64_t>();
                return;
            }
            const int64_t i = integer(key, *v);
            if (i < 0) throw Error(field(key) + ": must be >= 0, got " + std::to_string(i));
            out = static_cast<uint64_t>(i);
        }
    }
    void operator()(const std::string& key, std::vector<int64_t>& out) {
        if (auto v = find(key)) {
            if (!v->is_array())
                throw Error(field(key) + ": must be a list of integers, got " + shortDump(*v));
            std::vector<int64_t> values;
            for (size_t i = 0; i < v->size(); ++i)
                values.push_back(integer(key + "[" + std::to_string(i) + "]", (*v)[i]));
            out = values;
        }
    }

    // Unknown keys are errors: a typo must not silently fall back to a default.
    void finish() const {
        for (auto it = m_object.begin(); it != m_object.end(); ++it) {
            if (std::find(m_known.begin(), m_known.end(), it.key()) != m_known.end()) continue;
            std::string best;
            size_t bestDistance = 3;
            std::string known;
            for (const auto& k : m_known) {
                known += (known.empty() ? "" : ", ") + k;
                const size_t d = editDistance(it.key(), k);
                if (d < bestDistance) {
                    bestDistance = d;
                    best = k;
                }
            }
            std::string message = field(it.key()) + ": unknown key";
            if (!best.empty()) message += " (did you mean \"" + best + "\"?)";
            throw Error(message + "; known keys: " + known);
        }
    }

private:
    int64_t integer(const std::string& key, const json& v) const {
        if (v.is_number_integer()) return v.get<int64_t>();
        if (v.is_number_float()) {
            const double d = v.get<double>();
            if (std::isfinite(d) && d == std::floor(d) && std::abs(d) < 9e15)
                return static_cast<int64_t>(d);
        }
        throw Error(field(key) + ": must be an integer, got " + shortDump(v));
    }

    const json& m_object;
    std::string m_path;
    std::vector<std::string> m_known;
};

template <class T> bool oneOf(const T& value, std::initializer_list<T> options) {
    return std::find(options.begin(), options.end(), value) != options.end();
}

std::string joined(const std::vector<std::string>& items) {
    std::string s;
    for (const auto& i : items)
        s += (s.empty() ? "" : ", ") + i;
    return s;
}

void requireIn(const std::string& field, const std::string& value,
               const std::vector<std::string>& allowed) {
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end())
        throw Error(field + ": must be one of " + joined(allowed) + ", got \"" + value + "\"");
}

void requireRange(const std::string& field, double value, double lo, double hi,
                  const std::string& what) {
    if (!(value >= lo && value <= hi))
        throw Error(field + ": must be " + what + ", got " + formatNumber(value));
}

// Each section's keys, listed once: the reader (Section) and the writer (JsonWriter) both
// walk these lists, so a new field is added in one place. D may be const for writing.
template <class D, class V> void datasetFields(D& d, V& v) {
    v("kind", d.kind);
    v("path", d.path);
    v("test_path", d.testPath);
    v("subset", d.subset);
    v("test_subset", d.testSubset);
    v("normalize", d.normalize);
    v("crop_padding", d.cropPadding);
    v("horizontal_flip", d.horizontalFlip);
    v("label_column", d.labelColumn);
    v("header", d.header);
    v("test_fraction", d.testFraction);
    v("samples", d.samples);
    v("noise", d.noise);
    v("classes", d.classes);
    v("seed", d.seed);
}

template <class M, class V> void modelFields(M& m, V& v) {
    v("type", m.type);
    v("hidden", m.hidden);
    v("activation", m.activation);
    v("dropout", m.dropout);
    v("depth", m.depth);
    v("widen", m.widen);
    v("channels", m.channels);
    v("path", m.path);
}

template <class O, class V> void optimizerFields(O& o, V& v) {
    v("name", o.name);
    v("max_lr", o.maxLr);
    v("momentum_form", o.momentumForm);
    v("projection_radius", o.projectionRadius);
    v("clip_at_zero", o.clipAtZero);
    v("momentum", o.momentum);
    v("eps", o.eps);
    v("lr", o.lr);
    v("weight_decay", o.weightDecay);
    v("nesterov", o.nesterov);
    v("beta1", o.beta1);
    v("beta2", o.beta2);
    v("alpha", o.alpha);
    v("centered", o.centered);
    v("lr_decay", o.lrDecay);
    v("initial_accumulator", o.initialAccumulator);
    v("c", o.c);
    v("f_star", o.fStar);
    v("l4_gamma", o.l4Gamma);
    v("l4_init_factor", o.l4InitFactor);
    v("l4_forget_time", o.l4ForgetTime);
    v("d0", o.d0);
    v("d_coef", o.dCoef);
    v("growth_rate", o.growthRate);
    v("beta3", o.beta3);
    v("decouple", o.decouple);
    v("safeguard_warmup", o.safeguardWarmup);
    v("bias_correction", o.biasCorrection);
    v("sf_warmup_steps", o.sfWarmupSteps);
    v("sf_r", o.sfR);
    v("sf_weight_lr_power", o.sfWeightLrPower);
    v("momo_lb", o.momoLb);
    v("momo_online_lb", o.momoOnlineLb);
    v("momo_divide", o.momoDivide);
    v("dog_reps_rel", o.dogRepsRel);
    v("dog_init_eta", o.dogInitEta);
    v("dog_average", o.dogAverage);
    v("dog_average_gamma", o.dogAverageGamma);
    v("schedule", o.schedule);
    v("milestones", o.milestones);
    v("gamma", o.gamma);
    v("warmup_epochs", o.warmupEpochs);
    v("min_lr_factor", o.minLrFactor);
}

template <class T, class V> void trainingFields(T& t, V& v) {
    v("epochs", t.epochs);
    v("batch_size", t.batchSize);
    v("seed", t.seed);
    v("shuffle", t.shuffle);
    v("loss", t.loss);
    v("threads", t.threads);
    v("device", t.device);
    v("eval_batch_size", t.evalBatchSize);
    v("metrics_interval", t.metricsInterval);
    v("eval_train", t.evalTrain);
    v("autocast", t.autocast);
    v("interpolation_threshold", t.interpolationThreshold);
    v("interpolation_samples", t.interpolationSamples);
}

template <class O, class V> void outputFields(O& o, V& v) {
    v("dir", o.dir);
    v("checkpoint_every", o.checkpointEvery);
    v("flush_seconds", o.flushSeconds);
    v("tensorboard", o.tensorboard);
}

struct JsonWriter {
    json& out;
    template <class T> void operator()(const char* key, const T& value) { out[key] = value; }
    void operator()(const char* key, const std::optional<double>& value) {
        out[key] = value ? json(*value) : json(nullptr);
    }
};

template <class Config, class Fields>
void readSection(Section& top, const char* key, Config& config, Fields fields) {
    if (const json* v = top.find(key)) {
        Section s(*v, key);
        fields(config, s);
        s.finish();
    }
}

template <class Config, class Fields>
void writeSection(json& out, const char* key, const Config& config, Fields fields) {
    JsonWriter w{out[key]};
    fields(config, w);
}

} // namespace

ExperimentConfig ExperimentConfig::fromJson(const json& document) {
    ExperimentConfig c;
    Section top(document, "");
    top("name", c.name);
    top("description", c.description);
    readSection(top, "dataset", c.dataset, [](auto& d, auto& v) { datasetFields(d, v); });
    readSection(top, "model", c.model, [](auto& m, auto& v) { modelFields(m, v); });
    readSection(top, "optimizer", c.optimizer, [](auto& o, auto& v) { optimizerFields(o, v); });
    readSection(top, "training", c.training, [](auto& t, auto& v) { trainingFields(t, v); });
    readSection(top, "output", c.output, [](auto& o, auto& v) { outputFields(o, v); });
    top.finish();
    c.validate();
    return c;
}

json ExperimentConfig::toJson() const {
    json j = {{"name", name}, {"description", description}};
    writeSection(j, "dataset", dataset, [](auto& d, auto& v) { datasetFields(d, v); });
    writeSection(j, "model", model, [](auto& m, auto& v) { modelFields(m, v); });
    writeSection(j, "optimizer", optimizer, [](auto& o, auto& v) { optimizerFields(o, v); });
    writeSection(j, "training", training, [](auto& t, auto& v) { trainingFields(t, v); });
    writeSection(j, "output", output, [](auto& o, auto& v) { outputFields(o, v); });
    return j;
}

void ExperimentConfig::validate() const {
    if (name.empty()) throw Error("name: must not be empty");

    const auto& d = dataset;
    const DatasetKind kind = parseDatasetKind(d.kind);
    const DataSource source = dataSourceOf(kind);
    if (d.subset < 0)
        throw Error("dataset.subset: must be >= 0 (0 keeps every sample), got " +
                    std::to_string(d.subset));
    if (d.testSubset < 0)
        throw Error("dataset.test_subset: must be >= 0 (0 keeps every sample), got " +
                    std::to_string(d.testSubset));
    if (d.cropPadding < 0 || d.cropPadding > 64)
        throw Error("dataset.crop_padding: must be in [0, 64], got " +
                    std::to_string(d.cropPadding));
    requireIn("dataset.header", d.header, {"auto", "yes", "no"});
    const bool synthetic = source == DataSource::Synthetic;
    if (datasetKindReads(kind, "test_fraction") && (synthetic || d.testPath.empty()))
        if (!(d.testFraction > 0.0 && d.testFraction < 1.0))
            throw Error("dataset.test_fraction: must be in (0, 1), got " +
                        formatNumber(d.testFraction));
    if (synthetic) {
        if (d.samples < 10 || d.samples > 10'000'000)
            throw Error("dataset.samples: must be in [10, 10000000], got " +
                        std::to_string(d.samples));
        requireRange("dataset.noise", d.noise, 0.0, 10.0, "in [0, 10]");
        if (d.classes < 2 || d.classes > 100)
            throw Error("dataset.classes: must be in [2, 100], got " + std::to_string(d.classes));
    }
    if (source == DataSource::CsvFile && d.path.empty())
        throw Error("dataset.path: a csv dataset needs the CSV file's path");
    if (source == DataSource::IdxFolder && d.path.empty())
        throw Error("dataset.path: a " + d.kind + " dataset needs the folder of its IDX files");

    const auto& m = model;
    const ModelType type = parseModelType(m.type);
    if (type == ModelType::Mlp) {
        for (size_t i = 0; i < m.hidden.size(); ++i)
            if (m.hidden[i] < 1 || m.hidden[i] > 1'000'000)
                throw Error("model.hidden[" + std::to_string(i) +
                            "]: must be in [1, 1000000], got " + std::to_string(m.hidden[i]));
        parseLayerActivations(m.activation, m.hidden.size());
    }
    if (!(m.dropout >= 0.0 && m.dropout < 1.0))
        throw Error("model.dropout: must be in [0, 1), got " + formatNumber(m.dropout));
    if (type == ModelType::ResNet && (m.depth < 8 || (m.depth - 2) % 6 != 0))
        throw Error("model.depth: a CIFAR ResNet needs depth 6n+2 (20, 32, 44, 56, 110), got " +
                    std::to_string(m.depth));
    if (type == ModelType::WideResNet && (m.depth < 10 || (m.depth - 4) % 6 != 0))
        throw Error("model.depth: a Wide ResNet needs depth 6n+4 (16, 22, 28, 40), got " +
                    std::to_string(m.depth));
    if (type == ModelType::WideResNet && (m.widen < 1 || m.widen > 32))
        throw Error("model.widen: must be in [1, 32], got " + std::to_string(m.widen));
    if (type == ModelType::Cnn && (m.channels < 1 || m.channels > 4096))
        throw Error("model.channels: must be in [1, 4096], got " + std::to_string(m.channels));
    if (type == ModelType::TorchScript && m.path.empty())
        throw Error("model.path: a torchscript model needs the .pt file's path");

    validateOptimizerConfig(optimizer);

    const auto& t = training;
    if (t.epochs < 1 || t.epochs > 1'000'000)
        throw Error("training.epochs: must be in [1, 1000000], got " + std::to_string(t.epochs));
    if (t.batchSize < 1 || t.batchSize > 1'000'000)
        throw Error("training.batch_size: must be in [1, 1000000], got " +
                    std::to_string(t.batchSize));
    parseLoss(t.loss);
    if (t.threads < 0 || t.threads > 1024)
        throw Error("training.threads: must be in [0, 1024] (0: all cores), got " +
                    std::to_string(t.threads));
    static const std::regex device("auto|cpu|cuda(:[0-9]+)?");
    if (!std::regex_match(t.device, device))
        throw Error("training.device: must be auto, cpu, cuda or cuda:N, got \"" + t.device + "\"");
    if (t.evalBatchSize < 1)
        throw Error("training.eval_batch_size: must be >= 1, got " +
                    std::to_string(t.evalBatchSize));
    parseAutocast(t.autocast);
    if (t.metricsInterval < 0)
        throw Error("training.metrics_interval: must be >= 0 (0: automatic), got " +
                    std::to_string(t.metricsInterval));
    if (!(t.interpolationThreshold >= 0.0) || std::isinf(t.interpolationThreshold))
        throw Error("training.interpolation_threshold: must be >= 0 and finite (0: off), got " +
                    formatNumber(t.interpolationThreshold));
    if (t.interpolationSamples < 0)
        throw Error("training.interpolation_samples: must be >= 0 (0: all), got " +
                    std::to_string(t.interpolationSamples));

    if (output.checkpointEvery < 0)
        throw Error("output.checkpoint_every: must be >= 0 (0: only at the end), got " +
                    std::to_string(output.checkpointEvery));
    requireRange("output.flush_seconds", output.flushSeconds, 0.0, 2.0, "in [0, 2]");
}

json readJsonFile(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw Error(path + ": no such file");
    if (fs::is_directory(path, ec)) throw Error(path + ": is a folder, not a JSON file");
    const auto size = fs::file_size(path, ec);
    if (ec) throw Error(path + ": cannot read: " + ec.message());
    if (size > 16u * 1024 * 1024)
        throw Error(path + ": too large for a config (" + std::to_string(size) +
                    " bytes; the limit is 16 MiB)");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open for reading");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
        throw Error(path + ": empty file, expected a JSON object");
    try {
        return json::parse(text);
    } catch (const json::parse_error& e) {
        // Turn the byte offset into a line and column a person can find.
        size_t line = 1, column = 1;
        for (size_t i = 0; i < std::min(e.byte, text.size()) && i + 1 < e.byte; ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        std::string what = e.what();
        const auto colon = what.rfind(": ");
        if (colon != std::string::npos) what = what.substr(colon + 2);
        throw Error(path + ":" + std::to_string(line) + ":" + std::to_string(column) +
                    ": not valid JSON: " + what);
    } catch (const json::exception& e) {
        // Valid syntax the library still refuses, e.g. a number beyond double's range
        // (found by fuzz_config): out_of_range carries no position.
        std::string what = e.what();
        const auto bracket = what.find("] ");
        if (bracket != std::string::npos) what = what.substr(bracket + 2);
        throw Error(path + ": not valid JSON: " + what);
    }
}

json readJsonObjectFile(const std::string& path) {
    json j = readJsonFile(path);
    if (!j.is_object())
        throw Error(path +
                    ": top level: must be an object ({\"name\": ..., \"dataset\": "
                    "{...}, ...}), got " +
                    shortDump(j));
    return j;
}

void applyOverride(json& document, const std::string& assignment) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
        throw Error("--set " + assignment + ": expected key.path=value");
    const std::string path = assignment.substr(0, eq);
    const std::string text = assignment.substr(eq + 1);
    json value;
    try {
        value = json::parse(text);
    } catch (const json::exception&) {
        // A bare word (--set dataset.kind=cifar10), or a number out of range (1e999),
        // which then fails validation as text, naming the field.
        value = text;
    }
    if (!document.is_object()) document = json::object();
    json* node = &document;
    std::stringstream parts(path);
    std::string part, walked;
    std::vector<std::string> keys;
    while (std::getline(parts, part, '.')) {
        if (part.empty())
            throw Error("--set " + assignment + ": empty name in key path \"" + path + "\"");
        keys.push_back(part);
    }
    for (size_t i = 0; i + 1 < keys.size(); ++i) {
        walked += (walked.empty() ? "" : ".") + keys[i];
        json& next = (*node)[keys[i]];
        if (next.is_null()) next = json::object();
        if (!next.is_object())
            throw Error("--set " + assignment + ": " + walked + " is not a section");
        node = &next;
    }
    (*node)[keys.back()] = value;
}

std::vector<PresetInfo> listPresets() {
    std::vector<PresetInfo> presets;
    std::set<std::string> seen;
    for (const auto& dir : presetDirs()) {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) continue;
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(dir, ec))
            if (entry.path().extension() == ".json") files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            const std::string name = file.stem().string();
            if (!seen.insert(name).second) continue;
            PresetInfo info{name, "", file.string()};
            try {
                json j = readJsonFile(file.string());
                if (j.is_object() && j.contains("description") && j["description"].is_string())
                    info.description = j["description"].get<std::string>();
            } catch (const Error& e) {
                info.description = std::string("(unreadable: ") + e.what() + ")";
            }
            presets.push_back(info);
        }
    }
    return presets;
}

json loadPreset(const std::string& name) {
    for (const auto& preset : listPresets())
        if (preset.name == name) return readJsonObjectFile(preset.path);
    std::string known;
    for (const auto& preset : listPresets())
        known += (known.empty() ? "" : ", ") + preset.name;
    throw Error("no preset named \"" + name +
                "\" (presets: " + (known.empty() ? std::string("none found") : known) + ")");
}

} // namespace alig::core
