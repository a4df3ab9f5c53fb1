#include "ui/classroom/decision_boundary.h"

#include "core/experiment/run_session.h"
#include "core/models/model.h"
#include "ui/plots/presentation.h"

#include <torch/torch.h>

#include <algorithm>

namespace alig::ui {

namespace {

// The two classes in the Okabe-Ito palette: blue and orange, safe for colour-blind eyes.
const QColor kClass0(0, 114, 178);
const QColor kClass1(230, 159, 0);

std::vector<float> toVector(const torch::Tensor& t) {
    const torch::Tensor c = t.to(torch::kCPU, torch::kFloat32).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

std::vector<int64_t> labels(const torch::Tensor& t) {
    const torch::Tensor c = t.to(torch::kCPU, torch::kLong).contiguous();
    return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

} // namespace

DecisionGridObserver::DecisionGridObserver(core::RunSession& session, int gridSize, int intervalMs)
    : m_model(session.model())
    , m_trainer(session.trainer())
    , m_intervalMs(intervalMs) {
    const auto& d = session.dataset();
    m_points.trainX = toVector(d.trainX.select(1, 0));
    m_points.trainY = toVector(d.trainX.select(1, 1));
    m_points.testX = toVector(d.testX.select(1, 0));
    m_points.testY = toVector(d.testX.select(1, 1));
    m_points.trainLabel = labels(d.trainY);
    m_points.testLabel = labels(d.testY);
    // The grid spans every point with a margin of a tenth, square cells.
    const torch::Tensor all = torch::cat({d.trainX, d.testX}).to(torch::kCPU, torch::kFloat64);
    const auto lo = std::get<0>(all.min(0)), hi = std::get<0>(all.max(0));
    double x0 = lo[0].item<double>(), x1 = hi[0].item<double>();
    double y0 = lo[1].item<double>(), y1 = hi[1].item<double>();
    const double half = 0.55 * std::max(x1 - x0, y1 - y0);
    const double cx = 0.5 * (x0 + x1), cy = 0.5 * (y0 + y1);
    m_meta.xMin = cx - half;
    m_meta.xMax = cx + half;
    m_meta.yMin = cy - half;
    m_meta.yMax = cy + half;
    m_meta.nx = m_meta.ny = gridSize;
    const auto opts = torch::TensorOptions().dtype(torch::kFloat32);
    const auto xs = torch::linspace(m_meta.xMin, m_meta.xMax, gridSize, opts);
    const auto ys = torch::linspace(m_meta.yMin, m_meta.yMax, gridSize, opts);
    const auto mesh = torch::meshgrid({ys, xs}, "ij");
    m_grid = torch::stack({mesh[1].reshape({-1}), mesh[0].reshape({-1})}, 1)
                 .to(d.trainX.device(), d.trainX.scalar_type());
}

void DecisionGridObserver::compute(int64_t step) {
    torch::NoGradGuard noGrad;
    m_model.train(false);
    const torch::Tensor logits = m_model.forward(m_grid);
    m_model.train(true);
    const torch::Tensor p = torch::softmax(logits.to(torch::kFloat32), 1).select(1, 1);
    DecisionSnapshot s = m_meta;
    s.probability = toVector(p);
    s.step = step;
    m_last = std::chrono::steady_clock::now();
    m_lastStep = step;
    std::lock_guard<std::mutex> lock(m_mutex);
    s.version = m_snapshot.version + 1;
    m_snapshot = std::move(s);
}

void DecisionGridObserver::onRunStart(const core::RunStartInfo& info) {
    compute(info.startStep);
}

void DecisionGridObserver::onSteps(const std::vector<core::StepMetrics>& steps) {
    if (steps.empty()) return;
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
    // P(class 1): blue through white to orange, the classes' own colours, faded so the
    // points on top stay readable.
    QCPColorGradient gradient;
    gradient.setColorStopAt(0.0, QColor(120, 175, 215));
    gradient.setColorStopAt(0.5, QColor(248, 248, 248));
    gradient.setColorStopAt(1.0, QColor(240, 200, 120));
    m_map->setGradient(gradient);
    m_map->setDataRange(QCPRange(0.0, 1.0));

    const QColor colors[2] = {kClass0, kClass1};
    for (int c = 0; c < 2; ++c) {
        m_train[c] = addGraph();
        m_train[c]->setLineStyle(QCPGraph::lsNone);
        m_train[c]->setName(tr("class %1, train").arg(c));
        m_train[c]->setScatterStyle(
            QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(Qt::white, 1.0), colors[c], 7));
        m_test[c] = addGraph();
        m_test[c]->setLineStyle(QCPGraph::lsNone);
        m_test[c]->setName(tr("class %1, test").arg(c));
        m_test[c]->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle,
                                                   QPen(colors[c].darker(130), 2.0), Qt::white, 8));
    }
    legend->setVisible(true);
    QFont small = font();
    small.setPointSizeF(std::max(6.0, font().pointSizeF() * 0.85));
    legend->setFont(small);
    legend->setBrush(QColor(255, 255, 255, 210));
    axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
}

void DecisionBoundaryPlot::clearAll() {
    for (int c = 0; c < 2; ++c) {
        m_train[c]->data()->clear();
        m_test[c]->data()->clear();
    }
    m_map->data()->clear();
    m_map->data()->setSize(1, 1);
    m_version = -1;
    m_step = -1;
    m_title->setText(tr("Decision boundary"));
    replot();
}

void DecisionBoundaryPlot::setPoints(const PlaygroundPoints& p) {
    for (int c = 0; c < 2; ++c) {
        m_train[c]->data()->clear();
        m_test[c]->data()->clear();
    }
    for (size_t i = 0; i < p.trainLabel.size(); ++i)
        m_train[p.trainLabel[i] == 0 ? 0 : 1]->addData(p.trainX[i], p.trainY[i]);
    for (size_t i = 0; i < p.testLabel.size(); ++i)
        m_test[p.testLabel[i] == 0 ? 0 : 1]->addData(p.testX[i], p.testY[i]);
}

void DecisionBoundaryPlot::setSnapshot(const DecisionSnapshot& s) {
    if (s.nx <= 0 || s.ny <= 0) return;
    m_version = s.version;
    m_step = s.step;
    auto* data = m_map->data();
    if (data->keySize() != s.nx || data->valueSize() != s.ny) data->setSize(s.nx, s.ny);
    data->setRange(QCPRange(s.xMin, s.xMax), QCPRange(s.yMin, s.yMax));
    for (int j = 0; j < s.ny; ++j)
        for (int i = 0; i < s.nx; ++i)
            data->setCell(i, j, s.probability[static_cast<size_t>(j) * s.nx + i]);
    if (m_updates == 0) {
        xAxis->setRange(s.xMin, s.xMax);
        yAxis->setRange(s.yMin, s.yMax);
    }
    ++m_updates;
    replot(QCustomPlot::rpQueuedReplot);
}

void DecisionBoundaryPlot::setCaption(const QString& text) {
    m_title->setText(text);
}

void DecisionBoundaryPlot::setPresentation(bool on) {
    if (on == m_presentation) return;
    m_presentation = on;
    scalePlotFonts(on, m_title, {xAxis, yAxis}, legend);
    for (int c = 0; c < 2; ++c)
        for (QCPGraph* g : {m_train[c], m_test[c]}) {
            QCPScatterStyle s = g->scatterStyle();
            s.setSize(on ? s.size() * 1.6 : s.size() / 1.6);
            g->setScatterStyle(s);
        }
    replot();
}

} // namespace alig::ui
