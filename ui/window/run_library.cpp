#include "ui/window/run_library.h"

#include "core/experiment/experiment_config.h"
#include "core/experiment/run_store.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "ui/run/run.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFileInfo>

#include <filesystem>
#include <fstream>

namespace alig::ui {

Run* runFromInfo(const QString& id, const QString& dir, const nlohmann::json& info,
                 RunRegistry& registry) {
    // Our programs record one of our experiments; any other program (a user's loop through
    // the Python module) records its own config.
    const auto program = info.value("program", nlohmann::json::object());
    const std::string writer =
        program.is_object() && program.contains("name") && program["name"].is_string()
            ? program["name"].get<std::string>()
            : std::string();
    const bool ours = writer.empty() || writer == "alig-train" || writer == "alig-studio";
    core::ExperimentConfig config;
    QString summary;
    try {
        config = core::ExperimentConfig::fromJson(info.at("config"));
    } catch (const core::Error&) {
        if (ours) throw;
    } catch (const nlohmann::json::exception&) {
        if (ours) throw core::Error(dir.toStdString() + "/run.json: has no valid config");
    }
    if (!ours) {
        summary = QString::fromStdString(writer);
        const auto theirs = info.value("config", nlohmann::json::object());
        if (theirs.is_object() && theirs.contains("optimizer") && theirs["optimizer"].is_string())
            summary += ": " + QString::fromStdString(theirs["optimizer"].get<std::string>());
        const auto epochs = info.value("epochs", nlohmann::json());
        if (epochs.is_number_integer() && epochs.get<int64_t>() > 0)
            config.training.epochs = epochs.get<int64_t>();
    }
    const QString name = QString::fromStdString(info.value("name", config.name));
    auto* run = new Run(id, name, registry.nextColor(), config);
    run->setRenamed(info.value("renamed", false));
    run->setRunDir(dir);
    run->setSummary(summary);
    const auto steps = info.value("steps_per_epoch", nlohmann::json());
    if (steps.is_number_integer()) run->setStepsPerEpoch(steps.get<int64_t>());
    return run;
}

std::optional<core::RunStatus> endedStatus(const nlohmann::json& info) {
    const auto status = info.value("status", nlohmann::json());
    const std::string text = status.is_string() ? status.get<std::string>() : "failed";
    if (text == core::kPausedStatus) return std::nullopt;
    try {
        const core::RunStatus s = core::runStatusFromName(text);
        if (s == core::RunStatus::Running) return std::nullopt;
        return s;
    } catch (const core::Error&) {
        return core::RunStatus::Failed;
    }
}

Run* loadRun(const QString& dir, RunRegistry& registry) {
    const core::RunRecord record = core::readRun(dir.toStdString());
    Run* run = runFromInfo(QString::fromStdString(core::runIdOf(record.info, dir.toStdString())),
                           dir, record.info, registry);
    run->appendSteps(record.steps);
    run->appendEpochs(record.epochs);
    // A run that says "running" but is not ours was cut off (a crash, a kill).
    run->setStatus(endedStatus(record.info).value_or(core::RunStatus::Stopped),
                   QString::fromStdString(record.info.value("message", std::string())));
    return run;
}

namespace {

// One run folder into the registry, hidden, unless the registry holds it already.
void addStoredRun(const QString& path, RunRegistry& registry, QStringList& problems) {
    // The window's own runs are in the registry already, by folder (and by id).
    if (registry.findByDir(path) || !QFileInfo::exists(path + "/run.json")) return;
    try {
        Run* run = loadRun(path, registry);
        if (registry.find(run->id())) {
            delete run;
            return;
        }
        run->setVisible(false);
        registry.add(run);
    } catch (const std::exception& e) {
        problems << QString::fromStdString(e.what());
    }
}

} // namespace

QStringList loadRunStore(const QString& runsDir, RunRegistry& registry, int limit,
                         QStringList* batches) {
    QStringList problems;
    QDir dir(runsDir);
    if (!dir.exists()) return problems;
    // Folder names start with the date and time: newest last after sorting by name.
    QStringList names = dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    if (names.size() > limit) names = names.mid(names.size() - limit);
    for (const QString& name : names) {
        const QString path = dir.filePath(name);
        if (QFileInfo::exists(path + "/batch.json")) {
            // A comparison or sweep: its runs are one level down.
            if (batches) *batches << path;
            const QDir batch(path);
            for (const QString& run :
                 batch.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
                addStoredRun(batch.filePath(run), registry, problems);
            continue;
        }
        addStoredRun(path, registry, problems);
    }
    return problems;
}

void renameRunOnDisk(const Run& run, const QString& name) {
    if (run.runDir().isEmpty() || run.isWatched()) return;
    const std::string path = run.runDir().toStdString() + "/run.json";
    nlohmann::json info = core::readJsonObjectFile(path);
    info["name"] = name.toStdString();
    info["renamed"] = true;
    core::writeFileAtomically(path, info.dump(2) + '\n');
}

void deleteRunFromDisk(const Run& run) {
    if (run.isLive())
        throw core::Error("\"" + run.name().toStdString() + "\" is training: stop it first");
    if (run.isWatched())
        throw core::Error(run.runDir().toStdString() +
                          ": a watched run's folder belongs to the program that writes it; "
                          "stop watching it instead");
    if (run.runDir().isEmpty()) return;
    // Only ever a run folder: it must hold run.json.
    if (!QFileInfo::exists(run.runDir() + "/run.json"))
        throw core::Error(run.runDir().toStdString() + ": not a run folder");
    std::error_code ec;
    std::filesystem::remove_all(run.runDir().toStdString(), ec);
    if (ec)
        throw core::Error(run.runDir().toStdString() + ": cannot delete (" + ec.message() + ")");
}

} // namespace alig::ui
