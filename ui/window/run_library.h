#pragma once
// The run store as the window sees it: past runs read back from their folders, and
// renaming or deleting them on disk.

#include "core/train/metrics.h"

#include <nlohmann/json_fwd.hpp>

#include <QString>
#include <QStringList>

#include <optional>

namespace alig::ui {

class Run;
class RunRegistry;

// A new Run (not added anywhere, no rows yet) for a run folder's run.json: its name, config
// and steps per epoch. A config that is not one of our experiments (a user's own loop
// logged through the Python module) keeps the default experiment's, and the run's summary
// names the program that wrote it.
Run* runFromInfo(const QString& id, const QString& dir, const nlohmann::json& info,
                 RunRegistry& registry);
// run.json's "status" when the run has ended; nullopt while it trains ("running" or
// "paused"). Text this build does not know reads as failed.
std::optional<core::RunStatus> endedStatus(const nlohmann::json& info);

// Reads one run folder into a Run (not added anywhere). Throws core::Error when the
// folder is not a readable run.
Run* loadRun(const QString& dir, RunRegistry& registry);

// Adds the newest `limit` runs of `runsDir` that the registry does not hold yet, hidden
// (their checkbox off), the runs of batch folders (compare, sweep: a batch.json and a run
// folder per run) among them. Unreadable folders are skipped and named in the returned list;
// `batches` receives the batch folders, oldest first.
QStringList loadRunStore(const QString& runsDir, RunRegistry& registry, int limit = 50,
                         QStringList* batches = nullptr);

// Writes the new display name into the run's run.json ("name", and "renamed": true). For a
// run that has ended: a training run's recorder owns run.json (RunController::rename). A
// watched run's folder is not the window's to write, so its new name stays in the window.
void renameRunOnDisk(const Run& run, const QString& name);
// Removes the run's folder. Refuses runs that are training and watched runs.
void deleteRunFromDisk(const Run& run);

} // namespace alig::ui
