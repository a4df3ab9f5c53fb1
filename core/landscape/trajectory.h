#pragma once
// An optimizer's path on a 2-D Surface: our real optimizers (makeOptimizer) on a 2-element
// float64 parameter whose loss is the surface, one step at a time. On a stochastic surface
// each step draws one sample loss from a seeded generator. The loss-surface tab draws and
// tabulates the paths; the tests check them against hand computation.

#include "core/landscape/surface.h"
#include "core/optim/optimizer_factory.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <vector>

namespace torch::optim {
class Optimizer;
}

namespace alig::core {

struct TrajectoryPoint {
    int64_t step = 0; // 0: the start point
    double x = 0.0, y = 0.0;
    double loss = 0.0; // the total loss at (x, y)
    // The step that led here (NaN at the start point):
    double batchLoss = std::numeric_limits<double>::quiet_NaN(); // the loss it was computed from
    int64_t sample = -1; // the sample loss drawn (-1: the total loss)
    double gradNorm = std::numeric_limits<double>::quiet_NaN();
    double stepSize = std::numeric_limits<double>::quiet_NaN(); // taken (or the method's lr)
    double polyak = std::numeric_limits<double>::quiet_NaN();   // ALI-G: loss / (||g||^2 + eps)
    bool clipped = false;                                       // ALI-G: cut to max_lr
};

class Trajectory {
public:
    // Throws alig::core::Error for an invalid optimizer config. The surface must outlive it.
    Trajectory(const Surface& surface, const OptimizerConfig& optimizer, double x0, double y0,
               uint64_t seed = 0);
    ~Trajectory();

    // One optimizer step. Returns false (and takes none) once the path has diverged: a
    // non-finite loss, or a point beyond 1e6.
    bool step();
    // Steps until `count` steps are done in all, or divergence.
    void runTo(int64_t count);

    const std::vector<TrajectoryPoint>& points() const { return m_points; }
    const OptimizerConfig& optimizer() const { return m_config; }
    bool diverged() const { return m_diverged; }

private:
    const Surface& m_surface;
    OptimizerConfig m_config;
    torch::Tensor m_w;
    std::unique_ptr<torch::optim::Optimizer> m_optimizer;
    std::mt19937_64 m_rng;
    std::vector<TrajectoryPoint> m_points;
    bool m_diverged = false;
};

} // namespace alig::core
