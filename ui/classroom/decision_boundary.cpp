#include "ui/classroom/decision_boundary.h"

#include "core/experiment/run_session.h"
#include "core/models/model.h"
#include "ui/plots/presentation.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace alig::ui {

namespace {

std::vector<float> toVector(const torch::Tensor& t) {
    const torch::Tensor c = t.to(torch::kCPU, torch::kFloat32).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

std::vector<int64_t> labels(const torch::Tensor& t) {
    const torch::Tensor c = t.to(torch::kCPU, torch::kLong).contiguous();
    return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

// Marker sizes of training and test points, and how much presentation mode grows them.
constexpr double kTrainMarker = 7.0, kTestMarker = 8.0, kPresentationMarkerScale = 1.6;

// The network graph draws layers this wide at most; a wider network still trains, undrawn.
constexpr int64_t kMaxDrawnWidth = 64;

// The class colour halfway to the white of an unsure model: the map's colours, so that the
// points on top stay readable.
QColor faded(const QColor& c) {
    return QColor((c.red() + 248) / 2, (c.green() + 248) / 2, (c.blue() + 248) / 2);
}

} // namespace

QColor playgroundClassColor(int64_t c) {
    static const QColor colors[kPlaygroundMaxClasses] = {
        QColor(0, 114, 178), QColor(230, 159, 0),   QColor(0, 158, 115),
        QColor(213, 94, 0),  QColor(204, 121, 167), QColor(86, 180, 233)};
    return colors[static_cast<size_t>(std::clamp<int64_t>(c, 0, kPlaygroundMaxClasses - 1))];
}

float DecisionSnapshot::probabilityAt(double x, double y, int c) const {
    if (nx <= 0 || ny <= 0 || c < 0 || c >= classes) return 0.0f;
    const auto cell = [](double v, double lo, double hi, int n) {
        return std::clamp(static_cast<int>(std::lround((v - lo) / (hi - lo) * (n - 1))), 0, n - 1);
    };
    const int i = cell(x, xMin, xMax, nx), j = cell(y, yMin, yMax, ny);
    return probability[(static_cast<size_t>(j) * nx + i) * classes + c];
}

PlaygroundPoints playgroundPoints(const core::Dataset& d) {
    PlaygroundPoints p;
    p.trainX = toVector(d.trainX.select(1, 0));
    p.trainY = toVector(d.trainX.select(1, 1));
    p.testX = toVector(d.testX.select(1, 0));
    p.testY = toVector(d.testX.select(1, 1));
    p.trainLabel = labels(d.trainY);
    p.testLabel = labels(d.testY);
    p.classes = static_cast<int>(d.numClasses());
    p.classNames = d.classNames;
    return p;
}

DecisionSnapshot playgroundFrame(const core::Dataset& d, int gridSize) {
    DecisionSnapshot f;
    // The grid spans every point with a margin of a tenth, square cells.
    const torch::Tensor all = torch::cat({d.trainX, d.testX}).to(torch::kCPU, torch::kFloat64);
    const auto lo = std::get<0>(all.min(0)), hi = std::get<0>(all.max(0));
    const double x0 = lo[0].item<double>(), x1 = hi[0].item<double>();
    const double y0 = lo[1].item<double>(), y1 = hi[1].item<double>();
    const double half = std::max(1e-6, 0.55 * std::max(x1 - x0, y1 - y0));
    const double cx = 0.5 * (x0 + x1), cy = 0.5 * (y0 + y1);
    f.xMin = cx - half;
    f.xMax = cx + half;
    f.yMin = cy - half;
    f.yMax = cy + half;
    f.nx = f.ny = gridSize;
    f.classes = static_cast<int>(d.numClasses());
    return f;
}

DecisionGridObserver::DecisionGridObserver(core::RunSession& session, int gridSize, int intervalMs)
    : m_model(session.model())
    , m_trainer(session.trainer())
    , m_intervalMs(intervalMs) {
    const auto& d = session.dataset();
    m_points = playgroundPoints(d);
    m_meta = playgroundFrame(d, gridSize);
    const auto opts = torch::TensorOptions().dtype(torch::kFloat32);
    const auto xs = torch::linspace(m_meta.xMin, m_meta.xMax, gridSize, opts);
    const auto ys = torch::linspace(m_meta.yMin, m_meta.yMax, gridSize, opts);
    const auto mesh = torch::meshgrid({ys, xs}, "ij");
    m_grid = torch::stack({mesh[1].reshape({-1}), mesh[0].reshape({-1})}, 1)
                 .to(d.trainX.device(), d.trainX.scalar_type());
    m_trainX = d.trainX;
    m_testX = d.testX;
    m_trainY = d.trainY.to(torch::kLong).unsqueeze(1);
    m_testY = d.testY.to(torch::kLong).unsqueeze(1);
}

void DecisionGridObserver::compute(int64_t step) {
    torch::NoGradGuard noGrad;
    m_model.train(false);
    const torch::Tensor logits = m_model.forward(m_grid);
    const torch::Tensor trainP =
        torch::softmax(m_model.forward(m_trainX).to(torch::kFloat32), 1).gather(1, m_trainY);
    const torch::Tensor testP =
        torch::softmax(m_model.forward(m_testX).to(torch::kFloat32), 1).gather(1, m_testY);
    m_model.train(true);
    DecisionSnapshot s = m_meta;
    s.probability = toVector(torch::softmax(logits.to(torch::kFloat32), 1));
    s.trainOwn = toVector(trainP);
    s.testOwn = toVector(testP);
    // The weight matrices of a small MLP, input to output, for the network graph: each
    // one's inputs are the previous one's outputs, the first one's the two coordinates.
    int64_t width = 2;
    for (const torch::Tensor& t : m_model.parameters()) {
        if (t.dim() == 1) continue;
        if (t.dim() != 2 || t.size(1) != width || t.size(0) > kMaxDrawnWidth) {
            s.layers.clear();
            break;
        }
        LayerWeights l;
        l.out = t.size(0);
        l.in = t.size(1);
        l.w = toVector(t.detach());
        s.layers.push_back(std::move(l));
        width = t.size(0);
    }
    s.step = step;
    m_last = std::chrono::steady_clock::now();
    m_lastStep = step;
    std::lock_guard<std::mutex> lock(m_mutex);
    s.version = m_snapshot.version + 1;
    m_snapshot = std::move(s);
}

void DecisionGridObserver::onRunStart(const core::RunStartInfo& info) {
    m_stepsSeen = info.startStep;
    compute(info.startStep);
}

void DecisionGridObserver::onSteps(const std::vector<core::StepMetrics>& steps) {
    if (steps.empty()) return;
    m_stepsSeen = steps.back().step;
    // Several times a second while it trains; after every step taken by hand (Step leaves
    // the trainer paused), since a lesson wants to see each step's effect.
    if (m_trainer.isPaused() ||
        std::chrono::steady_clock::now() - m_last >= std::chrono::milliseconds(m_intervalMs))
        compute(steps.back().step);
}

void DecisionGridObserver::onEpoch(const core::EpochMetrics&) {}

void DecisionGridObserver::onRunEnd(const core::RunResult& result) {
    compute(result.steps);
}

bool DecisionGridObserver::takeIfNewer(int version, DecisionSnapshot& out) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_snapshot.version <= version) return false;
    out = m_snapshot;
    return true;
}

PlaygroundPoints DecisionGridObserver::points() const {
    return m_points;
}

DecisionBoundaryPlot::DecisionBoundaryPlot(QWidget* parent)
    : QCustomPlot(parent) {
    setObjectName("DecisionBoundaryPlot");
    setMouseTracking(true);
    QFont titleFont = font();
    titleFont.setBold(true);
    plotLayout()->insertRow(0);
    m_title = new QCPTextElement(this, tr("Decision boundary"), titleFont);
    plotLayout()->addElement(0, 0, m_title);
    xAxis->setLabel(tr("feature x₁"));
    yAxis->setLabel(tr("feature x₂"));

    m_map = new QCPColorMap(xAxis, yAxis);
    m_map->setInterpolate(true);
    m_map->setTightBoundary(true);
    m_map->setDataRange(QCPRange(0.0, 1.0));

    for (int c = 0; c < kPlaygroundMaxClasses; ++c) {
        const QColor color = playgroundClassColor(c);
        m_train[c] = addGraph();
        m_train[c]->setLineStyle(QCPGraph::lsNone);
        m_train[c]->setScatterStyle(
            QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(Qt::white, 1.0), color, kTrainMarker));
        m_test[c] = addGraph();
        m_test[c]->setLineStyle(QCPGraph::lsNone);
        m_test[c]->setScatterStyle(QCPScatterStyle(
            QCPScatterStyle::ssCircle, QPen(color.darker(130), 2.0), Qt::white, kTestMarker));
    }
    // The legend goes in a row of its own between the title and the axes, where it never
    // covers a point; it wraps onto more rows where the plot is narrow (k classes).
    placeLegendInRow(this, 1);
    legend->setVisible(true);
    QFont small = font();
    small.setPointSizeF(std::max(6.0, font().pointSizeF() * 0.85));
    legend->setFont(small);
    legend->setColumnSpacing(14);
    legend->setMargins(QMargins(4, 0, 4, 2));
    connect(this, &QCustomPlot::beforeReplot, this, [this] { wrapLegend(legend, width()); });
    setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);

    m_hover = new QCPItemText(this);
    m_hover->setClipToAxisRect(false);
    m_hover->position->setType(QCPItemPosition::ptAbsolute);
    m_hover->setPadding(QMargins(5, 3, 5, 3));
    m_hover->setBrush(QColor(255, 255, 255, 230));
    m_hover->setPen(QPen(QColor(0, 0, 0, 90)));
    m_hover->setTextAlignment(Qt::AlignLeft);
    m_hover->setVisible(false);
    m_hover->setLayer("legend"); // above the points
    setClasses(2);
}

void DecisionBoundaryPlot::setClasses(int classes) {
    classes = std::clamp(classes, 2, kPlaygroundMaxClasses);
    if (classes == m_classes) return;
    m_classes = classes;
    // Two classes: P(class 1) from blue through white to orange. More: one band per class,
    // white (unsure) to the class's colour (sure), so the map reads as the winning class.
    QCPColorGradient gradient;
    gradient.clearColorStops();
    if (classes == 2) {
        gradient.setColorStopAt(0.0, faded(playgroundClassColor(0)));
        gradient.setColorStopAt(0.5, QColor(248, 248, 248));
        gradient.setColorStopAt(1.0, faded(playgroundClassColor(1)));
    } else {
        gradient.setLevelCount(120 * classes);
        for (int c = 0; c < classes; ++c) {
            gradient.setColorStopAt(static_cast<double>(c) / classes + 1e-6, QColor(248, 248, 248));
            gradient.setColorStopAt((c + 1.0) / classes - 1e-6, faded(playgroundClassColor(c)));
        }
    }
    m_map->setGradient(gradient);
    legend->clearItems();
    for (int c = 0; c < kPlaygroundMaxClasses; ++c) {
        m_train[c]->setName(tr("class %1").arg(c));
        m_test[c]->setName(tr("hollow: test points"));
        m_train[c]->setVisible(c < classes);
        m_test[c]->setVisible(c < classes);
        if (c < classes) m_train[c]->addToLegend();
    }
    m_test[0]->addToLegend();
}

int DecisionBoundaryPlot::pointCount() const {
    int n = 0;
    for (int c = 0; c < kPlaygroundMaxClasses; ++c)
        n += m_train[c]->dataCount() + m_test[c]->dataCount();
    return n;
}

void DecisionBoundaryPlot::clearAll() {
    for (int c = 0; c < kPlaygroundMaxClasses; ++c) {
        m_train[c]->data()->clear();
        m_test[c]->data()->clear();
    }
    m_map->data()->clear();
    m_map->data()->setSize(1, 1);
    m_snapshot = DecisionSnapshot();
    m_points = PlaygroundPoints();
    m_version = -1;
    m_step = -1;
    m_updates = 0;
    m_hover->setVisible(false);
    m_title->setText(tr("Decision boundary"));
    replot();
}

void DecisionBoundaryPlot::setPoints(const PlaygroundPoints& p) {
    m_points = p;
    setClasses(p.classes);
    for (int c = 0; c < kPlaygroundMaxClasses; ++c) {
        m_train[c]->data()->clear();
        m_test[c]->data()->clear();
        if (c < static_cast<int>(p.classNames.size()))
            m_train[c]->setName(tr("class %1").arg(QString::fromStdString(p.classNames[c])));
    }
    auto graphOf = [](QCPGraph* const* graphs, int64_t label) {
        return graphs[std::clamp<int64_t>(label, 0, kPlaygroundMaxClasses - 1)];
    };
    for (size_t i = 0; i < p.trainLabel.size(); ++i)
        graphOf(m_train, p.trainLabel[i])->addData(p.trainX[i], p.trainY[i]);
    for (size_t i = 0; i < p.testLabel.size(); ++i)
        graphOf(m_test, p.testLabel[i])->addData(p.testX[i], p.testY[i]);
    if (m_updates == 0 && (!p.trainX.empty() || !p.testX.empty())) {
        // Before the first grid: the axes of the grid to come, around every point.
        float x0 = std::numeric_limits<float>::max(), x1 = -x0, y0 = x0, y1 = -x0;
        for (const auto* xs : {&p.trainX, &p.testX})
            for (float v : *xs)
                x0 = std::min(x0, v), x1 = std::max(x1, v);
        for (const auto* ys : {&p.trainY, &p.testY})
            for (float v : *ys)
                y0 = std::min(y0, v), y1 = std::max(y1, v);
        const double half = std::max(1e-6, 0.55 * std::max(x1 - x0, y1 - y0));
        xAxis->setRange(0.5 * (x0 + x1) - half, 0.5 * (x0 + x1) + half);
        yAxis->setRange(0.5 * (y0 + y1) - half, 0.5 * (y0 + y1) + half);
    }
    replot(QCustomPlot::rpQueuedReplot);
}

void DecisionBoundaryPlot::setSnapshot(const DecisionSnapshot& s) {
    if (s.nx <= 0 || s.ny <= 0 || s.classes < 2) return;
    setClasses(s.classes);
    m_version = s.version;
    m_step = s.step;
    auto* data = m_map->data();
    if (data->keySize() != s.nx || data->valueSize() != s.ny) data->setSize(s.nx, s.ny);
    data->setRange(QCPRange(s.xMin, s.xMax), QCPRange(s.yMin, s.yMax));
    const int k = s.classes;
    for (int j = 0; j < s.ny; ++j)
        for (int i = 0; i < s.nx; ++i) {
            const float* p = &s.probability[(static_cast<size_t>(j) * s.nx + i) * k];
            if (k == 2) {
                data->setCell(i, j, p[1]);
                continue;
            }
            const int best = static_cast<int>(std::max_element(p, p + k) - p);
            const double sure = (p[best] - 1.0 / k) / (1.0 - 1.0 / k);
            data->setCell(i, j, (best + 0.999 * std::clamp(sure, 0.0, 1.0)) / k);
        }
    if (m_updates == 0) {
        xAxis->setRange(s.xMin, s.xMax);
        yAxis->setRange(s.yMin, s.yMax);
    }
    m_snapshot = s;
    ++m_updates;
    replot(QCustomPlot::rpQueuedReplot);
}

void DecisionBoundaryPlot::setCaption(const QString& text) {
    m_title->setText(text);
}

QString DecisionBoundaryPlot::describeAt(double x, double y, double radiusPx) const {
    const auto& p = m_points;
    // The nearest point on screen, test points first where they overlap training points.
    double best = radiusPx * radiusPx;
    int bestIndex = -1;
    bool bestTest = false;
    const double px = xAxis->coordToPixel(x), py = yAxis->coordToPixel(y);
    auto consider = [&](const std::vector<float>& xs, const std::vector<float>& ys, bool test) {
        for (size_t i = 0; i < xs.size(); ++i) {
            const double dx = xAxis->coordToPixel(xs[i]) - px, dy = yAxis->coordToPixel(ys[i]) - py;
            if (dx * dx + dy * dy <= best) {
                best = dx * dx + dy * dy;
                bestIndex = static_cast<int>(i);
                bestTest = test;
            }
        }
    };
    consider(p.trainX, p.trainY, false);
    consider(p.testX, p.testY, true);
    const DecisionSnapshot& s = m_snapshot;
    if (bestIndex >= 0) {
        const auto i = static_cast<size_t>(bestIndex);
        const int64_t label = bestTest ? p.testLabel[i] : p.trainLabel[i];
        const QString name = label < static_cast<int64_t>(p.classNames.size())
                                 ? QString::fromStdString(p.classNames[label])
                                 : QString::number(label);
        QString text = tr("%1 point (%2, %3), class %4")
                           .arg(bestTest ? tr("Test") : tr("Training"))
                           .arg(bestTest ? p.testX[i] : p.trainX[i], 0, 'f', 2)
                           .arg(bestTest ? p.testY[i] : p.trainY[i], 0, 'f', 2)
                           .arg(name);
        const std::vector<float>& own = bestTest ? s.testOwn : s.trainOwn;
        if (i < own.size()) {
            const double q = std::max(1e-12, static_cast<double>(own[i]));
            text += tr("\nP(class %1) = %2 · loss −log P = %3")
                        .arg(name)
                        .arg(q, 0, 'f', 3)
                        .arg(-std::log(q), 0, 'g', 3);
        }
        return text;
    }
    if (s.nx <= 0 || x < s.xMin || x > s.xMax || y < s.yMin || y > s.yMax) return {};
    QStringList parts;
    for (int c = 0; c < s.classes; ++c) {
        const QString name = c < static_cast<int>(p.classNames.size())
                                 ? QString::fromStdString(p.classNames[c])
                                 : QString::number(c);
        parts << tr("P(class %1) = %2").arg(name).arg(s.probabilityAt(x, y, c), 0, 'f', 3);
    }
    return tr("At (%1, %2)\n").arg(x, 0, 'f', 2).arg(y, 0, 'f', 2) + parts.join("\n");
}

QString DecisionBoundaryPlot::hoverText() const {
    return m_hover->visible() ? m_hover->text() : QString();
}

void DecisionBoundaryPlot::showHover(const QPointF& pixel) {
    const QRect r = axisRect()->rect();
    const QString text = r.contains(pixel.toPoint()) ? describeAt(xAxis->pixelToCoord(pixel.x()),
                                                                  yAxis->pixelToCoord(pixel.y()))
                                                     : QString();
    m_hover->setVisible(!text.isEmpty());
    if (!text.isEmpty()) {
        m_hover->setText(text);
        // Beside the cursor, on the side with room, never under it.
        const bool left = pixel.x() > r.center().x(), up = pixel.y() > r.center().y();
        m_hover->setPositionAlignment((left ? Qt::AlignRight : Qt::AlignLeft) |
                                      (up ? Qt::AlignBottom : Qt::AlignTop));
        m_hover->position->setCoords(pixel.x() + (left ? -14 : 14), pixel.y() + (up ? -14 : 14));
    }
    replot(QCustomPlot::rpQueuedReplot);
}

void DecisionBoundaryPlot::mouseMoveEvent(QMouseEvent* event) {
    QCustomPlot::mouseMoveEvent(event);
    showHover(event->position());
}

void DecisionBoundaryPlot::leaveEvent(QEvent* event) {
    QCustomPlot::leaveEvent(event);
    m_hover->setVisible(false);
    replot(QCustomPlot::rpQueuedReplot);
}

void DecisionBoundaryPlot::setPresentation(bool on) {
    if (on == m_presentation) return;
    m_presentation = on;
    scalePlotFonts(on, m_title, {xAxis, yAxis}, legend);
    const double f = on ? kPresentationFontScale : 1.0 / kPresentationFontScale;
    QFont hoverFont = m_hover->font();
    hoverFont.setPointSizeF(hoverFont.pointSizeF() * f);
    m_hover->setFont(hoverFont);
    // Markers from their base sizes, so that leaving the mode restores them exactly.
    const double grow = on ? kPresentationMarkerScale : 1.0;
    for (int c = 0; c < kPlaygroundMaxClasses; ++c) {
        for (auto [g, size] :
             {std::pair{m_train[c], kTrainMarker}, std::pair{m_test[c], kTestMarker}}) {
            QCPScatterStyle s = g->scatterStyle();
            s.setSize(size * grow);
            g->setScatterStyle(s);
        }
    }
    replot();
}

} // namespace alig::ui
