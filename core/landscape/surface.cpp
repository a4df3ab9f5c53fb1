#include "core/landscape/surface.h"

#include "core/util/error.h"

#include <torch/torch.h>

#include <cmath>

namespace alig::core {

namespace {

constexpr double kPi = 3.14159265358979323846;

torch::Tensor point(double x, double y, bool grad = false) {
    return torch::tensor({x, y}, torch::TensorOptions().dtype(torch::kFloat64))
        .requires_grad_(grad);
}

// f(x, y) = 0.5 (x^2 + 20 y^2): condition number 20, so plain gradient descent zig-zags.
class Quadratic : public Surface {
public:
    std::string name() const override { return "quadratic"; }
    std::string title() const override { return "Ill-conditioned quadratic"; }
    std::string description() const override {
        return "f = (x² + 20 y²) / 2. Curvature 20 times larger along y than along x: a fixed "
               "learning rate small enough for y crawls along x. The Polyak step adapts.";
    }
    SurfaceBounds bounds() const override { return {-3.0, 3.0, -2.0, 2.0}; }
    std::array<double, 2> defaultStart() const override { return {-2.5, 1.5}; }
    std::vector<std::array<double, 2>> minima() const override { return {{0.0, 0.0}}; }
    double minimumValue() const override { return 0.0; }
    torch::Tensor loss(const torch::Tensor& w) const override {
        return 0.5 * (w[0] * w[0] + 20.0 * w[1] * w[1]);
    }
};

// Rosenbrock (1960): (1 - x)^2 + 100 (y - x^2)^2, a curved narrow valley.
class Rosenbrock : public Surface {
public:
    std::string name() const override { return "rosenbrock"; }
    std::string title() const override { return "Rosenbrock"; }
    std::string description() const override {
        return "f = (1 − x)² + 100 (y − x²)². A long curved valley: finding it is easy, "
               "following it to the minimum at (1, 1) is slow.";
    }
    SurfaceBounds bounds() const override { return {-2.0, 2.0, -1.0, 3.0}; }
    std::array<double, 2> defaultStart() const override { return {-1.5, 2.0}; }
    std::vector<std::array<double, 2>> minima() const override { return {{1.0, 1.0}}; }
    double minimumValue() const override { return 0.0; }
    torch::Tensor loss(const torch::Tensor& w) const override {
        const auto x = w[0], y = w[1];
        return (1.0 - x).pow(2) + 100.0 * (y - x * x).pow(2);
    }
};

// Beale: (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2.
class Beale : public Surface {
public:
    std::string name() const override { return "beale"; }
    std::string title() const override { return "Beale"; }
    std::string description() const override {
        return "f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)². Flat plateaus "
               "and steep walls; the minimum is 0 at (3, 0.5).";
    }
    SurfaceBounds bounds() const override { return {-4.5, 4.5, -4.5, 4.5}; }
    std::array<double, 2> defaultStart() const override { return {1.0, 1.5}; }
    std::vector<std::array<double, 2>> minima() const override { return {{3.0, 0.5}}; }
    double minimumValue() const override { return 0.0; }
    torch::Tensor loss(const torch::Tensor& w) const override {
        const auto x = w[0], y = w[1];
        return (1.5 - x + x * y).pow(2) + (2.25 - x + x * y * y).pow(2) +
               (2.625 - x + x * y * y * y).pow(2);
    }
};

// Himmelblau: (x^2 + y - 11)^2 + (x + y^2 - 7)^2, four minima of value 0.
class Himmelblau : public Surface {
public:
    std::string name() const override { return "himmelblau"; }
    std::string title() const override { return "Himmelblau"; }
    std::string description() const override {
        return "f = (x² + y − 11)² + (x + y² − 7)². Four minima, all of value 0: which one "
               "an optimizer reaches depends on where it starts.";
    }
    SurfaceBounds bounds() const override { return {-5.0, 5.0, -5.0, 5.0}; }
    std::array<double, 2> defaultStart() const override { return {-0.5, -0.5}; }
    std::vector<std::array<double, 2>> minima() const override {
        return {{3.0, 2.0},
                {-2.805118086952745, 3.131312518250573},
                {-3.779310253377747, -3.283185991286170},
                {3.584428340330492, -1.848126526964404}};
    }
    double minimumValue() const override { return 0.0; }
    torch::Tensor loss(const torch::Tensor& w) const override {
        const auto x = w[0], y = w[1];
        return (x * x + y - 11.0).pow(2) + (x + y * y - 7.0).pow(2);
    }
};

// Rastrigin: 20 + sum (x_i^2 - 10 cos(2 pi x_i)), a grid of local minima around the origin.
class Rastrigin : public Surface {
public:
    std::string name() const override { return "rastrigin"; }
    std::string title() const override { return "Rastrigin"; }
    std::string description() const override {
        return "f = 20 + x² − 10 cos 2πx + y² − 10 cos 2πy. A local minimum near every "
               "integer point; only (0, 0) reaches 0. Large steps jump between basins.";
    }
    SurfaceBounds bounds() const override { return {-5.12, 5.12, -5.12, 5.12}; }
    std::array<double, 2> defaultStart() const override { return {3.3, 2.6}; }
    std::vector<std::array<double, 2>> minima() const override { return {{0.0, 0.0}}; }
    double minimumValue() const override { return 0.0; }
    torch::Tensor loss(const torch::Tensor& w) const override {
        const auto x = w[0], y = w[1];
        return 20.0 + x * x - 10.0 * torch::cos(2.0 * kPi * x) + y * y -
               10.0 * torch::cos(2.0 * kPi * y);
    }
};

// Sample losses l_i(w) = (a_i . (w - w*))^2 / 2: every one is 0 at w* = (1, 0.5), so the
// problem interpolates and the Polyak step with optimal value 0 is exact for each sample.
class Interpolating : public Surface {
public:
    static constexpr double kA[4][2] = {{1.0, 0.3}, {0.2, 1.0}, {1.0, -1.0}, {-0.6, 1.2}};
    static constexpr double kStar[2] = {1.0, 0.5};
    std::string name() const override { return "interpolating"; }
    std::string title() const override { return "Stochastic, interpolating"; }
    std::string description() const override {
        return "The mean of 4 sample losses (aᵢ·(w − w*))²/2, one drawn per step. Every "
               "sample loss is 0 at w* = (1, 0.5): the problem interpolates, ALI-G's "
               "assumption holds and its steps converge without any decay.";
    }
    SurfaceBounds bounds() const override { return {-2.0, 3.0, -2.0, 2.5}; }
    std::array<double, 2> defaultStart() const override { return {-1.5, -1.5}; }
    std::vector<std::array<double, 2>> minima() const override { return {{1.0, 0.5}}; }
    double minimumValue() const override { return 0.0; }
    int64_t sampleCount() const override { return 4; }
    torch::Tensor sampleLoss(const torch::Tensor& w, int64_t i) const override {
        if (i < 0 || i >= 4) throw Error("sample " + std::to_string(i) + " out of range");
        const auto r = kA[i][0] * (w[0] - kStar[0]) + kA[i][1] * (w[1] - kStar[1]);
        return 0.5 * r * r;
    }
    torch::Tensor loss(const torch::Tensor& w) const override {
        torch::Tensor sum = sampleLoss(w, 0);
        for (int64_t i = 1; i < 4; ++i)
            sum = sum + sampleLoss(w, i);
        return sum / 4.0;
    }
};

// Sample losses l_i(w) = ||w - c_i||^2 / 2 with distinct centres: the total's minimum is at
// the centres' mean with a value above 0, so no point makes every sample loss 0.
class NonInterpolating : public Surface {
public:
    static constexpr double kC[4][2] = {{-1.5, -1.0}, {1.5, -0.5}, {0.0, 1.5}, {0.5, -1.5}};
    std::string name() const override { return "non-interpolating"; }
    std::string title() const override { return "Stochastic, not interpolating"; }
    std::string description() const override {
        return "The mean of 4 sample losses ‖w − cᵢ‖²/2 with different centres cᵢ, one drawn "
               "per step. No point zeroes them all (the minimum of the mean is 1.23 at "
               "(0.125, −0.375)): ALI-G keeps jumping towards each sample's own minimum "
               "unless max_lr is small.";
    }
    SurfaceBounds bounds() const override { return {-2.5, 2.5, -2.5, 2.5}; }
    std::array<double, 2> defaultStart() const override { return {2.0, 2.0}; }
    std::vector<std::array<double, 2>> minima() const override { return {{0.125, -0.375}}; }
    double minimumValue() const override {
        // mean_i ||c_i - c_mean||^2 / 2, computed from the centres.
        double s = 0.0;
        for (const auto& c : kC)
            s += 0.5 * ((c[0] - 0.125) * (c[0] - 0.125) + (c[1] + 0.375) * (c[1] + 0.375));
        return s / 4.0;
    }
    int64_t sampleCount() const override { return 4; }
    torch::Tensor sampleLoss(const torch::Tensor& w, int64_t i) const override {
        if (i < 0 || i >= 4) throw Error("sample " + std::to_string(i) + " out of range");
        return 0.5 * ((w[0] - kC[i][0]).pow(2) + (w[1] - kC[i][1]).pow(2));
    }
    torch::Tensor loss(const torch::Tensor& w) const override {
        torch::Tensor sum = sampleLoss(w, 0);
        for (int64_t i = 1; i < 4; ++i)
            sum = sum + sampleLoss(w, i);
        return sum / 4.0;
    }
};

} // namespace

torch::Tensor Surface::sampleLoss(const torch::Tensor&, int64_t) const {
    throw Error(name() + " has no sample losses");
}

double Surface::value(double x, double y) const {
    torch::NoGradGuard noGrad;
    return loss(point(x, y)).item<double>();
}

double Surface::sampleValue(double x, double y, int64_t i) const {
    torch::NoGradGuard noGrad;
    return sampleLoss(point(x, y), i).item<double>();
}

std::array<double, 2> Surface::gradient(double x, double y) const {
    torch::Tensor w = point(x, y, true);
    const torch::Tensor g = torch::autograd::grad({loss(w)}, {w})[0];
    return {g[0].item<double>(), g[1].item<double>()};
}

std::vector<double> Surface::grid(int nx, int ny) const {
    // One batched evaluation: the formulas index w[0] and w[1], which broadcast over a
    // [2, n] tensor just as over a point.
    torch::NoGradGuard noGrad;
    const SurfaceBounds b = bounds();
    const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
    const auto xs = torch::linspace(b.xMin, b.xMax, nx, opts);
    const auto ys = torch::linspace(b.yMin, b.yMax, ny, opts);
    const auto mesh = torch::meshgrid({ys, xs}, "ij");
    const auto w = torch::stack({mesh[1].reshape({-1}), mesh[0].reshape({-1})});
    const torch::Tensor v = loss(w).contiguous();
    return std::vector<double>(v.data_ptr<double>(), v.data_ptr<double>() + v.numel());
}

const std::vector<std::string>& surfaceNames() {
    static const std::vector<std::string> names = {
        "quadratic",     "rosenbrock",       "beale", "himmelblau", "rastrigin",
        "interpolating", "non-interpolating"};
    return names;
}

std::unique_ptr<Surface> Surface::make(const std::string& name) {
    if (name == "quadratic") return std::make_unique<Quadratic>();
    if (name == "rosenbrock") return std::make_unique<Rosenbrock>();
    if (name == "beale") return std::make_unique<Beale>();
    if (name == "himmelblau") return std::make_unique<Himmelblau>();
    if (name == "rastrigin") return std::make_unique<Rastrigin>();
    if (name == "interpolating") return std::make_unique<Interpolating>();
    if (name == "non-interpolating") return std::make_unique<NonInterpolating>();
    std::string known;
    for (const auto& n : surfaceNames())
        known += (known.empty() ? "" : ", ") + n;
    throw Error("unknown surface \"" + name + "\" (known: " + known + ")");
}

} // namespace alig::core
