#pragma once
// The run store as the window sees it: past runs read back from their folders, and
// renaming or deleting them on disk.

#include <QString>
#include <QStringList>

namespace alig::ui {

class Run;
class RunRegistry;

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
// run that has ended: a training run's recorder owns run.json (RunController::rename).
void renameRunOnDisk(const Run& run, const QString& name);
// Removes the run's folder. Refuses runs that are training.
void deleteRunFromDisk(const Run& run);

} // namespace alig::ui
