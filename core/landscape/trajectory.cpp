#include "core/landscape/trajectory.h"

#include "core/optim/optimizer_catalogue.h"
#include "core/util/error.h"

#include <torch/torch.h>

#include <cmath>

namespace alig::core {

Trajectory::Trajectory(const Surface& surface, const OptimizerConfig& optimizer, double x0,
                       double y0, uint64_t seed)
    : m_surface(surface)
    , m_config(optimizer)
    , m_rng(seed) {
    validateOptimizerConfig(m_config);
    m_w =
        torch::tensor({x0, y0}, torch::TensorOptions().dtype(torch::kFloat64)).requires_grad_(true);
    m_optimizer = makeOptimizer(m_config, {m_w});
    TrajectoryPoint start;
    // ALI-G projects at construction when a radius is set: start where it put the point.
    start.x = m_w[0].item<double>();
    start.y = m_w[1].item<double>();
    start.loss = m_surface.value(start.x, start.y);
    m_points.push_back(start);
}

Trajectory::~Trajectory() = default;

bool Trajectory::step() {
    if (m_diverged) return false;
    TrajectoryPoint p;
    p.step = static_cast<int64_t>(m_points.size());
    const int64_t samples = m_surface.sampleCount();
    if (samples > 0)
        p.sample =
            static_cast<int64_t>(std::uniform_int_distribution<int64_t>(0, samples - 1)(m_rng));

    m_optimizer->zero_grad();
    const torch::Tensor loss =
        p.sample >= 0 ? m_surface.sampleLoss(m_w, p.sample) : m_surface.loss(m_w);
    loss.backward();
    p.batchLoss = loss.item<double>();
    p.gradNorm = m_w.grad().norm().item<double>();
    const double lr = m_optimizer->param_groups().front().options().get_lr();
    const torch::Tensor detached = loss.detach();
    m_optimizer->step([&] { return detached; });

    const StepReadout readout(*m_optimizer);
    const StepReport r = readout.last();
    p.stepSize = r.stepSize.defined() ? r.stepSize.item<double>() : lr;
    // The Polyak ratio and the clip, for the methods that report them (ALI-G).
    const StepQuantities& reports = optimizerEntry(m_config.name).reports;
    if (reports.polyakRatio && r.unclipped.defined()) p.polyak = r.unclipped.item<double>();
    if (reports.clip && r.clipped.defined()) p.clipped = r.clipped.item<bool>();
    p.x = m_w[0].item<double>();
    p.y = m_w[1].item<double>();
    p.loss = m_surface.value(p.x, p.y);
    m_points.push_back(p);
    if (!std::isfinite(p.loss) || !std::isfinite(p.x) || !std::isfinite(p.y) ||
        std::abs(p.x) > 1e6 || std::abs(p.y) > 1e6)
        m_diverged = true;
    return true;
}

void Trajectory::runTo(int64_t count) {
    while (static_cast<int64_t>(m_points.size()) - 1 < count && step()) {
    }
}

} // namespace alig::core
