#pragma once
// 2-D loss surfaces for teaching: analytic test functions (an ill-conditioned quadratic,
// Rosenbrock, Beale, Himmelblau, Rastrigin) and two stochastic problems made of sample
// losses, one that interpolates (every sample loss is 0 at one point) and one that does
// not. The loss-surface tab draws them and Trajectory runs our optimizers on them.

#include <torch/types.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace alig::core {

struct SurfaceBounds {
    double xMin = -1.0, xMax = 1.0, yMin = -1.0, yMax = 1.0;
};

class Surface {
public:
    virtual ~Surface() = default;

    // Builds a surface by its key (see surfaceNames()); throws alig::core::Error when unknown.
    static std::unique_ptr<Surface> make(const std::string& name);

    virtual std::string name() const = 0;  // the key, e.g. "rosenbrock"
    virtual std::string title() const = 0; // for people, e.g. "Rosenbrock"
    // One or two sentences for the window: what the surface shows about an optimizer.
    virtual std::string description() const = 0;
    virtual SurfaceBounds bounds() const = 0;
    virtual std::array<double, 2> defaultStart() const = 0;
    // The global minimisers and the minimum value of the total loss.
    virtual std::vector<std::array<double, 2>> minima() const = 0;
    virtual double minimumValue() const = 0;

    // The total loss at w, a float64 tensor of 2 elements; differentiable (autograd).
    virtual torch::Tensor loss(const torch::Tensor& w) const = 0;
    // Stochastic problems: the number of sample losses (the total is their mean); 0 for
    // the deterministic ones.
    virtual int64_t sampleCount() const { return 0; }
    // Sample loss i at w (stochastic problems only).
    virtual torch::Tensor sampleLoss(const torch::Tensor& w, int64_t i) const;

    // Host conveniences in float64.
    double value(double x, double y) const;
    double sampleValue(double x, double y, int64_t i) const;
    // The gradient of the total loss, by autograd.
    std::array<double, 2> gradient(double x, double y) const;
    // Values on a grid of nx by ny points spanning bounds() (row-major: y outer, x inner).
    std::vector<double> grid(int nx, int ny) const;
};

// The keys Surface::make() accepts, in the order the window lists them.
const std::vector<std::string>& surfaceNames();

} // namespace alig::core
