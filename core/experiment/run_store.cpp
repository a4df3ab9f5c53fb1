#include "core/experiment/run_store.h"

#include "core/experiment/experiment_config.h"
#include "core/experiment/run_schema.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/paths.h"
#include "core/util/write_error.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <random>
#include <sstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace alig::core {

namespace {

std::string timestamp(const char* format) {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    std::ostringstream s;
    s << std::put_time(&tm, format);
    return s.str();
}

// Room kept in the run folder for the last word: when the disk fills up, this file is
// removed so that run.json can still say "failed" and why.
constexpr const char* kReserveFile = ".reserve";
constexpr size_t kReserveBytes = 64 * 1024;

void makeReserve(const fs::path& dir) {
    std::FILE* f = std::fopen((dir / kReserveFile).c_str(), "wb");
    if (!f) return; // without it the run still records; only the last word may be lost
    const std::string zeros(kReserveBytes, '\0');
    const bool ok = std::fwrite(zeros.data(), 1, zeros.size(), f) == zeros.size();
    if (std::fclose(f) != 0 || !ok) {
        std::error_code ec;
        fs::remove(dir / kReserveFile, ec);
    }
}

// Keeps the rows whose key (the first column) is <= limit and rewrites the file with this
// build's header (resume drops the rest). Rows of a file written with older columns get the
// missing ones as the fields' defaults (NaN for the interpolation meter); rows that do not
// parse are dropped, as a resumed run re-records them.
template <class Row, class Read>
void truncateCsv(const fs::path& path, const std::vector<Column<Row>>& columns, double limit,
                 Read read) {
    std::string kept = csvHeader(columns) + '\n';
    if (fs::exists(path))
        for (const Row& row : read(path.string(), MalformedRows::Skip))
            if (columns.front().get(row) <= limit) kept += csvFields(columns, row) + '\n';
    writeFileAtomically(path.string(), kept);
}

std::FILE* openAppend(const fs::path& path, const std::string& header) {
    const bool fresh = !fs::exists(path);
    std::FILE* f = std::fopen(path.c_str(), "a");
    if (!f)
        throw WriteError(path.string() + ": cannot open for writing (" + std::strerror(errno) +
                         ")");
    if (fresh) std::fprintf(f, "%s\n", header.c_str());
    return f;
}

// JSON has no NaN: store non-finite numbers as null.
json finite(double v) {
    return std::isfinite(v) ? json(v) : json(nullptr);
}

// run.json's final_metrics: the epochs.csv columns.
json epochJson(const EpochMetrics& e) {
    json j = json::object();
    for (const auto& c : epochColumns())
        j[c.name] = c.format == ColumnFormat::Integer ? json(static_cast<int64_t>(c.get(e)))
                                                      : finite(c.get(e));
    return j;
}

} // namespace

std::string isoNow() {
    return timestamp("%Y-%m-%dT%H:%M:%S%z");
}

std::string newRunId() {
    // random_device alone: no seeding state to share between threads or processes.
    std::random_device device;
    char hex[8];
    std::snprintf(hex, sizeof hex, "%06x", static_cast<unsigned>(device() & 0xFFFFFFu));
    return timestamp("%Y%m%d-%H%M%S") + "-" + hex;
}

std::string runIdOf(const json& info, const std::string& dir) {
    const auto it = info.find("run_id");
    if (it != info.end() && it->is_string() && !it->get<std::string>().empty())
        return it->get<std::string>();
    return fs::path(dir).lexically_normal().filename().string();
}

std::string createRunDir(const ExperimentConfig& config, const std::string& dir,
                         const std::string& parentDir, const std::string& runId) {
    fs::path path;
    std::error_code ec;
    if (!dir.empty()) {
        path = dir;
        if (fs::exists(path / "run.json", ec))
            throw Error(path.string() + ": already holds a run (use --resume to continue it, "
                                        "or choose another folder)");
    } else {
        const fs::path parent = parentDir.empty() ? defaultRunsDir() : parentDir;
        const std::string base =
            (runId.empty() ? newRunId() : runId) + "-" + safeFolderName(config.name);
        fs::create_directories(parent, ec);
        if (ec)
            throw WriteError(parent.string() + ": cannot create the run folder's parent (" +
                             ec.message() + ")");
        // Made here, one name at a time: two runs started in the same second each get a
        // folder of their own (checking, then creating, would let both take one).
        path = parent / base;
        for (int i = 2; !fs::create_directory(path, ec); ++i) {
            if (ec)
                throw WriteError(path.string() + ": cannot create the run folder (" + ec.message() +
                                 ")");
            path = parent / (base + "-" + std::to_string(i));
        }
    }
    fs::create_directories(path / "checkpoints", ec);
    if (ec) throw Error(path.string() + ": cannot create the run folder (" + ec.message() + ")");
    // Fail now, not at the first flush, when the folder is not writable.
    const fs::path probe = path / ".write-test";
    std::FILE* f = std::fopen(probe.c_str(), "w");
    if (!f)
        throw Error(path.string() + ": the run folder is not writable (" + std::strerror(errno) +
                    ")");
    std::fclose(f);
    fs::remove(probe, ec);
    return path.string();
}

RunRecord readRun(const std::string& dir) {
    RunRecord record;
    record.dir = dir;
    const fs::path base(dir);
    record.info = readJsonObjectFile((base / "run.json").string());
    record.steps = readStepsCsv((base / "metrics.csv").string());
    record.epochs = readEpochsCsv((base / "epochs.csv").string());
    return record;
}

RunRecorder::RunRecorder(std::string dir, json info, double flushSeconds, int64_t resumeStep,
                         int64_t resumeEpoch)
    : m_dir(std::move(dir))
    , m_info(std::move(info))
    , m_flushSeconds(flushSeconds) {
    const fs::path base(m_dir);
    if (resumeStep >= 0) {
        truncateCsv(base / "metrics.csv", stepColumns(), static_cast<double>(resumeStep),
                    readStepsCsv);
        truncateCsv(base / "epochs.csv", epochColumns(), static_cast<double>(resumeEpoch),
                    readEpochsCsv);
    }
    m_metrics = openAppend(base / "metrics.csv", csvHeader(stepColumns()));
    m_epochs = openAppend(base / "epochs.csv", csvHeader(epochColumns()));
    {
        std::lock_guard<std::mutex> lock(m_infoMutex);
        m_info["status"] = runStatusName(RunStatus::Running);
        writeInfo();
    }
    flush();
    makeReserve(base);
}

RunRecorder::~RunRecorder() {
    if (m_metrics) std::fclose(m_metrics);
    if (m_epochs) std::fclose(m_epochs);
}

void RunRecorder::writeInfo() {
    writeFileAtomically((fs::path(m_dir) / "run.json").string(), m_info.dump(2) + "\n");
}

void RunRecorder::flush() {
    // Name the file that failed: with a full disk, that is what the user looks at.
    if (std::fflush(m_metrics) != 0)
        throw WriteError(m_dir + "/metrics.csv: cannot write (" + std::strerror(errno) + ")");
    if (std::fflush(m_epochs) != 0)
        throw WriteError(m_dir + "/epochs.csv: cannot write (" + std::strerror(errno) + ")");
    m_lastFlush = std::chrono::steady_clock::now();
}

void RunRecorder::setName(const std::string& name) {
    std::lock_guard<std::mutex> lock(m_infoMutex);
    m_info["name"] = name;
    m_info["renamed"] = true; // a name the user chose: legends show it, not the label
    writeInfo();
}

void RunRecorder::onRunStart(const RunStartInfo& info) {
    std::lock_guard<std::mutex> lock(m_infoMutex);
    m_info["device"] = info.device;
    m_info["steps_per_epoch"] = info.stepsPerEpoch;
    m_stepsPerEpoch = info.stepsPerEpoch;
    writeInfo();
}

void RunRecorder::onSteps(const std::vector<StepMetrics>& steps) {
    for (const auto& m : steps) {
        const std::string row = csvFields(stepColumns(), m);
        std::fprintf(m_metrics, "%s\n", row.c_str());
    }
    if (ferror(m_metrics))
        throw WriteError(m_dir + "/metrics.csv: cannot write (" + std::strerror(errno) + ")");
    // A crash loses at most flushSeconds of rows: the trainer hands rows over at least every
    // half of it, and they are flushed at the first hand-over half of it after the last
    // flush. The epoch's last rows go now: evaluation, maybe slow, comes next.
    const double since =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_lastFlush).count();
    const bool epochEnds =
        !steps.empty() && m_stepsPerEpoch > 0 && steps.back().step % m_stepsPerEpoch == 0;
    if (since >= 0.5 * m_flushSeconds || epochEnds) flush();
}

void RunRecorder::onEpoch(const EpochMetrics& e) {
    std::fprintf(m_epochs, "%s\n", csvFields(epochColumns(), e).c_str());
    flush();
    std::lock_guard<std::mutex> lock(m_infoMutex);
    m_info["progress"] = {{"epochs_completed", e.epoch}, {"steps", e.step}};
    m_info["final_metrics"] = epochJson(e);
    const double best = m_info.value("best_test_accuracy", 0.0);
    m_info["best_test_accuracy"] = std::max(best, e.testAccuracy);
    writeInfo();
}

void RunRecorder::onCheckpoint(const CheckpointInfo& c) {
    std::lock_guard<std::mutex> lock(m_infoMutex);
    m_info["checkpoint"] = {{"path", kCheckpointFile}, {"epoch", c.epoch}, {"step", c.step}};
    writeInfo();
}

void RunRecorder::onPause(bool paused) {
    flush(); // every row before the pause is on disk while it lasts
    m_info["status"] = paused ? kPausedStatus : runStatusName(RunStatus::Running);
    writeInfo();
}

void RunRecorder::onRunEnd(const RunResult& r) {
    flush();
    std::error_code ec;
    fs::remove(fs::path(m_dir) / kReserveFile, ec); // the run's last word needs no more room
    std::lock_guard<std::mutex> lock(m_infoMutex);
    m_info["status"] = runStatusName(r.status);
    m_info["message"] = r.message;
    m_info["end_time"] = isoNow();
    m_info["elapsed_s"] = finite(r.elapsed);
    m_info["progress"] = {{"epochs_completed", r.epochsCompleted}, {"steps", r.steps}};
    writeInfo();
}

void RunRecorder::fail(const std::string& message) noexcept {
    // Called when something already went wrong (often a full disk): record what can be
    // recorded and never throw, so the caller can still report the first problem. The
    // reserve goes first, so that the message fits on a full disk.
    std::error_code ec;
    fs::remove(fs::path(m_dir) / kReserveFile, ec);
    try {
        std::lock_guard<std::mutex> lock(m_infoMutex);
        m_info["status"] = runStatusName(RunStatus::Failed);
        m_info["message"] = message;
        m_info["end_time"] = isoNow();
        writeInfo();
    } catch (const std::exception&) {
        // run.json keeps its last complete version (it is replaced atomically).
    }
    try {
        flush();
    } catch (const std::exception&) {
        // The rows already on disk stay; a row cut short at the end is skipped on reading.
    }
}

} // namespace alig::core
