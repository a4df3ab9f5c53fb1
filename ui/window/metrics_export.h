#pragma once
// One CSV with the per-step metrics of several runs and run_id and run columns, in the long
// format that pandas and spreadsheets read directly (pd.read_csv, then groupby("run_id")).

#include <QList>
#include <QString>

namespace alig::ui {

class Run;

// Columns: run_id (unique), run (the name), then those of the run folder's metrics.csv
// (core/experiment/run_schema.h). Epoch metrics (run_id, run, then the columns of epochs.csv) go to
// a second file when `epochsPath` is not empty. Each file is replaced atomically; throws
// core::Error naming the file it cannot write.
void exportMetricsCsv(const QList<const Run*>& runs, const QString& path,
                      const QString& epochsPath = {});

} // namespace alig::ui
