#include "ui/window/metrics_export.h"

#include "core/util/error.h"
#include "ui/run/run.h"

#include <QFile>
#include <QTextStream>

namespace alig::ui {

namespace {

// A run name in a CSV field: quoted, inner quotes doubled (RFC 4180).
QString quoted(const QString& s) {
    QString q = s;
    q.replace('"', "\"\"");
    return '"' + q + '"';
}

QString number(double v) {
    return QString::number(v, 'g', 17);
}

void openOrThrow(QFile& file) {
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text))
        throw core::Error(file.fileName().toStdString() + ": cannot write (" +
                          file.errorString().toStdString() + ")");
}

} // namespace

void exportMetricsCsv(const QList<const Run*>& runs, const QString& path,
                      const QString& epochsPath) {
    QFile file(path);
    openOrThrow(file);
    QTextStream out(&file);
    out << "run,step,epoch,loss,accuracy,step_size,unclipped_step_size,clipped,grad_norm,max_lr,"
           "effective_step,elapsed_s\n";
    for (const Run* run : runs) {
        const QString name = quoted(run->name());
        for (const auto& m : run->steps())
            out << name << ',' << m.step << ',' << m.epoch << ',' << number(m.loss) << ','
                << number(m.accuracy) << ',' << number(m.stepSize) << ','
                << number(m.unclippedStepSize) << ',' << (m.clipped ? 1 : 0) << ','
                << number(m.gradNorm) << ',' << number(m.maxLr) << ',' << number(m.effectiveStep)
                << ',' << number(m.elapsed) << '\n';
    }
    out.flush();
    if (file.error() != QFile::NoError)
        throw core::Error(path.toStdString() + ": cannot write (" +
                          file.errorString().toStdString() + ")");
    if (epochsPath.isEmpty()) return;
    QFile epochsFile(epochsPath);
    openOrThrow(epochsFile);
    QTextStream eout(&epochsFile);
    eout << "run,epoch,step,train_loss,train_accuracy,test_loss,test_accuracy,elapsed_s,"
            "interpolation\n";
    for (const Run* run : runs)
        for (const auto& e : run->epochs())
            eout << quoted(run->name()) << ',' << e.epoch << ',' << e.step << ','
                 << number(e.trainLoss) << ',' << number(e.trainAccuracy) << ','
                 << number(e.testLoss) << ',' << number(e.testAccuracy) << ',' << number(e.elapsed)
                 << ',' << number(e.interpolation) << '\n';
}

} // namespace alig::ui
