#pragma once
// The playground's live decision boundary. DecisionGridObserver runs on the training thread:
// a few times a second (after every step taken by hand) it evaluates the model on a grid over
// the data and on the points, copies the weights of a small network, and keeps the newest
// snapshot under a mutex. DecisionBoundaryPlot, on the UI thread, polls it and draws a colour
// map with the training and test points on top; hovering reads P(class) and a point's loss.
// The trainer never waits on the UI.

#include "core/train/training_observer.h"
#include "ui/plots/qcustomplot_include.h"

#include <torch/types.h>

#include <QString>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace alig::core {
struct Dataset;
class Model;
class RunSession;
class Trainer;
} // namespace alig::core

namespace alig::ui {

// The most classes the playground draws (its palette); spirals and blobs go up to it.
constexpr int kPlaygroundMaxClasses = 6;
// The class colours: the Okabe-Ito palette, safe for colour-blind eyes.
QColor playgroundClassColor(int64_t c);

// One weight matrix of the network, [out, in] row-major, for the network graph.
struct LayerWeights {
    int64_t out = 0, in = 0;
    std::vector<float> w;
};

// A grid of class probabilities over a 2-D dataset's points, and what the model says at the
// points themselves.
struct DecisionSnapshot {
    int nx = 0, ny = 0, classes = 2;
    double xMin = 0, xMax = 1, yMin = 0, yMax = 1;
    std::vector<float> probability;       // [ny][nx][classes], y outer: P(class c) per grid point
    std::vector<float> trainOwn, testOwn; // P(own label) per training and test point
    std::vector<LayerWeights> layers;     // input to output; empty when not a small MLP
    int64_t step = 0;
    int version = 0; // grows with every new grid
    // P(class c) at the grid cell nearest (x, y).
    float probabilityAt(double x, double y, int c) const;
};

struct PlaygroundPoints {
    std::vector<float> trainX, trainY, testX, testY; // first and second coordinate
    std::vector<int64_t> trainLabel, testLabel;
    int classes = 2;
    std::vector<std::string> classNames;
};

// The points of a 2-D dataset as the playground draws them, and the square grid frame around
// them (a margin of a tenth) that its snapshots use: the same before and during training.
PlaygroundPoints playgroundPoints(const core::Dataset& dataset);
DecisionSnapshot playgroundFrame(const core::Dataset& dataset, int gridSize);

class DecisionGridObserver : public core::TrainingObserver {
public:
    // Captures the session's model and data; call on the training thread (a session hook).
    DecisionGridObserver(core::RunSession& session, int gridSize = 90, int intervalMs = 120);

    void onRunStart(const core::RunStartInfo& info) override;
    void onSteps(const std::vector<core::StepMetrics>& steps) override;
    void onEpoch(const core::EpochMetrics& epoch) override;
    void onRunEnd(const core::RunResult& result) override;

    // A copy of the newest grid, when it is newer than `version`; false otherwise.
    bool takeIfNewer(int version, DecisionSnapshot& out) const;
    PlaygroundPoints points() const;
    // The newest step the trainer reported (any thread).
    int64_t stepsSeen() const { return m_stepsSeen.load(); }

private:
    void compute(int64_t step);

    core::Model& m_model;
    const core::Trainer& m_trainer;
    torch::Tensor m_grid;            // [nx * ny, 2] on the model's device
    torch::Tensor m_trainX, m_testX; // the points, on the model's device
    torch::Tensor m_trainY, m_testY;
    std::atomic<int64_t> m_stepsSeen{0};
    DecisionSnapshot m_meta;
    PlaygroundPoints m_points;
    int m_intervalMs;
    int64_t m_lastStep = 0;
    std::chrono::steady_clock::time_point m_last;
    mutable std::mutex m_mutex;
    DecisionSnapshot m_snapshot; // guarded by m_mutex
};

class DecisionBoundaryPlot : public QCustomPlot {
    Q_OBJECT

public:
    explicit DecisionBoundaryPlot(QWidget* parent = nullptr);

    // The points (and the axes around them, until a grid sets them) and the frame of the
    // grids to come.
    void setPoints(const PlaygroundPoints& points);
    void setSnapshot(const DecisionSnapshot& snapshot);
    void clearAll();
    void setPresentation(bool on);
    void setCaption(const QString& text);
    int snapshotVersion() const { return m_version; }
    // The step of the grid on screen (-1: none yet).
    int64_t snapshotStep() const { return m_step; }
    // Grid updates drawn so far (tests check that it refreshes while training).
    int updates() const { return m_updates; }
    // Two classes: the map holds P(class 1); more: (argmax + confidence) / classes, drawn in
    // the winning class's colour, fading to white where the model is unsure.
    QCPColorMap* colorMap() const { return m_map; }
    const DecisionSnapshot& snapshot() const { return m_snapshot; }
    const PlaygroundPoints& points() const { return m_points; }
    int pointCount() const;

    // What the model says at (x, y) in data coordinates: a point within `radiusPx` pixels
    // and its loss -log P(own class), or else P(class) for every class ("" before a grid).
    QString describeAt(double x, double y, double radiusPx = 6.0) const;
    // The text the mouse shows now ("" when it is off the plot).
    QString hoverText() const;

protected:
    void mouseMoveEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    void setClasses(int classes);
    void showHover(const QPointF& pixel);

    QCPColorMap* m_map = nullptr;
    QCPGraph* m_train[kPlaygroundMaxClasses] = {};
    QCPGraph* m_test[kPlaygroundMaxClasses] = {};
    QCPTextElement* m_title = nullptr;
    QCPItemText* m_hover = nullptr;
    DecisionSnapshot m_snapshot;
    PlaygroundPoints m_points;
    int m_classes = 0;
    int m_version = -1;
    int64_t m_step = -1;
    int m_updates = 0;
    bool m_presentation = false;
};

} // namespace alig::ui
