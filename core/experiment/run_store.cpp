#include "core/experiment/run_store.h"

#include "core/experiment/experiment_config.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/paths.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace alig::core {

namespace {

const char* kMetricsHeader =
    "step,epoch,loss,accuracy,step_size,unclipped_step_size,clipped,grad_norm,max_lr,"
    "effective_step,elapsed_s";
const char* kEpochsHeader =
    "epoch,step,train_loss,train_accuracy,test_loss,test_accuracy,elapsed_s,epoch_s,"
    "interpolation";
// Runs recorded before the interpolation meter: read as they are, with the meter NaN.
const char* kEpochsHeaderV1 =
    "epoch,step,train_loss,train_accuracy,test_loss,test_accuracy,elapsed_s,epoch_s";

std::string firstLine(const fs::path& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

std::string timestamp(const char* format) {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    std::ostringstream s;
    s << std::put_time(&tm, format);
    return s.str();
}

std::vector<std::vector<double>> readCsv(const fs::path& path, const std::string& header) {
    std::ifstream in(path);
    if (!in) throw Error(path.string() + ": cannot open");
    std::string line;
    if (!std::getline(in, line) || line != header)
        throw Error(path.string() + ": unexpected header (expected \"" + header + "\")");
    const size_t columns = std::count(header.begin(), header.end(), ',') + 1;
    std::vector<std::vector<double>> rows;
    size_t number = 1;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty()) continue;
        std::vector<double> row;
        std::stringstream fields(line);
        std::string field;
        bool ok = true;
        while (std::getline(fields, field, ',')) {
            char* end = nullptr;
            row.push_back(std::strtod(field.c_str(), &end));
            ok = ok && end != field.c_str() && *end == '\0';
        }
        if (!ok || row.size() != columns) {
            if (in.peek() == std::char_traits<char>::eof())
                break; // the last row, cut short by a crash mid-write
            throw Error(path.string() + ":" + std::to_string(number) + ": malformed row");
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

// Keeps the header and the rows whose first column is <= limit (resume drops the rest).
void truncateCsv(const fs::path& path, const std::string& header, double limit) {
    std::ostringstream kept;
    kept << header << '\n';
    if (fs::exists(path)) {
        std::ifstream in(path);
        std::string line;
        std::getline(in, line);
        // A file written before columns were added at the end: its rows get them as nan.
        const bool older = line != header && header.compare(0, line.size() + 1, line + ",") == 0;
        const size_t missing =
            older ? std::count(header.begin() + line.size(), header.end(), ',') : 0;
        while (std::getline(in, line)) {
            if (line.empty()) continue;
            char* end = nullptr;
            const double key = std::strtod(line.c_str(), &end);
            const size_t commas = std::count(line.begin(), line.end(), ',') + missing;
            if (end != line.c_str() && key <= limit &&
                commas == size_t(std::count(header.begin(), header.end(), ','))) {
                kept << line;
                for (size_t i = 0; i < missing; ++i)
                    kept << ",nan";
                kept << '\n';
            }
        }
    }
    writeFileAtomically(path.string(), kept.str());
}

std::FILE* openAppend(const fs::path& path, const char* header) {
    const bool fresh = !fs::exists(path);
    std::FILE* f = std::fopen(path.c_str(), "a");
    if (!f) throw Error(path.string() + ": cannot open for writing (" + std::strerror(errno) + ")");
    if (fresh) std::fprintf(f, "%s\n", header);
    return f;
}

json epochJson(const EpochMetrics& e) {
    return {
        {"epoch", e.epoch},
        {"step", e.step},
        {"train_loss", e.trainLoss},
        {"train_accuracy", e.trainAccuracy},
        {"test_loss", e.testLoss},
        {"test_accuracy", e.testAccuracy},
        {"elapsed_s", e.elapsed},
        {"epoch_s", e.epochSeconds},
        {"interpolation", std::isfinite(e.interpolation) ? json(e.interpolation) : json(nullptr)}};
}

// JSON has no NaN: store non-finite numbers as null.
json finite(double v) {
    return std::isfinite(v) ? json(v) : json(nullptr);
}

} // namespace

std::string isoNow() {
    return timestamp("%Y-%m-%dT%H:%M:%S%z");
}

std::string createRunDir(const ExperimentConfig& config, const std::string& dir,
                         const std::string& parentDir) {
    fs::path path;
    std::error_code ec;
    if (!dir.empty()) {
        path = dir;
        if (fs::exists(path / "run.json", ec))
            throw Error(path.string() + ": already holds a run (use --resume to continue it, "
                                        "or choose another folder)");
    } else {
        const fs::path parent = parentDir.empty() ? defaultRunsDir() : parentDir;
        const std::string base = timestamp("%Y%m%d-%H%M%S") + "-" + safeFolderName(config.name);
        path = parent / base;
        for (int i = 2; fs::exists(path, ec); ++i)
            path = parent / (base + "-" + std::to_string(i));
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
    for (const auto& r : readCsv(base / "metrics.csv", kMetricsHeader)) {
        StepMetrics m;
        m.step = static_cast<int64_t>(r[0]);
        m.epoch = static_cast<int64_t>(r[1]);
        m.loss = r[2];
        m.accuracy = r[3];
        m.stepSize = r[4];
        m.unclippedStepSize = r[5];
        m.clipped = r[6] != 0.0;
        m.gradNorm = r[7];
        m.maxLr = r[8];
        m.effectiveStep = r[9];
        m.elapsed = r[10];
        record.steps.push_back(m);
    }
    const fs::path epochsPath = base / "epochs.csv";
    const bool v1 = firstLine(epochsPath) == kEpochsHeaderV1;
    for (const auto& r : readCsv(epochsPath, v1 ? kEpochsHeaderV1 : kEpochsHeader)) {
        EpochMetrics e;
        e.epoch = static_cast<int64_t>(r[0]);
        e.step = static_cast<int64_t>(r[1]);
        e.trainLoss = r[2];
        e.trainAccuracy = r[3];
        e.testLoss = r[4];
        e.testAccuracy = r[5];
        e.elapsed = r[6];
        e.epochSeconds = r[7];
        if (!v1) e.interpolation = r[8];
        record.epochs.push_back(e);
    }
    return record;
}

RunRecorder::RunRecorder(std::string dir, json info, double flushSeconds, int64_t resumeStep,
                         int64_t resumeEpoch)
    : m_dir(std::move(dir))
    , m_info(std::move(info))
    , m_flushSeconds(flushSeconds) {
    const fs::path base(m_dir);
    if (resumeStep >= 0) {
        truncateCsv(base / "metrics.csv", kMetricsHeader, static_cast<double>(resumeStep));
        truncateCsv(base / "epochs.csv", kEpochsHeader, static_cast<double>(resumeEpoch));
    }
    m_metrics = openAppend(base / "metrics.csv", kMetricsHeader);
    m_epochs = openAppend(base / "epochs.csv", kEpochsHeader);
    m_info["status"] = runStatusName(RunStatus::Running);
    writeInfo();
    flush();
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
        throw Error(m_dir + "/metrics.csv: cannot write (" + std::strerror(errno) + ")");
    if (std::fflush(m_epochs) != 0)
        throw Error(m_dir + "/epochs.csv: cannot write (" + std::strerror(errno) + ")");
    m_lastFlush = std::chrono::steady_clock::now();
}

void RunRecorder::onRunStart(const RunStartInfo& info) {
    m_info["device"] = info.device;
    m_info["steps_per_epoch"] = info.stepsPerEpoch;
    writeInfo();
}

void RunRecorder::onSteps(const std::vector<StepMetrics>& steps) {
    for (const auto& m : steps)
        std::fprintf(m_metrics, "%lld,%lld,%.17g,%.17g,%.17g,%.17g,%d,%.17g,%.17g,%.17g,%.6f\n",
                     static_cast<long long>(m.step), static_cast<long long>(m.epoch), m.loss,
                     m.accuracy, m.stepSize, m.unclippedStepSize, m.clipped ? 1 : 0, m.gradNorm,
                     m.maxLr, m.effectiveStep, m.elapsed);
    if (ferror(m_metrics))
        throw Error(m_dir + "/metrics.csv: cannot write (" + std::strerror(errno) + ")");
    // A crash loses at most flushSeconds of rows.
    const double since =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_lastFlush).count();
    if (since >= m_flushSeconds) flush();
}

void RunRecorder::onEpoch(const EpochMetrics& e) {
    std::fprintf(m_epochs, "%lld,%lld,%.17g,%.17g,%.17g,%.17g,%.6f,%.6f,%.17g\n",
                 static_cast<long long>(e.epoch), static_cast<long long>(e.step), e.trainLoss,
                 e.trainAccuracy, e.testLoss, e.testAccuracy, e.elapsed, e.epochSeconds,
                 e.interpolation);
    flush();
    m_info["progress"] = {{"epochs_completed", e.epoch}, {"steps", e.step}};
    m_info["final_metrics"] = epochJson(e);
    const double best = m_info.value("best_test_accuracy", 0.0);
    m_info["best_test_accuracy"] = std::max(best, e.testAccuracy);
    writeInfo();
}

void RunRecorder::onCheckpoint(const CheckpointInfo& c) {
    m_info["checkpoint"] = {{"path", kCheckpointFile}, {"epoch", c.epoch}, {"step", c.step}};
    writeInfo();
}

void RunRecorder::onRunEnd(const RunResult& r) {
    flush();
    m_info["status"] = runStatusName(r.status);
    m_info["message"] = r.message;
    m_info["end_time"] = isoNow();
    m_info["elapsed_s"] = finite(r.elapsed);
    m_info["progress"] = {{"epochs_completed", r.epochsCompleted}, {"steps", r.steps}};
    writeInfo();
}

void RunRecorder::fail(const std::string& message) noexcept {
    // Called when something already went wrong (often a full disk): record what can be
    // recorded and never throw, so the caller can still report the first problem.
    try {
        flush();
    } catch (const std::exception&) {
        // Keep going: the message below matters more than the last rows.
    }
    try {
        m_info["status"] = runStatusName(RunStatus::Failed);
        m_info["message"] = message;
        m_info["end_time"] = isoNow();
        writeInfo();
    } catch (const std::exception&) {
        // run.json keeps its last complete version (it is replaced atomically).
    }
}

} // namespace alig::core
