#pragma once
// The tuneability plot: final test accuracy (mean, and the spread over seeds as error bars)
// against a swept setting on a log axis, one curve per optimizer. Drawn from sweep.csv
// (core::writeSweepCsv) for `alig-train sweep` and the window.

#include "ui/plots/qcustomplot_include.h"

#include <QString>

namespace alig::ui {

class SweepPlot : public QCustomPlot {
    Q_OBJECT

public:
    explicit SweepPlot(QWidget* parent = nullptr);
    // Reads sweep.csv and (re)draws; false with *error set when the file is unreadable.
    bool loadCsv(const QString& path, QString* error = nullptr);
    int curveCount() const { return graphCount(); }
};

// Writes <base>.png and <base>.pdf from sweep.csv; false with *error set on failure.
bool renderSweepPlot(const QString& csvPath, const QString& base, QString* error = nullptr);

} // namespace alig::ui
