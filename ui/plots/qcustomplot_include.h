#pragma once
// QCustomPlot's header, for code built with QT_NO_KEYWORDS (all of ui/, see ui/CMakeLists.txt).
// qcustomplot.h declares its signals and slots with Qt's keyword macros (`signals`, `slots`,
// `foreach`), which QT_NO_KEYWORDS leaves undefined; they are defined to the Q_ forms for this
// one header and removed again, so that LibTorch's `slots` identifiers never meet a macro.
// Include this instead of <qcustomplot.h>.

#include <QtGlobal>

#if defined(QT_NO_KEYWORDS) && !defined(signals)
#define ALIG_QCP_KEYWORDS
#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#endif

#include <qcustomplot.h>

#ifdef ALIG_QCP_KEYWORDS
#undef signals
#undef slots
#undef emit
#undef foreach
#undef ALIG_QCP_KEYWORDS
#endif
