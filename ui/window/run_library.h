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
// (their checkbox off). Unreadable folders are skipped and named in the returned list.
QStringList loadRunStore(const QString& runsDir, RunRegistry& registry, int limit = 50);

// Writes the new display name into the run's run.json ("name").
void renameRunOnDisk(const Run& run, const QString& name);
// Removes the run's folder. Refuses runs that are training.
void deleteRunFromDisk(const Run& run);

} // namespace alig::ui
