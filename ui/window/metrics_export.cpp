#include "ui/window/metrics_export.h"

#include "core/experiment/run_schema.h"
#include "core/util/atomic_file.h"
#include "ui/run/run.h"

#include <string>

namespace alig::ui {

namespace {

// A run name in a CSV field: quoted, inner quotes doubled (RFC 4180).
std::string quoted(const QString& s) {
    QString q = s;
    q.replace('"', "\"\"");
    return ('"' + q + '"').toStdString();
}

} // namespace

void exportMetricsCsv(const QList<const Run*>& runs, const QString& path,
                      const QString& epochsPath) {
    // The run store's columns (core/experiment/run_schema.h) after the run's id (unique:
    // two runs of one name stay apart) and name.
    std::string steps = "run_id,run," + core::csvHeader(core::stepColumns()) + '\n';
    for (const Run* run : runs) {
        const std::string name = quoted(run->id()) + ',' + quoted(run->name());
        for (const auto& m : run->steps())
            steps += name + ',' + core::csvFields(core::stepColumns(), m) + '\n';
    }
    core::writeFileAtomically(path.toStdString(), steps);
    if (epochsPath.isEmpty()) return;
    std::string epochs = "run_id,run," + core::csvHeader(core::epochColumns()) + '\n';
    for (const Run* run : runs) {
        const std::string name = quoted(run->id()) + ',' + quoted(run->name());
        for (const auto& e : run->epochs())
            epochs += name + ',' + core::csvFields(core::epochColumns(), e) + '\n';
    }
    core::writeFileAtomically(epochsPath.toStdString(), epochs);
}

} // namespace alig::ui
