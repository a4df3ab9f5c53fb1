#pragma once
// The Playground's network drawn as TensorFlow Playground draws it: the two inputs, each
// hidden layer's neurons and the class outputs as columns of nodes, every weight an edge
// whose thickness grows with |w| and whose colour says its sign (orange positive, blue
// negative). It redraws from each decision-boundary snapshot, so it moves while training.

#include "ui/classroom/decision_boundary.h"

#include <QRectF>
#include <QWidget>

#include <utility>
#include <vector>

namespace alig::ui {

class NetworkGraph : public QWidget {
    Q_OBJECT

public:
    explicit NetworkGraph(QWidget* parent = nullptr);

    // The weights to draw, input to output (empty: nothing to draw, with `why` in its place).
    void setLayers(std::vector<LayerWeights> layers, const QString& why = {});
    const std::vector<LayerWeights>& layers() const { return m_layers; }
    // The drawn pen width of the edge from neuron `in` of layer `layer`'s input to its
    // neuron `out` (tests: thicker for a larger |w|).
    double edgeWidth(int layer, int out, int in) const;
    // The column labels of the last paint and where they were drawn (tests: never overlapping).
    const std::vector<std::pair<QString, QRectF>>& drawnLabels() const { return m_drawnLabels; }
    // At most this many nodes are drawn per column; wider layers show their first ones.
    static constexpr int kMaxNodes = 12;

    void setPresentation(bool on);
    QSize sizeHint() const override { return {320, 200}; }
    QSize minimumSizeHint() const override { return {160, 110}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    std::vector<LayerWeights> m_layers;
    QString m_why;
    float m_maxAbs = 1.0f;
    bool m_presentation = false;
    std::vector<std::pair<QString, QRectF>> m_drawnLabels;
};

} // namespace alig::ui
