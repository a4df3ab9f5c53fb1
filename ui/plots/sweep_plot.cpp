#include "ui/plots/sweep_plot.h"

#include "ui/plots/presentation.h"
#include "ui/run/run.h"

#include <QFile>
#include <QFontMetrics>
#include <QMap>
#include <QTextStream>

#include <cmath>

namespace alig::ui {

namespace {

struct Point {
    double value, mean, sd;
    int runs;
};

// A CSV line of core::writeSweepCsv: the group may be quoted, the rest are plain numbers.
QStringList splitCsvLine(const QString& line) {
    QStringList fields;
    QString field;
    bool quoted = false;
    for (int i = 0; i < line.size(); ++i) {
        const QChar c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields << field;
            field.clear();
        } else {
            field += c;
        }
    }
    fields << field;
    return fields;
}

} // namespace

SweepPlot::SweepPlot(QWidget* parent)
    : QCustomPlot(parent) {
    QFont titleFont = font();
    titleFont.setBold(true);
    plotLayout()->insertRow(0);
    plotLayout()->addElement(
        0, 0,
        new QCPTextElement(this, tr("Final test accuracy (mean ± sd over seeds)"), titleFont));
    xAxis->setScaleType(QCPAxis::stLogarithmic);
    yAxis->setLabel(tr("test accuracy (%)"));
    // The legend goes below the plot: a sweep's points can be anywhere inside it.
    legend->setVisible(true);
    placeLegendInRow(this, 2);
    setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    // A short dock (a 1280x720 screen, many runs): fewer y ticks, a short label, the legend
    // on more rows where it is narrow.
    connect(this, &QCustomPlot::beforeReplot, this, [this] {
        const int height = axisRect()->height();
        yAxis->ticker()->setTickCount(
            fittingTickCount(height, 3 * QFontMetrics(yAxis->tickLabelFont()).height()));
        fitAxisLabel(yAxis, tr("test accuracy (%)"), tr("%"), height);
        wrapLegend(legend, width());
    });
}

bool SweepPlot::loadCsv(const QString& path, QString* error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        if (error) *error = path + ": " + file.errorString();
        return false;
    }
    QTextStream in(&file);
    const QStringList header = splitCsvLine(in.readLine());
    if (header.value(0) != "group" || header.size() < 6) {
        if (error) *error = path + ": not a sweep.csv (expected the header group,param,value,...)";
        return false;
    }
    QStringList order;
    QMap<QString, QVector<Point>> groups;
    QString param;
    while (!in.atEnd()) {
        const QStringList f = splitCsvLine(in.readLine());
        if (f.size() < 6) continue;
        bool ok = false;
        const double value = f[2].toDouble(&ok);
        if (!ok) continue;
        param = f[1];
        if (!groups.contains(f[0])) order << f[0];
        // An empty mean: no seed completed at this value (all diverged or failed).
        bool hasMean = false;
        const double mean = f[3].toDouble(&hasMean);
        groups[f[0]].append(
            {value, hasMean ? mean * 100.0 : std::nan(""), f[4].toDouble() * 100.0, f[5].toInt()});
    }
    clearGraphs();
    clearPlottables();
    xAxis->setLabel(param.isEmpty() ? tr("swept value") : param + tr(" (log scale)"));
    // Ticks at the swept values themselves: a log ticker over less than a decade crowds
    // its labels, and these are the numbers a reader looks for.
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    QSet<double> seen;
    for (const auto& points : groups)
        for (const Point& p : points)
            if (!seen.contains(p.value)) {
                seen.insert(p.value);
                ticker->addTick(p.value, QString::number(p.value, 'g', 3));
            }
    xAxis->setTicker(ticker);
    const auto& palette = RunRegistry::palette();
    int index = 0;
    for (const QString& name : order) {
        const QColor color = palette[index++ % palette.size()];
        QCPGraph* graph = addGraph();
        graph->setName(name);
        graph->setPen(QPen(color, 2));
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, Qt::white, 7));
        auto* bars = new QCPErrorBars(xAxis, yAxis);
        bars->removeFromLegend();
        bars->setPen(QPen(color, 1.2));
        QVector<double> x, y, e;
        for (const Point& p : groups[name]) {
            if (std::isnan(p.mean)) continue; // no completed run at this value
            x << p.value;
            y << p.mean;
            e << (std::isnan(p.sd) ? 0.0 : p.sd);
        }
        graph->setData(x, y, true);
        bars->setDataPlottable(graph);
        bars->setData(e);
    }
    rescaleAxes();
    // Room around the points: a factor on the log axis, a few points of accuracy on y.
    xAxis->setRange(xAxis->range().lower / 1.5, xAxis->range().upper * 1.5);
    yAxis->setRange(std::max(0.0, yAxis->range().lower - 5),
                    std::min(100.0, yAxis->range().upper + 3));
    replot();
    return true;
}

bool renderSweepPlot(const QString& csvPath, const QString& base, QString* error) {
    SweepPlot plot;
    plot.resize(900, 560);
    if (!plot.loadCsv(csvPath, error)) return false;
    if (!plot.savePng(base + ".png", 900, 560, 2.0) || !plot.savePdf(base + ".pdf", 900, 560)) {
        if (error) *error = base + ": cannot write the PNG or PDF";
        return false;
    }
    return true;
}

} // namespace alig::ui
