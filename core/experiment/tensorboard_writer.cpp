#include "core/experiment/tensorboard_writer.h"

#include "core/experiment/experiment_config.h"
#include "core/experiment/run_schema.h"
#include "core/experiment/run_store.h"
#include "core/util/atomic_file.h"
#include "core/util/crc32c.h"
#include "core/util/error.h"
#include "core/util/write_error.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>

#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace alig::core {

namespace {

// Protocol buffer wire format: a field's key is (number << 3) | wire type.
enum WireType { Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5 };

void putVarint(std::string& out, uint64_t v) {
    while (v >= 0x80) {
        out += static_cast<char>((v & 0x7F) | 0x80);
        v >>= 7;
    }
    out += static_cast<char>(v);
}

void putKey(std::string& out, int field, WireType type) {
    putVarint(out, (static_cast<uint64_t>(field) << 3) | type);
}

template <class T> void putLittleEndian(std::string& out, T value) {
    unsigned char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    // Every machine we build for is little endian, as the format is; say so if one is not.
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "record framing is little endian");
    out.append(reinterpret_cast<const char*>(bytes), sizeof(T));
}

void putBytes(std::string& out, int field, const std::string& bytes) {
    putKey(out, field, LengthDelimited);
    putVarint(out, bytes.size());
    out += bytes;
}

// Event (event.proto): wall_time = 1 (double), step = 2 (int64), file_version = 3,
// summary = 5, session_log = 6.
std::string eventHeader(double wallTime, int64_t step) {
    std::string e;
    putKey(e, 1, Fixed64);
    putLittleEndian(e, wallTime);
    if (step != 0) {
        putKey(e, 2, Varint);
        putVarint(e, static_cast<uint64_t>(step));
    }
    return e;
}

std::string fileVersionEvent(double wallTime) {
    std::string e = eventHeader(wallTime, 0);
    putBytes(e, 3, "brain.Event:2");
    return e;
}

// Summary (summary.proto): value = 1, repeated. Summary.Value: tag = 1, simple_value = 2
// (float), tensor = 8, metadata = 9.
std::string scalarsEvent(int64_t step, double wallTime, const Scalars& scalars) {
    std::string summary;
    for (const auto& [tag, value] : scalars) {
        std::string v;
        putBytes(v, 1, tag);
        putKey(v, 2, Fixed32);
        putLittleEndian(v, value);
        putBytes(summary, 1, v);
    }
    std::string e = eventHeader(wallTime, step);
    putBytes(e, 5, summary);
    return e;
}

// The text plugin's summary: a scalar string tensor (TensorProto: dtype = 1, DT_STRING = 7;
// tensor_shape = 2, empty for a scalar; string_val = 8) whose metadata names the plugin
// (SummaryMetadata.plugin_data = 1; PluginData.plugin_name = 1).
std::string textEvent(int64_t step, double wallTime, const std::string& tag,
                      const std::string& text) {
    std::string tensor;
    putKey(tensor, 1, Varint);
    putVarint(tensor, 7);
    putBytes(tensor, 2, "");
    putBytes(tensor, 8, text);
    std::string pluginData;
    putBytes(pluginData, 1, "text");
    std::string metadata;
    putBytes(metadata, 1, pluginData);
    std::string value;
    putBytes(value, 1, tag);
    putBytes(value, 8, tensor);
    putBytes(value, 9, metadata);
    std::string summary;
    putBytes(summary, 1, value);
    std::string e = eventHeader(wallTime, step);
    putBytes(e, 5, summary);
    return e;
}

// SessionLog: status = 1 (START = 1).
std::string sessionStartEvent(int64_t step, double wallTime) {
    std::string log;
    putKey(log, 1, Varint);
    putVarint(log, 1);
    std::string e = eventHeader(wallTime, step);
    putBytes(e, 6, log);
    return e;
}

// TFRecord framing: length, masked CRC of the length, data, masked CRC of the data.
std::string record(const std::string& data) {
    std::string r;
    std::string length;
    putLittleEndian(length, static_cast<uint64_t>(data.size()));
    r += length;
    putLittleEndian(r, maskedCrc32c(length.data(), length.size()));
    r += data;
    putLittleEndian(r, maskedCrc32c(data.data(), data.size()));
    return r;
}

template <class Row>
Scalars scalarsOf(const std::vector<Column<Row>>& columns, const Row& row, const char* prefix) {
    Scalars scalars;
    for (const auto& c : columns) {
        if (c.format != ColumnFormat::Real && c.format != ColumnFormat::Flag) continue;
        const double v = c.get(row);
        if (std::isfinite(v)) scalars.emplace_back(std::string(prefix) + c.name, float(v));
    }
    return scalars;
}

// The config as Markdown: a code block keeps the JSON's indentation.
std::string configText(const nlohmann::json& config) {
    std::string text;
    const std::string dump = config.dump(2);
    size_t start = 0;
    while (start <= dump.size()) {
        const size_t end = std::min(dump.find('\n', start), dump.size());
        text += "    " + dump.substr(start, end - start) + "\n";
        start = end + 1;
    }
    return text;
}

// "2026-11-29T19:13:12+0100" as seconds since the epoch (NaN when it does not parse).
double parseIsoTime(const std::string& text) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S%z", &tm);
    if (!end) return std::nan("");
    const long offset = tm.tm_gmtoff;
    return static_cast<double>(timegm(&tm) - offset);
}

bool hasLiveEvents(const fs::path& dir, std::string& found) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("events.out.tfevents.", 0) == 0 &&
            name.find(".alig-export") == std::string::npos) {
            found = entry.path().string();
            return true;
        }
    }
    return false;
}

} // namespace

double wallTimeNow() {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(now).count()) *
           1e-6;
}

std::string eventFileName(double wallTime) {
    char host[256] = "localhost";
    if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "localhost");
    host[sizeof host - 1] = '\0';
    return "events.out.tfevents." + std::to_string(static_cast<long long>(wallTime)) + "." + host +
           "." + std::to_string(::getpid());
}

Scalars stepScalars(const StepMetrics& step) {
    Scalars scalars = scalarsOf(stepColumns(), step, "step/");
    for (const auto& [name, value] : step.extras)
        if (std::isfinite(value)) scalars.emplace_back("method/" + name, float(value));
    return scalars;
}

Scalars epochScalars(const EpochMetrics& epoch) {
    return scalarsOf(epochColumns(), epoch, "epoch/");
}

EventFile::EventFile(std::string path, double wallTime)
    : m_path(std::move(path)) {
    // "x": a second writer (two runs in one second on one host) never shares a file.
    m_file = std::fopen(m_path.c_str(), "wbx");
    if (!m_file)
        throw WriteError(m_path + ": cannot create the TensorBoard events file (" +
                         std::strerror(errno) + ")");
    writeRecord(fileVersionEvent(wallTime));
    flush();
}

EventFile::~EventFile() {
    if (m_file) std::fclose(m_file);
}

void EventFile::writeRecord(const std::string& event) {
    const std::string r = record(event);
    if (std::fwrite(r.data(), 1, r.size(), m_file) != r.size())
        throw WriteError(m_path + ": cannot write (" + std::strerror(errno) + ")");
}

void EventFile::writeScalars(int64_t step, double wallTime, const Scalars& scalars) {
    if (!scalars.empty()) writeRecord(scalarsEvent(step, wallTime, scalars));
}

void EventFile::writeText(int64_t step, double wallTime, const std::string& tag,
                          const std::string& text) {
    writeRecord(textEvent(step, wallTime, tag, text));
}

void EventFile::writeSessionStart(int64_t step, double wallTime) {
    writeRecord(sessionStartEvent(step, wallTime));
}

void EventFile::flush() {
    if (std::fflush(m_file) != 0)
        throw WriteError(m_path + ": cannot write (" + std::strerror(errno) + ")");
}

TensorBoardWriter::TensorBoardWriter(const std::string& runDir, const ExperimentConfig& config,
                                     double flushSeconds, int64_t resumeStep)
    : m_file((fs::path(runDir) / eventFileName(wallTimeNow())).string(), wallTimeNow())
    , m_flushSeconds(flushSeconds) {
    if (resumeStep >= 0) m_file.writeSessionStart(resumeStep + 1, wallTimeNow());
    m_file.writeText(std::max<int64_t>(resumeStep, 0), wallTimeNow(), "config",
                     configText(config.toJson()));
    m_file.flush();
    m_lastFlush = std::chrono::steady_clock::now();
}

void TensorBoardWriter::flushIfDue(bool now) {
    // As RunRecorder's rows: on disk at least every flushSeconds, and at each epoch's end.
    const double since =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_lastFlush).count();
    if (!now && since < 0.5 * m_flushSeconds) return;
    m_file.flush();
    m_lastFlush = std::chrono::steady_clock::now();
}

void TensorBoardWriter::onRunStart(const RunStartInfo& info) {
    m_stepsPerEpoch = info.stepsPerEpoch;
}

void TensorBoardWriter::onSteps(const std::vector<StepMetrics>& steps) {
    const double now = wallTimeNow();
    for (const auto& s : steps)
        m_file.writeScalars(s.step, now, stepScalars(s));
    const bool epochEnds =
        !steps.empty() && m_stepsPerEpoch > 0 && steps.back().step % m_stepsPerEpoch == 0;
    flushIfDue(epochEnds);
}

void TensorBoardWriter::onEpoch(const EpochMetrics& epoch) {
    m_file.writeScalars(epoch.step, wallTimeNow(), epochScalars(epoch));
    flushIfDue(true);
}

void TensorBoardWriter::onRunEnd(const RunResult&) {
    flushIfDue(true);
}

std::string exportTensorBoard(const std::string& runDir) {
    const fs::path dir(runDir);
    if (!fs::is_directory(dir)) throw Error(runDir + ": no such run folder");
    std::string live;
    if (hasLiveEvents(dir, live))
        throw Error(runDir + ": already has TensorBoard events, written while it trained (" + live +
                    ")");
    const RunRecord run = readRun(runDir);
    double start = parseIsoTime(run.info.value("start_time", std::string()));
    if (!std::isfinite(start)) start = 0.0;
    std::string contents = record(fileVersionEvent(start));
    if (run.info.contains("config"))
        contents += record(textEvent(0, start, "config", configText(run.info["config"])));
    // Steps and epochs in the order they happened: an epoch's row after its last step's.
    size_t e = 0;
    for (const auto& s : run.steps) {
        while (e < run.epochs.size() && run.epochs[e].step < s.step) {
            contents += record(scalarsEvent(run.epochs[e].step, start + run.epochs[e].elapsed,
                                            epochScalars(run.epochs[e])));
            ++e;
        }
        contents += record(scalarsEvent(s.step, start + s.elapsed, stepScalars(s)));
    }
    for (; e < run.epochs.size(); ++e)
        contents += record(scalarsEvent(run.epochs[e].step, start + run.epochs[e].elapsed,
                                        epochScalars(run.epochs[e])));
    const std::string path =
        (dir /
         ("events.out.tfevents." + std::to_string(static_cast<long long>(start)) + ".alig-export"))
            .string();
    // An earlier export of this folder (its start time may have been unreadable then).
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("events.out.tfevents.", 0) == 0 && entry.path().string() != path &&
            name.find(".alig-export") != std::string::npos)
            fs::remove(entry.path(), ec);
    }
    writeFileAtomically(path, contents);
    return path;
}

} // namespace alig::core
