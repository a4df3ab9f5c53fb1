#include "ui/run/run_swatch.h"

#include <QColor>
#include <QPainter>
#include <QPixmap>

namespace alig::ui {

QIcon runSwatch(const QColor& color) {
    QPixmap pixmap(14, 14);
    pixmap.fill(Qt::transparent);
    if (!color.isValid()) return QIcon(pixmap); // keeps the rows' text aligned
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.setBrush(color);
    p.setPen(color.darker(130));
    p.drawRoundedRect(QRectF(1, 1, 12, 12), 3, 3);
    return QIcon(pixmap);
}

} // namespace alig::ui
