#pragma once
// One CSV with the per-step metrics of several runs and a run column, in the long format
// that pandas and spreadsheets read directly (pd.read_csv, then groupby("run")).

#include <QList>
#include <QString>

namespace alig::ui {

class Run;

// Columns: run, step, epoch, loss, accuracy, step_size, unclipped_step_size, clipped,
// grad_norm, max_lr, effective_step, elapsed_s. Epoch metrics go to a second file beside it when
// `epochsPath` is not empty. Throws core::Error naming the file it cannot write.
void exportMetricsCsv(const QList<const Run*>& runs, const QString& path,
                      const QString& epochsPath = {});

} // namespace alig::ui
