#pragma once
// Presentation mode (View > Presentation Mode) for any QCustomPlot: the font change that every
// plot makes the same way. Line widths and markers stay each plot's own business.

#include <initializer_list>

class QCPAxis;
class QCustomPlot;
class QCPLegend;
class QCPTextElement;
class QScrollArea;
class QWidget;

namespace alig::ui {

// How much presentation mode enlarges a plot's fonts.
constexpr double kPresentationFontScale = 1.5;
// How much it enlarges the text of every widget (the application font).
constexpr double kPresentationWidgetScale = 1.4;

// Grows (on) or shrinks back (off) the title's, the axes' label and tick label, and the
// legend's fonts by kPresentationFontScale. Null title or legend are skipped.
void scalePlotFonts(bool on, QCPTextElement* title, std::initializer_list<QCPAxis*> axes,
                    QCPLegend* legend);

// Moves the plot's legend from its inset over the axes into a row `row` of its own in the plot
// layout (inserted there), laid out in columns, without a frame: it never covers the data.
void placeLegendInRow(QCustomPlot* plot, int row);

// Lays out a legend that has a row of the plot's layout to itself (not an inset over the
// axes) in as many columns as `width` pixels hold, so that it wraps onto more rows rather than
// cutting its names short ("mini-bat"). Returns the height it then needs.
int wrapLegend(QCPLegend* legend, int width);

// The label that fits along an axis `length` pixels long: `full`, else `brief`, else none (the
// plot's title says what it shows). Sets it on the axis when it differs.
void fitAxisLabel(QCPAxis* axis, const QString& full, const QString& brief, int length);

// How many ticks an axis `length` pixels long has room for, `span` pixels per tick label
// with room between them: 2 to 5.
int fittingTickCount(int length, int span);

// A tab's column of controls in a vertical scroll area, so that its minimum height (larger in
// presentation mode) never grows the window beyond the screen.
QScrollArea* controlsScrollArea(QWidget* controls);

} // namespace alig::ui
