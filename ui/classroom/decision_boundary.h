#pragma once
// The playground's live decision boundary. DecisionGridObserver runs on the training thread:
// a few times a second it evaluates the model on a grid over the data and keeps the newest
// probabilities under a mutex. DecisionBoundaryPlot, on the UI thread, polls it and draws
// a colour map with the training and test points on top. The trainer never waits on the UI.

#include "core/train/training_observer.h"
#include "ui/plots/qcustomplot_include.h"

#include <torch/types.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

namespace alig::core {
class Model;
class RunSession;
class Trainer;
} // namespace alig::core

namespace alig::ui {

// Points of a 2-D, two-class dataset, and a grid of P(class 1) over them.
struct DecisionSnapshot {
    int nx = 0, ny = 0;
    double xMin = 0, xMax = 1, yMin = 0, yMax = 1;
    std::vector<float> probability; // row-major, y outer: P(class 1) per grid point
    int64_t step = 0;
    int version = 0; // grows with every new grid
};

struct PlaygroundPoints {
    std::vector<float> trainX, trainY, testX, testY; // first and second coordinate
    std::vector<int64_t> trainLabel, testLabel;
};

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

private:
    void compute(int64_t step);

    core::Model& m_model;
    const core::Trainer& m_trainer;
    torch::Tensor m_grid; // [nx * ny, 2] on the model's device
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
    QCPColorMap* colorMap() const { return m_map; }

private:
    QCPColorMap* m_map = nullptr;
    QCPGraph *m_train[2] = {nullptr, nullptr}, *m_test[2] = {nullptr, nullptr};
    QCPTextElement* m_title = nullptr;
    int m_version = -1;
    int64_t m_step = -1;
    int m_updates = 0;
    bool m_presentation = false;
};

} // namespace alig::ui
