#include "ui/classroom/surface_view.h"

#include "core/optim/optimizer_catalogue.h"
#include "core/util/error.h"
#include "ui/config/number_spin_box.h"
#include "ui/plots/presentation.h"
#include "ui/run/run.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSaveFile>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QTextStream>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace alig::ui {

namespace {

constexpr int kGrid = 220; // cells per side of the heat map

QString num(double v, int digits = 4) {
    return std::isfinite(v) ? QString::number(v, 'g', digits) : QStringLiteral("—");
}

// Learning rates that show each method at its best without diverging on each surface:
// SGD's must respect the curvature (2/L), Adam's is a distance per step.
struct Defaults {
    double aligMaxLr, sgdLr, adamLr;
};

Defaults defaultsFor(const std::string& name) {
    if (name == "quadratic") return {1.0, 0.09, 0.1};
    if (name == "rosenbrock") return {0.01, 0.001, 0.05};
    if (name == "beale") return {0.1, 0.01, 0.05};
    if (name == "himmelblau") return {0.05, 0.01, 0.1};
    if (name == "rastrigin") return {0.1, 0.002, 0.1};
    return {1.0, 0.1, 0.05}; // the stochastic problems
}

} // namespace

struct SurfaceView::Path {
    QString key;
    QString label;
    core::OptimizerConfig config;
    // Its step size on each surface: one of the Defaults, times a factor.
    double Defaults::*defaultRate = &Defaults::aligMaxLr;
    double rateFactor = 1.0;
    QComboBox* method = nullptr; // the "other" path: the method chosen here
    QColor color;
    QCheckBox* enabled = nullptr;
    NumberSpinBox* rate = nullptr;
    QCPCurve* curve = nullptr;
    QCPGraph* end = nullptr; // the newest point, a larger marker
    bool dashed = false;     // it lies on an earlier path: drawn dashed over it
    std::unique_ptr<core::Trajectory> trajectory;
};

SurfaceView::SurfaceView(QWidget* parent)
    : QWidget(parent) {
    setObjectName("SurfaceView");

    // Left: the problem, the optimizers and the playback controls.
    auto* controls = new QWidget;
    auto* left = new QVBoxLayout(controls);
    left->setContentsMargins(0, 0, 0, 0);
    auto* problemBox = new QGroupBox(tr("Problem"));
    auto* problemLayout = new QVBoxLayout(problemBox);
    m_surfaceCombo = new QComboBox;
    for (const auto& name : core::surfaceNames())
        m_surfaceCombo->addItem(QString::fromStdString(core::Surface::make(name)->title()),
                                QString::fromStdString(name));
    problemLayout->addWidget(m_surfaceCombo);
    m_description = new QLabel;
    m_description->setWordWrap(true);
    problemLayout->addWidget(m_description);
    auto* hint = new QLabel(tr("<i>Click the surface to start the paths there.</i>"));
    hint->setWordWrap(true);
    problemLayout->addWidget(hint);
    left->addWidget(problemBox);

    auto* optBox = new QGroupBox(tr("Optimizers"));
    auto* optGrid = new QGridLayout(optBox);
    optGrid->addWidget(new QLabel(tr("<b>method</b>")), 0, 0);
    optGrid->addWidget(new QLabel(tr("<b>max_lr / lr</b>")), 0, 1);
    const auto& palette = RunRegistry::palette();
    auto addPath = [&](const QString& key, const QString& label, core::OptimizerConfig c,
                       double Defaults::*rate, bool shown, double factor = 1.0) {
        auto p = std::make_unique<Path>();
        p->key = key;
        p->label = label;
        p->config = std::move(c);
        p->defaultRate = rate;
        p->rateFactor = factor;
        p->color = palette.at(static_cast<int>(m_paths.size()) % palette.size());
        p->enabled = new QCheckBox(label);
        p->enabled->setChecked(shown);
        // Its colour and weight, but not a size of its own: presentation mode's application
        // font reaches it (a style sheet would freeze it).
        QPalette pal = p->enabled->palette();
        pal.setColor(QPalette::WindowText, p->color.darker(115));
        pal.setColor(QPalette::ButtonText, p->color.darker(115));
        p->enabled->setPalette(pal);
        QFont bold;
        bold.setBold(true);
        p->enabled->setFont(bold);
        p->rate = new NumberSpinBox;
        p->rate->setRange(1e-6, 100.0);
        p->rate->setDecimals(6);
        p->rate->setLogarithmicSteps(true);
        const int row = static_cast<int>(m_paths.size()) + 1;
        optGrid->addWidget(p->enabled, row, 0);
        optGrid->addWidget(p->rate, row, 1);
        connect(p->enabled, &QCheckBox::toggled, this, [this] { resetPaths(); });
        connect(p->rate, &QDoubleSpinBox::valueChanged, this, [this] { resetPaths(); });
        m_paths.push_back(std::move(p));
    };
    core::OptimizerConfig alig;
    alig.name = "alig";
    alig.momentum = 0.0;
    addPath("alig", tr("ALI-G"), alig, &Defaults::aligMaxLr, true);
    alig.momentum = 0.9;
    // Heavy momentum needs a tenth of the plain rate to stay stable.
    addPath("alig-momentum", tr("ALI-G, momentum 0.9"), alig, &Defaults::aligMaxLr, false, 0.1);
    core::OptimizerConfig sgd;
    sgd.name = "sgd";
    sgd.momentum = 0.0;
    addPath("sgd", tr("SGD"), sgd, &Defaults::sgdLr, true);
    sgd.momentum = 0.9;
    addPath("sgd-momentum", tr("SGD, momentum 0.9"), sgd, &Defaults::sgdLr, false, 0.1);
    core::OptimizerConfig adam;
    adam.name = "adam";
    addPath("adam", tr("Adam"), adam, &Defaults::adamLr, true);
    // One more path of any method of the catalogue (Prodigy, DoG, MoMo, ...), at its demo step.
    core::OptimizerConfig other;
    other.name = "prodigy";
    addPath("other", tr("Other:"), other, &Defaults::aligMaxLr, false);
    {
        Path& p = *m_paths.back();
        m_otherMethod = new QComboBox;
        m_otherMethod->setObjectName("SurfaceOtherMethod");
        m_otherMethod->setToolTip(tr("A method of your choice, beside the fixed ones"));
        for (const auto& e : core::optimizerCatalogue())
            m_otherMethod->addItem(QString::fromStdString(e.shortLabel),
                                   QString::fromStdString(e.name));
        m_otherMethod->setCurrentIndex(m_otherMethod->findData(QStringLiteral("prodigy")));
        const int row = static_cast<int>(m_paths.size());
        optGrid->addWidget(m_otherMethod, row + 1, 0, 1, 2);
        p.method = m_otherMethod;
        connect(m_otherMethod, &QComboBox::currentIndexChanged, this, [this] {
            applyOtherMethod();
            resetPaths();
        });
    }
    left->addWidget(optBox);

    auto* playBox = new QGroupBox(tr("Steps"));
    auto* playForm = new QFormLayout(playBox);
    m_stepSpin = new QSpinBox;
    m_stepSpin->setRange(1, 5000);
    m_stepSpin->setValue(m_steps);
    playForm->addRow(tr("Steps per path"), m_stepSpin);
    m_seedSpin = new QSpinBox;
    m_seedSpin->setRange(0, 1'000'000);
    m_seedSpin->setToolTip(tr("Stochastic problems: which sample loss each step draws"));
    playForm->addRow(tr("Sample seed"), m_seedSpin);
    auto* buttons = new QHBoxLayout;
    m_animate = new QPushButton(tr("Animate"));
    m_animate->setToolTip(tr("Step every path, 25 steps a second"));
    m_step = new QPushButton(tr("Step"));
    m_step->setToolTip(tr("One step of every path"));
    m_toEnd = new QPushButton(tr("Run to end"));
    m_reset = new QPushButton(tr("Reset"));
    for (QPushButton* b : {m_animate, m_step, m_toEnd, m_reset})
        buttons->addWidget(b);
    playForm->addRow(buttons);
    m_styleCombo = new QComboBox;
    m_styleCombo->setObjectName("SurfaceStyle");
    m_styleCombo->addItem(tr("colour bands"), QStringLiteral("colours"));
    m_styleCombo->addItem(tr("contour lines"), QStringLiteral("contours"));
    m_styleCombo->addItem(tr("bands and contours"), QStringLiteral("both"));
    m_styleCombo->setToolTip(tr("How the loss is drawn: shaded bands, or lines of equal loss "
                                "(as on a map), or both"));
    playForm->addRow(tr("Surface"), m_styleCombo);
    left->addWidget(playBox);
    m_summary = new QLabel;
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    left->addWidget(m_summary);
    left->addStretch(1);

    // Centre: the surface and the paths.
    m_plot = new QCustomPlot;
    m_plot->setObjectName("SurfacePlot");
    m_plot->setMinimumSize(360, 300);
    QFont titleFont = m_plot->font();
    titleFont.setBold(true);
    m_plot->plotLayout()->insertRow(0);
    m_title = new QCPTextElement(m_plot, QString(), titleFont);
    m_plot->plotLayout()->addElement(0, 0, m_title);
    m_plot->xAxis->setLabel(QStringLiteral("w₁"));
    m_plot->yAxis->setLabel(QStringLiteral("w₂"));
    m_map = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
    m_map->setInterpolate(true);
    m_map->setTightBoundary(true);
    m_scale = new QCPColorScale(m_plot);
    m_plot->plotLayout()->addElement(1, 1, m_scale);
    m_scale->setType(QCPAxis::atRight);
    m_scale->axis()->setLabel(tr("log₁₀(1 + loss − min)"));
    m_map->setColorScale(m_scale);
    // Light, banded (so the bands read as contour lines): the coloured paths stay visible.
    QCPColorGradient gradient;
    gradient.setColorStopAt(0.0, QColor(255, 255, 255));
    gradient.setColorStopAt(0.35, QColor(215, 226, 236));
    gradient.setColorStopAt(0.7, QColor(160, 178, 196));
    gradient.setColorStopAt(1.0, QColor(95, 105, 120));
    gradient.setLevelCount(14);
    m_map->setGradient(gradient);
    auto* margins = new QCPMarginGroup(m_plot);
    m_plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    m_scale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);

    m_minimaMarker = m_plot->addGraph();
    m_minimaMarker->setName(tr("minimum"));
    m_minimaMarker->setLineStyle(QCPGraph::lsNone);
    m_minimaMarker->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssStar, QPen(Qt::black, 2.0), Qt::NoBrush, 14));
    m_startMarker = m_plot->addGraph();
    m_startMarker->setName(tr("start"));
    m_startMarker->setLineStyle(QCPGraph::lsNone);
    m_startMarker->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(Qt::black, 2.0), Qt::white, 12));
    // Contour lines: one curve, its segments split by NaN points.
    m_contours = new QCPCurve(m_plot->xAxis, m_plot->yAxis);
    m_contours->setPen(QPen(QColor(70, 80, 95, 170), 1.0));
    m_contours->removeFromLegend();
    m_contours->setVisible(false);
    for (auto& p : m_paths) {
        p->curve = new QCPCurve(m_plot->xAxis, m_plot->yAxis);
        p->curve->setName(p->label);
        p->curve->setPen(QPen(p->color, 2.0));
        p->curve->setScatterStyle(
            QCPScatterStyle(QCPScatterStyle::ssDisc, QPen(p->color), QBrush(p->color), 4));
        p->end = m_plot->addGraph();
        p->end->removeFromLegend();
        p->end->setLineStyle(QCPGraph::lsNone);
        p->end->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc,
                                                QPen(p->color.darker(150), 1.5), p->color, 11));
    }
    // The legend in a row of its own between the title and the surface: a path started
    // anywhere (a click) is never under it. It wraps where the plot is narrow.
    QCPLegend* legend = m_plot->legend;
    placeLegendInRow(m_plot, 1);
    legend->setVisible(true);
    QFont small = m_plot->font();
    small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.85));
    legend->setFont(small);
    legend->setColumnSpacing(14);
    legend->setMargins(QMargins(4, 0, 4, 2));
    connect(m_plot, &QCustomPlot::beforeReplot, this,
            [this] { wrapLegend(m_plot->legend, m_plot->axisRect()->outerRect().width()); });
    m_plot->setInteractions(QCP::iRangeZoom);
    m_overlapNote = new QCPItemText(m_plot);
    m_overlapNote->setObjectName("SurfaceOverlapNote");
    m_overlapNote->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_overlapNote->position->setCoords(0.02, 0.02);
    m_overlapNote->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_overlapNote->setTextAlignment(Qt::AlignLeft);
    m_overlapNote->setPadding(QMargins(6, 4, 6, 4));
    m_overlapNote->setBrush(QColor(255, 255, 255, 230));
    m_overlapNote->setPen(QPen(QColor(0, 0, 0, 90)));
    m_overlapNote->setVisible(false);
    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        if (e->button() != Qt::LeftButton) return;
        if (!m_plot->axisRect()->rect().contains(e->position().toPoint())) return;
        setStart(m_plot->xAxis->pixelToCoord(e->position().x()),
                 m_plot->yAxis->pixelToCoord(e->position().y()));
    });
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] {
        const auto b = m_surface->bounds();
        m_plot->xAxis->setRange(b.xMin, b.xMax);
        m_plot->yAxis->setRange(b.yMin, b.yMax);
        m_plot->replot();
    });

    // Right: the table of one path's steps.
    auto* tableBox = new QWidget;
    auto* tableLayout = new QVBoxLayout(tableBox);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    auto* tableRow = new QHBoxLayout;
    tableRow->addWidget(new QLabel(tr("Steps of")));
    m_tableCombo = new QComboBox;
    for (auto& p : m_paths)
        m_tableCombo->addItem(p->label, p->key);
    tableRow->addWidget(m_tableCombo, 1);
    m_exportCsv = new QPushButton(tr("Export CSV…"));
    m_exportCsv->setToolTip(tr("Every step of this path, with its loss, step size and whether "
                               "it was clipped, as a CSV file"));
    tableRow->addWidget(m_exportCsv);
    tableLayout->addLayout(tableRow);
    m_table = new QTableWidget(0, 7);
    m_table->setObjectName("SurfaceStepTable");
    m_table->setHorizontalHeaderLabels(
        {tr("step"), tr("w₁"), tr("w₂"), tr("loss"), tr("step size"), tr("clipped"), tr("sample")});
    m_table->horizontalHeaderItem(4)->setToolTip(
        tr("The step taken: ALI-G's min(Polyak, max_lr), or the method's learning rate"));
    m_table->horizontalHeaderItem(6)->setToolTip(
        tr("Stochastic problems: the sample loss the step was computed from"));
    m_table->verticalHeader()->setVisible(false);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    tableLayout->addWidget(m_table);

    auto* split = new QSplitter(Qt::Horizontal);
    split->addWidget(controlsScrollArea(controls));
    split->addWidget(m_plot);
    split->addWidget(tableBox);
    split->setStretchFactor(1, 1);
    split->setSizes({330, 760, 430});
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(split);

    connect(m_surfaceCombo, &QComboBox::currentIndexChanged, this,
            [this] { setSurface(m_surfaceCombo->currentData().toString()); });
    connect(m_tableCombo, &QComboBox::currentIndexChanged, this, [this] { refreshTable(true); });
    connect(m_styleCombo, &QComboBox::currentIndexChanged, this,
            [this] { setSurfaceStyle(m_styleCombo->currentData().toString()); });
    connect(m_exportCsv, &QPushButton::clicked, this, [this] {
        const QString key = m_tableCombo->currentData().toString();
        const QString file = QFileDialog::getSaveFileName(
            this, tr("Export the path's steps"),
            QStringLiteral("%1-%2.csv").arg(surfaceName(), key), tr("CSV files (*.csv)"));
        if (file.isEmpty()) return;
        const QString error = exportPathCsv(key, file);
        if (!error.isEmpty()) m_summary->setText(error.toHtmlEscaped());
    });
    connect(m_stepSpin, &QSpinBox::valueChanged, this, [this](int v) { m_steps = v; });
    connect(m_seedSpin, &QSpinBox::valueChanged, this, [this] { resetPaths(); });
    connect(m_animate, &QPushButton::clicked, this, [this] { setAnimating(!isAnimating()); });
    connect(m_step, &QPushButton::clicked, this, [this] {
        setAnimating(false);
        stepAll();
    });
    connect(m_toEnd, &QPushButton::clicked, this, &SurfaceView::runToEnd);
    connect(m_reset, &QPushButton::clicked, this, [this] {
        setAnimating(false);
        resetPaths();
    });
    m_timer.setInterval(40);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        bool more = false;
        for (auto& p : m_paths)
            if (p->trajectory && !p->trajectory->diverged() &&
                static_cast<int>(p->trajectory->points().size()) - 1 < m_steps)
                more = true;
        if (!more) {
            setAnimating(false);
            return;
        }
        stepAll();
    });

    setSurface(QString::fromStdString(core::surfaceNames().front()));
}

SurfaceView::~SurfaceView() = default;

SurfaceView::Path* SurfaceView::find(const QString& key) const {
    for (const auto& p : m_paths)
        if (p->key == key) return p.get();
    return nullptr;
}

QStringList SurfaceView::optimizerKeys() const {
    QStringList keys;
    for (const auto& p : m_paths)
        keys << p->key;
    return keys;
}

void SurfaceView::setSurface(const QString& name) {
    m_surface = core::Surface::make(name.toStdString());
    {
        QSignalBlocker block(m_surfaceCombo);
        m_surfaceCombo->setCurrentIndex(m_surfaceCombo->findData(name));
    }
    m_description->setText(QString::fromStdString(m_surface->description()));
    m_title->setText(QString::fromStdString(m_surface->title()));
    applySurfaceDefaults();
    const auto st = m_surface->defaultStart();
    m_start = QPointF(st[0], st[1]);
    redrawSurface();
    resetPaths();
}

QString SurfaceView::surfaceName() const {
    return QString::fromStdString(m_surface->name());
}

void SurfaceView::applySurfaceDefaults() {
    const Defaults d = defaultsFor(m_surface->name());
    for (auto& p : m_paths) {
        QSignalBlocker block(p->rate);
        p->rate->setValue(d.*(p->defaultRate) * p->rateFactor);
    }
    applyOtherMethod();
}

void SurfaceView::applyOtherMethod() {
    Path* p = find(QStringLiteral("other"));
    if (!p || !p->method) return;
    const core::OptimizerEntry& e =
        core::optimizerEntry(p->method->currentData().toString().toStdString());
    p->config = core::OptimizerConfig{};
    p->config.name = e.name;
    // A cap on a Polyak step needs the surface's scale, as ALI-G's does; the others start from
    // the method's demonstration step.
    const double rate =
        e.stepField == "max_lr" ? defaultsFor(m_surface->name()).aligMaxLr : e.demoStep;
    {
        QSignalBlocker block(p->rate);
        p->rate->setValue(rate);
    }
    const QString label = QString::fromStdString(e.shortLabel);
    p->label = label;
    p->enabled->setText(tr("Other: %1").arg(label));
    if (p->curve) p->curve->setName(label);
    const int row = m_tableCombo ? m_tableCombo->findData(p->key) : -1;
    if (row >= 0) m_tableCombo->setItemText(row, label);
}

void SurfaceView::redrawSurface() {
    const auto b = m_surface->bounds();
    const std::vector<double> v = m_surface->grid(kGrid, kGrid);
    auto* data = m_map->data();
    data->setSize(kGrid, kGrid);
    data->setRange(QCPRange(b.xMin, b.xMax), QCPRange(b.yMin, b.yMax));
    const double lo = m_surface->minimumValue();
    double hi = 0.0;
    for (int j = 0; j < kGrid; ++j)
        for (int i = 0; i < kGrid; ++i) {
            // Losses span decades (Rosenbrock: 0 to 2500): colour their logarithm.
            const double c = std::log10(1.0 + std::max(0.0, v[j * kGrid + i] - lo));
            data->setCell(i, j, c);
            hi = std::max(hi, c);
        }
    m_map->setDataRange(QCPRange(0.0, std::max(hi, 1e-6)));
    m_plot->xAxis->setRange(b.xMin, b.xMax);
    m_plot->yAxis->setRange(b.yMin, b.yMax);
    m_minimaMarker->data()->clear();
    for (const auto& m : m_surface->minima())
        m_minimaMarker->addData(m[0], m[1]);
    drawContours();
}

void SurfaceView::drawContours() {
    // Marching squares over the map's values (the logarithm it colours), at the levels where
    // its bands change colour, so that lines and bands agree.
    constexpr int kLevels = 14;
    QCPColorMapData* data = m_map->data();
    const int nx = data->keySize(), ny = data->valueSize();
    const QCPRange range = m_map->dataRange();
    QVector<double> t, x, y;
    auto key = [&](double i) {
        return data->keyRange().lower + i * data->keyRange().size() / (nx - 1);
    };
    auto value = [&](double j) {
        return data->valueRange().lower + j * data->valueRange().size() / (ny - 1);
    };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (int level = 1; level < kLevels; ++level) {
        const double c = range.lower + range.size() * level / kLevels;
        for (int j = 0; j + 1 < ny; ++j)
            for (int i = 0; i + 1 < nx; ++i) {
                const double v[4] = {data->cell(i, j), data->cell(i + 1, j),
                                     data->cell(i + 1, j + 1), data->cell(i, j + 1)};
                // Where the level crosses each edge of the cell (corners 0-1-2-3 around it).
                const double ci[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
                QPointF cross[4];
                int n = 0;
                for (int e = 0; e < 4; ++e) {
                    const double a = v[e], b = v[(e + 1) % 4];
                    if ((a < c) == (b < c)) continue;
                    const double f = (c - a) / (b - a);
                    const double* p0 = ci[e];
                    const double* p1 = ci[(e + 1) % 4];
                    cross[n++] = QPointF(key(i + p0[0] + f * (p1[0] - p0[0])),
                                         value(j + p0[1] + f * (p1[1] - p0[1])));
                }
                for (int k = 0; k + 1 < n; k += 2) {
                    for (const QPointF& q : {cross[k], cross[k + 1]}) {
                        t << t.size();
                        x << q.x();
                        y << q.y();
                    }
                    t << t.size();
                    x << nan;
                    y << nan; // a gap before the next segment
                }
            }
    }
    m_contours->setData(t, x, y);
}

void SurfaceView::setSurfaceStyle(const QString& style) {
    const int index = m_styleCombo->findData(style);
    if (index < 0) return;
    if (index != m_styleCombo->currentIndex()) {
        m_styleCombo->setCurrentIndex(index); // back here through the signal
        return;
    }
    m_map->setVisible(style != "contours");
    m_contours->setVisible(style != "colours");
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

QString SurfaceView::surfaceStyle() const {
    return m_styleCombo->currentData().toString();
}

bool SurfaceView::isDashed(const QString& key) const {
    const Path* p = find(key);
    return p && p->dashed;
}

void SurfaceView::findOverlaps() {
    m_overlapNotes.clear();
    for (auto& p : m_paths)
        p->dashed = false;
    for (size_t b = 0; b < m_paths.size(); ++b) {
        Path& later = *m_paths[b];
        if (!later.trajectory) continue;
        for (size_t a = 0; a < b; ++a) {
            const Path& earlier = *m_paths[a];
            if (!earlier.trajectory || earlier.dashed) continue;
            const auto& pa = earlier.trajectory->points();
            const auto& pb = later.trajectory->points();
            const size_t n = std::min(pa.size(), pb.size());
            if (n < 2) continue;
            bool same = true;
            for (size_t i = 0; i < n && same; ++i) {
                const double scale = 1.0 + std::abs(pa[i].x) + std::abs(pa[i].y);
                same = std::abs(pa[i].x - pb[i].x) <= 1e-9 * scale &&
                       std::abs(pa[i].y - pb[i].y) <= 1e-9 * scale;
            }
            if (!same) continue;
            later.dashed = true;
            // ALI-G on plain SGD's path: every step took max_lr, which equals SGD's lr. The
            // catalogue says which methods cut their step to a cap.
            const auto clips = [](const Path& p) {
                const core::OptimizerEntry* e = core::findOptimizer(p.config.name);
                return e && e->reports.clip;
            };
            const Path* capped = clips(earlier) ? &earlier : clips(later) ? &later : nullptr;
            const Path* other = capped == &earlier ? &later : &earlier;
            bool allClipped = capped != nullptr;
            for (size_t i = 1; i < n && allClipped; ++i)
                allClipped = capped->trajectory->points()[i].clipped;
            if (allClipped)
                m_overlapNotes << tr("%1's path is under %2's: every step was clipped to max_lr, "
                                     "so the two are the same")
                                      .arg(capped->label, other->label);
            else
                m_overlapNotes << tr("%1's path is under %2's: the two took the same steps")
                                      .arg(earlier.label, later.label);
            break;
        }
    }
    for (auto& p : m_paths) {
        QPen pen = p->curve->pen();
        pen.setStyle(p->dashed ? Qt::DashLine : Qt::SolidLine);
        p->curve->setPen(pen);
    }
    m_overlapNote->setText(m_overlapNotes.join("\n") +
                           (m_overlapNotes.isEmpty() ? QString() : tr("\n(drawn dashed over it)")));
    m_overlapNote->setVisible(!m_overlapNotes.isEmpty());
}

QString SurfaceView::exportPathCsv(const QString& key, const QString& path) const {
    const Path* p = find(key);
    if (!p || !p->trajectory) return tr("No path of \"%1\" to export: tick it first.").arg(key);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text))
        return tr("Cannot write %1: %2").arg(path, file.errorString());
    QTextStream out(&file);
    out << "surface,method,step,w1,w2,loss,batch_loss,sample,grad_norm,step_size,polyak,clipped\n";
    auto num = [](double v) { return std::isfinite(v) ? QString::number(v, 'g', 17) : QString(); };
    for (const auto& q : p->trajectory->points())
        out << surfaceName() << ',' << QString::fromStdString(p->config.name) << ',' << q.step
            << ',' << num(q.x) << ',' << num(q.y) << ',' << num(q.loss) << ',' << num(q.batchLoss)
            << ',' << (q.sample >= 0 ? QString::number(q.sample) : QString()) << ','
            << num(q.gradNorm) << ',' << num(q.stepSize) << ',' << num(q.polyak) << ','
            << (q.step == 0 ? QString() : QString(q.clipped ? "1" : "0")) << '\n';
    out.flush();
    if (!file.commit()) return tr("Cannot write %1: %2").arg(path, file.errorString());
    return {};
}

void SurfaceView::setStart(double x, double y) {
    m_start = QPointF(x, y);
    resetPaths();
}

void SurfaceView::setStepCount(int steps) {
    m_stepSpin->setValue(steps);
    m_steps = steps;
}

void SurfaceView::setOptimizerEnabled(const QString& key, bool on) {
    if (Path* p = find(key)) p->enabled->setChecked(on);
}

void SurfaceView::setOptimizerRate(const QString& key, double rate) {
    if (Path* p = find(key)) p->rate->setValue(rate);
}

const core::Trajectory* SurfaceView::trajectory(const QString& key) const {
    const Path* p = find(key);
    return p ? p->trajectory.get() : nullptr;
}

QCPCurve* SurfaceView::curve(const QString& key) const {
    const Path* p = find(key);
    return p ? p->curve : nullptr;
}

void SurfaceView::setTableOptimizer(const QString& key) {
    m_tableCombo->setCurrentIndex(m_tableCombo->findData(key));
}

void SurfaceView::resetPaths() {
    buildPaths();
    m_startMarker->data()->clear();
    m_startMarker->addData(m_start.x(), m_start.y());
    updateCurves();
    refreshTable(true);
    Q_EMIT pathsChanged();
}

void SurfaceView::buildPaths() {
    QStringList problems;
    for (auto& p : m_paths) {
        p->trajectory.reset();
        if (!p->enabled->isChecked()) continue;
        core::OptimizerConfig c = p->config;
        core::setStepSize(c, p->rate->value());
        try {
            p->trajectory =
                std::make_unique<core::Trajectory>(*m_surface, c, m_start.x(), m_start.y(),
                                                   static_cast<uint64_t>(m_seedSpin->value()));
        } catch (const core::Error& e) {
            problems << p->label + ": " + QString::fromStdString(e.what());
        }
    }
    if (!problems.isEmpty()) m_summary->setText(problems.join("<br>"));
}

void SurfaceView::stepAll() {
    for (auto& p : m_paths)
        if (p->trajectory && static_cast<int>(p->trajectory->points().size()) - 1 < m_steps)
            p->trajectory->step();
    updateCurves();
    refreshTable(false);
    Q_EMIT pathsChanged();
}

void SurfaceView::runToEnd() {
    setAnimating(false);
    for (auto& p : m_paths)
        if (p->trajectory) p->trajectory->runTo(m_steps);
    updateCurves();
    refreshTable(false);
    Q_EMIT pathsChanged();
}

void SurfaceView::setAnimating(bool on) {
    if (on)
        m_timer.start();
    else
        m_timer.stop();
    m_animate->setText(on ? tr("Stop") : tr("Animate"));
}

void SurfaceView::updateCurves() {
    QStringList lines;
    for (auto& p : m_paths) {
        p->curve->data()->clear();
        p->end->data()->clear();
        p->curve->setVisible(p->trajectory != nullptr);
        p->end->setVisible(p->trajectory != nullptr);
        if (p->trajectory) {
            p->curve->addToLegend();
        } else {
            p->curve->removeFromLegend();
            continue;
        }
        const auto& pts = p->trajectory->points();
        QVector<double> t, x, y;
        for (const auto& q : pts) {
            if (!std::isfinite(q.x) || !std::isfinite(q.y)) break;
            t << static_cast<double>(q.step);
            x << q.x;
            y << q.y;
        }
        p->curve->setData(t, x, y);
        if (!x.isEmpty()) p->end->addData(x.back(), y.back());
        const auto& last = pts.back();
        lines << QStringLiteral("<span style='color:%1'>&#9632;</span> %2: step %3, loss %4%5")
                     .arg(p->color.name(), p->label)
                     .arg(last.step)
                     .arg(num(last.loss))
                     .arg(p->trajectory->diverged() ? tr(" — <b>diverged</b>") : QString());
    }
    findOverlaps();
    for (const QString& note : m_overlapNotes)
        lines << QStringLiteral("<i>%1.</i>").arg(note.toHtmlEscaped());
    m_summary->setText(lines.join("<br>"));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void SurfaceView::refreshTable(bool rebuild) {
    const Path* p = find(m_tableCombo->currentData().toString());
    if (rebuild || !p || !p->trajectory) {
        m_table->setRowCount(0);
        m_tableRows = 0;
    }
    if (!p || !p->trajectory) return;
    const auto& pts = p->trajectory->points();
    const int n = static_cast<int>(pts.size());
    // The clip and the Polyak ratio, for the methods that report them (ALI-G).
    const core::StepQuantities& reports = core::optimizerEntry(p->config.name).reports;
    m_table->setRowCount(n);
    for (int r = m_tableRows; r < n; ++r) {
        const auto& q = pts[r];
        const QStringList cells = {
            QString::number(q.step),
            num(q.x, 5),
            num(q.y, 5),
            num(q.loss),
            num(q.stepSize),
            q.step == 0 || !reports.clip ? QString() : (q.clipped ? tr("yes") : tr("no")),
            q.sample >= 0 ? QString::number(q.sample) : QString()};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (c == 4 && reports.polyakRatio && std::isfinite(q.polyak))
                item->setToolTip(
                    tr("Polyak ratio %1, max_lr %2").arg(num(q.polyak), num(p->rate->value())));
            m_table->setItem(r, c, item);
        }
    }
    m_tableRows = n;
    if (n > 0) m_table->scrollToBottom();
}

void SurfaceView::setPresentation(bool on) {
    if (on == m_presentation) return;
    m_presentation = on;
    scalePlotFonts(on, m_title, {m_plot->xAxis, m_plot->yAxis, m_scale->axis()}, m_plot->legend);
    QFont noteFont = m_overlapNote->font();
    noteFont.setPointSizeF(noteFont.pointSizeF() *
                           (on ? kPresentationFontScale : 1.0 / kPresentationFontScale));
    m_overlapNote->setFont(noteFont);
    for (auto& p : m_paths) {
        p->curve->setPen(QPen(p->color, on ? 4.0 : 2.0, p->dashed ? Qt::DashLine : Qt::SolidLine));
        QCPScatterStyle s = p->curve->scatterStyle();
        s.setSize(on ? 8 : 4);
        p->curve->setScatterStyle(s);
        QCPScatterStyle e = p->end->scatterStyle();
        e.setSize(on ? 18 : 11);
        p->end->setScatterStyle(e);
    }
    m_plot->replot();
}

} // namespace alig::ui
