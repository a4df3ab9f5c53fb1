#include "ui/plots/presentation.h"

#include "ui/plots/qcustomplot_include.h"

#include <QScrollArea>

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
