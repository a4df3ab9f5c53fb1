#include "ui/classroom/network_graph.h"

#include "ui/plots/presentation.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace alig::ui {

namespace {

// TF Playground's colours for the sign of a weight, here the Okabe-Ito orange and blue.
const QColor kPositive(230, 159, 0);
const QColor kNegative(0, 114, 178);
constexpr double kMinEdge = 0.3, kMaxEdge = 5.0;

} // namespace

NetworkGraph::NetworkGraph(QWidget* parent)
    : QWidget(parent) {
    setObjectName("NetworkGraph");
    setToolTip(tr("The network's weights: one edge per weight, thicker for a larger |w|, "
                  "orange for positive and blue for negative"));
}

void NetworkGraph::setLayers(std::vector<LayerWeights> layers, const QString& why) {
    m_layers = std::move(layers);
    m_why = why;
    m_maxAbs = 0.0f;
    for (const LayerWeights& l : m_layers)
        for (float w : l.w)
            m_maxAbs = std::max(m_maxAbs, std::abs(w));
    if (!(m_maxAbs > 0.0f)) m_maxAbs = 1.0f;
    update();
}

double NetworkGraph::edgeWidth(int layer, int out, int in) const {
    if (layer < 0 || layer >= static_cast<int>(m_layers.size())) return 0.0;
    const LayerWeights& l = m_layers[static_cast<size_t>(layer)];
    if (out < 0 || out >= l.out || in < 0 || in >= l.in) return 0.0;
    const double w = std::abs(l.w[static_cast<size_t>(out) * l.in + in]) / m_maxAbs;
    return (kMinEdge + (kMaxEdge - kMinEdge) * w) * (m_presentation ? 1.5 : 1.0);
}

void NetworkGraph::setPresentation(bool on) {
    m_presentation = on;
    update();
}

void NetworkGraph::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette().base());
    QFont f = font();
    if (m_presentation) f.setPointSizeF(f.pointSizeF() * kPresentationFontScale);
    p.setFont(f);
    const QFontMetrics fm(f);
    if (m_layers.empty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect().adjusted(8, 8, -8, -8), Qt::AlignCenter | Qt::TextWordWrap,
                   m_why.isEmpty() ? tr("The network appears here once it is built.") : m_why);
        return;
    }
    // Columns: the inputs, then each layer's outputs.
    std::vector<int64_t> widths{m_layers.front().in};
    for (const LayerWeights& l : m_layers)
        widths.push_back(l.out);
    const int columns = static_cast<int>(widths.size());
    const int top = fm.height() + 6, bottom = height() - 6;
    const int left = 18 + fm.horizontalAdvance("x₂"), right = width() - 18;
    const double radius =
        std::clamp((bottom - top) / (2.6 * kMaxNodes), 3.0, 9.0) * (m_presentation ? 1.3 : 1.0);
    auto drawn = [](int64_t w) { return static_cast<int>(std::min<int64_t>(w, kMaxNodes)); };
    auto node = [&](int column, int i) {
        const int n = drawn(widths[static_cast<size_t>(column)]);
        const double x =
            columns == 1 ? 0.5 * (left + right) : left + (right - left) * column / (columns - 1.0);
        const double y = top + (bottom - top) * (i + 0.5) / n;
        return QPointF(x, y);
    };
    for (int l = 0; l < static_cast<int>(m_layers.size()); ++l) {
        const LayerWeights& layer = m_layers[static_cast<size_t>(l)];
        for (int o = 0; o < drawn(layer.out); ++o)
            for (int i = 0; i < drawn(layer.in); ++i) {
                const float w = layer.w[static_cast<size_t>(o) * layer.in + i];
                QColor c = w >= 0 ? kPositive : kNegative;
                c.setAlphaF(0.35 + 0.65 * std::min(1.0f, std::abs(w) / m_maxAbs));
                p.setPen(QPen(c, edgeWidth(l, o, i), Qt::SolidLine, Qt::RoundCap));
                p.drawLine(node(l, i), node(l + 1, o));
            }
    }
    // The columns' labels: whole ("12 of 32", "2 classes"), brief ("12/32", "2") where those
    // would run into each other (a narrow graph, presentation mode's larger text), briefest
    // ("32") where even those would.
    auto columnLabels = [&](int brevity) {
        std::vector<QString> labels;
        for (int column = 0; column < columns; ++column) {
            const int64_t w = widths[static_cast<size_t>(column)];
            if (column == 0)
                labels.push_back(brevity > 0 ? tr("in") : tr("input"));
            else if (column == columns - 1)
                labels.push_back(brevity > 0 ? QString::number(w) : tr("%1 classes").arg(w));
            else if (w > kMaxNodes && brevity < 2)
                labels.push_back(brevity > 0 ? QStringLiteral("%1/%2").arg(kMaxNodes).arg(w)
                                             : tr("%1 of %2").arg(kMaxNodes).arg(w));
            else
                labels.push_back(QString::number(w));
        }
        return labels;
    };
    // Each label centred over its column, but inside the widget at both ends: its left edge.
    auto labelLeft = [&](int column, const QString& label) {
        const double half = 0.5 * fm.horizontalAdvance(label) + 2;
        return std::clamp(node(column, 0).x() - half, 0.0, std::max(0.0, width() - 2 * half));
    };
    // Brief where two neighbours, where they really are (the end ones pushed inward), would
    // come closer than a space.
    auto collide = [&](const std::vector<QString>& labels) {
        for (int column = 1; column < columns; ++column) {
            const QString& before = labels[static_cast<size_t>(column - 1)];
            const double end = labelLeft(column - 1, before) + fm.horizontalAdvance(before) + 4;
            if (end + fm.horizontalAdvance(QLatin1Char(' ')) >
                labelLeft(column, labels[static_cast<size_t>(column)]))
                return true;
        }
        return false;
    };
    std::vector<QString> labels = columnLabels(0);
    for (int brevity = 1; brevity <= 2 && collide(labels); ++brevity)
        labels = columnLabels(brevity);
    m_drawnLabels.clear();
    for (int column = 0; column < columns; ++column) {
        const bool output = column == columns - 1;
        for (int i = 0; i < drawn(widths[static_cast<size_t>(column)]); ++i) {
            const QPointF c = node(column, i);
            p.setPen(QPen(palette().color(QPalette::Text), 1.0));
            p.setBrush(output ? playgroundClassColor(i) : palette().color(QPalette::Base));
            p.drawEllipse(c, radius, radius);
            if (column == 0) {
                p.setPen(palette().color(QPalette::Text));
                p.drawText(QRectF(0, c.y() - fm.height(), c.x() - radius - 3, 2 * fm.height()),
                           Qt::AlignRight | Qt::AlignVCenter, i == 0 ? "x₁" : "x₂");
            }
        }
        // Above each column: its width, and how many of its neurons are drawn.
        const QString label = labels[static_cast<size_t>(column)];
        p.setPen(palette().color(QPalette::Text));
        const QRectF at(labelLeft(column, label), 0, fm.horizontalAdvance(label) + 4, top);
        p.drawText(at, Qt::AlignHCenter | Qt::AlignTop, label);
        m_drawnLabels.emplace_back(label, at);
    }
}

} // namespace alig::ui
