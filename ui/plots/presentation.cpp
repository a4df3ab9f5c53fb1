#include "ui/plots/presentation.h"

#include "ui/plots/qcustomplot_include.h"

#include <QFontMetrics>
#include <QScrollArea>

#include <algorithm>

namespace alig::ui {

void scalePlotFonts(bool on, QCPTextElement* title, std::initializer_list<QCPAxis*> axes,
                    QCPLegend* legend) {
    const double f = on ? kPresentationFontScale : 1.0 / kPresentationFontScale;
    auto grow = [f](QFont font) {
        font.setPointSizeF(font.pointSizeF() * f);
        return font;
    };
    if (title) title->setFont(grow(title->font()));
    for (QCPAxis* axis : axes) {
        axis->setLabelFont(grow(axis->labelFont()));
        axis->setTickLabelFont(grow(axis->tickLabelFont()));
    }
    if (legend) legend->setFont(grow(legend->font()));
}

void placeLegendInRow(QCustomPlot* plot, int row) {
    QCPLegend* legend = plot->legend;
    plot->axisRect()->insetLayout()->take(legend);
    plot->plotLayout()->insertRow(row);
    plot->plotLayout()->addElement(row, 0, legend);
    plot->plotLayout()->setRowStretchFactor(row, 0.001);
    legend->setFillOrder(QCPLegend::foColumnsFirst);
    legend->setBrush(Qt::NoBrush);
    legend->setBorderPen(Qt::NoPen);
}

int wrapLegend(QCPLegend* legend, int width) {
    const int room = width - legend->margins().left() - legend->margins().right();
    int columns = 0, used = 0;
    for (int i = 0; i < legend->itemCount(); ++i) {
        const QCPAbstractLegendItem* item = legend->item(i);
        if (!item) continue; // an empty cell of a wrapped grid
        used += item->minimumOuterSizeHint().width() + (columns > 0 ? legend->columnSpacing() : 0);
        if (columns > 0 && used > room) break;
        ++columns;
    }
    if (columns > 0 && columns != legend->wrap()) {
        legend->setWrap(columns);
        legend->setFillOrder(QCPLegend::foColumnsFirst, /*rearrange=*/true);
    }
    return legend->itemCount() > 0 ? legend->minimumOuterSizeHint().height() : 0;
}

void fitAxisLabel(QCPAxis* axis, const QString& full, const QString& brief, int length) {
    const QFontMetrics metrics(axis->labelFont());
    QString label = full;
    if (metrics.horizontalAdvance(label) > length)
        label = metrics.horizontalAdvance(brief) <= length ? brief : QString();
    if (label != axis->label()) axis->setLabel(label);
}

int fittingTickCount(int length, int span) {
    return std::clamp(length / std::max(1, span), 2, 5);
}

QScrollArea* controlsScrollArea(QWidget* controls) {
    auto* scroll = new QScrollArea;
    scroll->setWidget(controls);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setMinimumWidth(controls->sizeHint().width() + 16);
    return scroll;
}

} // namespace alig::ui
