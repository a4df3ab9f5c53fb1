#pragma once
// A run's colour as a small rounded square, for the rows of the Runs table and the batch
// panel's tables: the same mark wherever a row stands for a run.

#include <QIcon>

class QColor;

namespace alig::ui {

QIcon runSwatch(const QColor& color);

} // namespace alig::ui
