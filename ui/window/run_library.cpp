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

Run* loadRun(const QString& dir, RunRegistry& registry) {
    const core::RunRecord record = core::readRun(dir.toStdString());
    core::ExperimentConfig config;
    try {
        config = core::ExperimentConfig::fromJson(record.info.at("config"));
    } catch (const nlohmann::json::exception&) {
        throw core::Error(dir.toStdString() + "/run.json: has no valid config");
    }
    const QString name = QString::fromStdString(record.info.value("name", config.name));
    auto* run = new Run(QString::fromStdString(core::runIdOf(record.info, dir.toStdString())), name,
                        registry.nextColor(), config);
    run->setRenamed(record.info.value("renamed", false));
    run->setRunDir(dir);
    run->setStepsPerEpoch(record.info.value("steps_per_epoch", int64_t{0}));
    run->appendSteps(record.steps);
    run->appendEpochs(record.epochs);
    core::RunStatus status = core::RunStatus::Failed;
    try {
        status = core::runStatusFromName(record.info.value("status", std::string("failed")));
    } catch (const core::Error&) {
    }
    // A run that says "running" but is not ours was cut off (a crash, a kill).
    if (status == core::RunStatus::Running) status = core::RunStatus::Stopped;
    run->setStatus(status, QString::fromStdString(record.info.value("message", std::string())));
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
    if (run.runDir().isEmpty()) return;
    const std::string path = run.runDir().toStdString() + "/run.json";
    nlohmann::json info = core::readJsonObjectFile(path);
    info["name"] = name.toStdString();
    info["renamed"] = true;
    core::writeFileAtomically(path, info.dump(2) + '\n');
}

void deleteRunFromDisk(const Run& run) {
    if (run.isLive())
        throw core::Error("\"" + run.name().toStdString() + "\" is training: stop it first");
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
