// ALI-G against an independent implementation of docs/alig.md written here with plain
// doubles: same problem, same steps, every parameter, step size and flag compared.

#include "common/test_support.h"
#include "core/optim/alig.h"
#include "core/optim/optimizer_factory.h"
#include "core/util/error.h"
#include "optim/least_squares.h"

#include <QtTest/QtTest>
#include <torch/torch.h>

#include <cmath>
#include <optional>
#include <vector>

using namespace alig::core;
using Vec = std::vector<double>;

Q_DECLARE_METATYPE(std::vector<double>)

namespace {

using alig::test::kA;
using alig::test::kY;
using alig::test::lsLossTorch;
using alig::test::tensorOf;

// The least-squares problem 0.5 * mean_i (a_i . w + b - y_i)^2 with w in R^3, b in R.

double lsLoss(const Vec& w, double b, Vec* gw, double* gb) {
    double loss = 0.0;
    if (gw) *gw = Vec(3, 0.0);
    if (gb) *gb = 0.0;
    const double n = static_cast<double>(kY.size());
    for (size_t i = 0; i < kY.size(); ++i) {
        double r = b - kY[i];
        for (int j = 0; j < 3; ++j)
            r += kA[i][j] * w[j];
        loss += 0.5 * r * r / n;
        if (gw)
            for (int j = 0; j < 3; ++j)
                (*gw)[j] += r * kA[i][j] / n;
        if (gb) *gb += r / n;
    }
    return loss;
}

// The reference's step, written from docs/alig.md, on parameters held as plain vectors.
struct RefParam {
    Vec w;
    Vec v; // momentum buffer
    int group = 0;
    bool hasGrad = true;
};
struct RefResult {
    double unclipped, step;
    bool clipped;
};

RefResult refStep(std::vector<RefParam>& params, const std::vector<Vec>& grads, double loss,
                  const std::vector<std::optional<double>>& maxLr, const Vec& momentum,
                  bool adjusted, std::optional<double> radius, bool clipAtZero, double eps = 1e-5) {
    double gsq = 0.0;
    for (size_t k = 0; k < params.size(); ++k)
        if (params[k].hasGrad)
            for (double g : grads[k])
                gsq += g * g;
    RefResult r{loss / (gsq + eps), 0.0, false};
    Vec steps(maxLr.size());
    for (size_t g = 0; g < maxLr.size(); ++g) {
        steps[g] = maxLr[g] ? std::min(r.unclipped, *maxLr[g]) : r.unclipped;
        if (maxLr[g] && r.unclipped > *maxLr[g]) r.clipped = true;
        if (clipAtZero) steps[g] = std::max(steps[g], 0.0);
        r.step += steps[g] / static_cast<double>(maxLr.size());
    }
    for (size_t k = 0; k < params.size(); ++k) {
        auto& p = params[k];
        if (!p.hasGrad) continue;
        const double s = steps[p.group], mu = momentum[p.group];
        if (p.v.empty()) p.v = Vec(p.w.size(), 0.0);
        for (size_t i = 0; i < p.w.size(); ++i) {
            const double g = grads[k][i];
            p.w[i] -= s * g;
            if (mu > 0) {
                if (!adjusted) {
                    p.v[i] = mu * p.v[i] - s * g;
                    p.w[i] += mu * p.v[i];
                } else {
                    p.v[i] = mu * p.v[i] - g;
                    p.w[i] += s * mu * p.v[i];
                }
            }
        }
    }
    if (radius) {
        double nsq = 0.0;
        for (auto& p : params)
            for (double x : p.w)
                nsq += x * x;
        const double norm = std::sqrt(nsq);
        if (norm > *radius)
            for (auto& p : params)
                for (double& x : p.w)
                    x *= *radius / norm;
    }
    return r;
}

void compareTensor(const torch::Tensor& t, const Vec& expected, double rtol) {
    auto c = t.detach().contiguous();
    QCOMPARE(c.numel(), static_cast<int64_t>(expected.size()));
    for (size_t i = 0; i < expected.size(); ++i)
        ALIG_COMPARE_NEAR(c.data_ptr<double>()[i], expected[i], rtol);
}

std::optional<double> opt(double v) {
    return v > 0 ? std::optional<double>(v) : std::nullopt;
}

} // namespace

class TestAliGOptimizer : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void leastSquares_data();
    void leastSquares();
    void negativeLoss_data();
    void negativeLoss();
    void projection_data();
    void projection();
    void twoGroups();
    void parameterWithoutGradient();
    void saveLoadContinuesIdentically_data();
    void saveLoadContinuesIdentically();
    void invalidOptions_data();
    void invalidOptions();
    void factoryBuildsAliG();
    void fusedPathMatchesTensorPath_data();
    void fusedPathMatchesTensorPath();
};

void TestAliGOptimizer::leastSquares_data() {
    QTest::addColumn<double>("maxLr"); // <= 0: no max_lr
    QTest::addColumn<double>("momentum");
    QTest::addColumn<bool>("adjusted");
    QTest::addColumn<double>("radius"); // <= 0: no projection
    QTest::addColumn<int>("steps");
    QTest::addColumn<bool>("expectClipOnFirst");

    // The first step's unclipped value on this problem is about 0.17: 10 never clips, 0.01
    // always does. The expectations come from refStep above, never from AliG itself.
    QTest::newRow("no max_lr, no momentum") << 0.0 << 0.0 << false << 0.0 << 4 << false;
    QTest::newRow("max_lr not reached") << 10.0 << 0.0 << false << 0.0 << 4 << false;
    QTest::newRow("clipped at max_lr") << 0.01 << 0.0 << false << 0.0 << 4 << true;
    QTest::newRow("standard momentum") << 0.1 << 0.9 << false << 0.0 << 5 << true;
    QTest::newRow("adjusted momentum") << 0.1 << 0.9 << true << 0.0 << 5 << true;
    QTest::newRow("standard momentum, unclipped") << 10.0 << 0.5 << false << 0.0 << 5 << false;
    QTest::newRow("adjusted momentum, unclipped") << 10.0 << 0.5 << true << 0.0 << 5 << false;
    QTest::newRow("momentum and projection") << 1.0 << 0.9 << false << 1.5 << 5 << false;
}

void TestAliGOptimizer::leastSquares() {
    QFETCH(double, maxLr);
    QFETCH(double, momentum);
    QFETCH(bool, adjusted);
    QFETCH(double, radius);
    QFETCH(int, steps);
    QFETCH(bool, expectClipOnFirst);

    const Vec w0{0.3, -0.2, 0.1}, b0{0.05};
    auto w = tensorOf(w0).requires_grad_(true);
    auto b = tensorOf(b0).requires_grad_(true);
    AliGOptions options(opt(maxLr));
    options.momentum(momentum)
        .momentum_form(adjusted ? MomentumForm::Adjusted : MomentumForm::Standard)
        .projection_radius(opt(radius));
    AliG optimizer({w, b}, options);

    std::vector<RefParam> ref{{w0, {}, 0, true}, {b0, {}, 0, true}};
    if (radius > 0) // the reference projects at construction too
        refStep(ref, {Vec(3, 0.0), Vec(1, 0.0)}, 0.0, {std::nullopt}, {0.0}, false, radius, false);
    for (int s = 0; s < steps; ++s) {
        optimizer.zero_grad();
        auto loss = lsLossTorch(w, b);
        loss.backward();
        optimizer.step([&] { return loss.detach(); });

        Vec gw;
        double gb;
        const double refLoss = lsLoss(ref[0].w, ref[1].w[0], &gw, &gb);
        ALIG_COMPARE_NEAR(loss.item<double>(), refLoss, 1e-12);
        RefResult r = refStep(ref, {gw, {gb}}, refLoss, {opt(maxLr)}, {momentum}, adjusted,
                              opt(radius), false);
        ALIG_COMPARE_NEAR(optimizer.lastUnclippedStepSize(), r.unclipped, 1e-12);
        ALIG_COMPARE_NEAR(optimizer.lastStepSize(), r.step, 1e-12);
        ALIG_COMPARE_NEAR(optimizer.lastGradSquaredNorm(),
                          gw[0] * gw[0] + gw[1] * gw[1] + gw[2] * gw[2] + gb * gb, 1e-12);
        QCOMPARE(optimizer.lastClipped(), r.clipped);
        if (s == 0) QCOMPARE(r.clipped, expectClipOnFirst);
        compareTensor(w, ref[0].w, 1e-12);
        compareTensor(b, ref[1].w, 1e-12);
    }
    // The run must actually have learnt something: the loss went down.
    QVERIFY(lsLoss(ref[0].w, ref[1].w[0], nullptr, nullptr) < lsLoss(w0, b0[0], nullptr, nullptr));
}

void TestAliGOptimizer::negativeLoss_data() {
    QTest::addColumn<bool>("clipAtZero");
    QTest::newRow("reference: negative step") << false;
    QTest::newRow("clip_at_zero: no step") << true;
}

void TestAliGOptimizer::negativeLoss() {
    QFETCH(bool, clipAtZero);
    // f(w) = w . c - 10 is negative near the origin; its gradient is c.
    const Vec c{1.0, -2.0}, w0{0.5, 0.25};
    auto w = tensorOf(w0).requires_grad_(true);
    AliGOptions options(1.0);
    options.clip_at_zero(clipAtZero);
    AliG optimizer({w}, options);
    auto loss = (w * tensorOf(c)).sum() - 10.0;
    loss.backward();
    optimizer.step([&] { return loss.detach(); });

    const double l = 0.5 * 1.0 - 0.25 * 2.0 - 10.0; // -10
    const double unclipped = l / (1.0 + 4.0 + 1e-5);
    ALIG_COMPARE_NEAR(optimizer.lastUnclippedStepSize(), unclipped, 1e-12);
    const double step = clipAtZero ? 0.0 : unclipped;
    ALIG_COMPARE_NEAR(optimizer.lastStepSize(), step, 1e-12);
    QVERIFY(!optimizer.lastClipped());
    compareTensor(w, {w0[0] - step * c[0], w0[1] - step * c[1]}, 1e-12);
}

void TestAliGOptimizer::projection_data() {
    QTest::addColumn<double>("radius");
    // ||(3, 4)|| = 5 before the step; the step (loss 0 gives step 0) leaves w in place, so
    // only the projection acts.
    QTest::newRow("above the radius") << 2.5;
    QTest::newRow("at the radius") << 5.0;
    QTest::newRow("below the radius") << 10.0;
}

void TestAliGOptimizer::projection() {
    QFETCH(double, radius);
    const Vec w0{3.0, 4.0};
    auto w = tensorOf(w0).requires_grad_(true);
    AliGOptions options(1.0);
    options.projection_radius(radius);
    AliG optimizer({w}, options);
    const double scale = radius < 5.0 ? radius / 5.0 : 1.0;
    // At construction, as the reference does.
    compareTensor(w, {3.0 * scale, 4.0 * scale}, 1e-14);
    if (radius >= 5.0) // at or below: untouched, bit for bit
        QCOMPARE(w[0].item<double>(), 3.0);

    // Then after a real step: w moves to w - step g, and is pulled back onto the ball.
    const Vec wStart{w[0].item<double>(), w[1].item<double>()};
    auto loss = 0.5 * w.pow(2).sum();
    loss.backward();
    optimizer.step([&] { return loss.detach(); });
    const double l = 0.5 * (wStart[0] * wStart[0] + wStart[1] * wStart[1]);
    const double step = std::min(l / (2.0 * l + 1e-5), 1.0); // ||g||^2 = ||w||^2 = 2l
    Vec expected{wStart[0] * (1 - step), wStart[1] * (1 - step)};
    const double norm = std::hypot(expected[0], expected[1]);
    if (norm > radius) expected = {expected[0] * radius / norm, expected[1] * radius / norm};
    compareTensor(w, expected, 1e-12);
}

void TestAliGOptimizer::twoGroups() {
    // Two groups share one ||g||^2 but clip at their own max_lr.
    const Vec w0{0.3, -0.2, 0.1}, b0{0.05};
    auto w = tensorOf(w0).requires_grad_(true);
    auto b = tensorOf(b0).requires_grad_(true);
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(std::vector<torch::Tensor>{w}, std::make_unique<AliGOptions>(0.05));
    auto second = std::make_unique<AliGOptions>(10.0);
    second->momentum(0.5);
    groups.emplace_back(std::vector<torch::Tensor>{b}, std::move(second));
    AliG optimizer(std::move(groups), AliGOptions(1.0));

    std::vector<RefParam> ref{{w0, {}, 0, true}, {b0, {}, 1, true}};
    for (int s = 0; s < 3; ++s) {
        optimizer.zero_grad();
        auto loss = lsLossTorch(w, b);
        loss.backward();
        optimizer.step([&] { return loss.detach(); });
        Vec gw;
        double gb;
        const double refLoss = lsLoss(ref[0].w, ref[1].w[0], &gw, &gb);
        RefResult r =
            refStep(ref, {gw, {gb}}, refLoss, {0.05, 10.0}, {0.0, 0.5}, false, std::nullopt, false);
        ALIG_COMPARE_NEAR(optimizer.lastStepSize(), r.step, 1e-12); // mean over the groups
        QVERIFY(optimizer.lastClipped());
        compareTensor(w, ref[0].w, 1e-12);
        compareTensor(b, ref[1].w, 1e-12);
    }
}

void TestAliGOptimizer::parameterWithoutGradient() {
    const Vec w0{0.3, -0.2, 0.1}, b0{0.05}, frozen0{7.0, 8.0};
    auto w = tensorOf(w0).requires_grad_(true);
    auto b = tensorOf(b0).requires_grad_(true);
    auto frozen = tensorOf(frozen0).requires_grad_(true); // never used: grad stays undefined
    AliGOptions options(1.0);
    options.momentum(0.9);
    AliG optimizer({w, frozen, b}, options);
    std::vector<RefParam> ref{{w0, {}, 0, true}, {frozen0, {}, 0, false}, {b0, {}, 0, true}};
    for (int s = 0; s < 3; ++s) {
        optimizer.zero_grad();
        auto loss = lsLossTorch(w, b);
        loss.backward();
        optimizer.step([&] { return loss.detach(); });
        Vec gw;
        double gb;
        const double refLoss = lsLoss(ref[0].w, ref[2].w[0], &gw, &gb);
        RefResult r =
            refStep(ref, {gw, {}, {gb}}, refLoss, {1.0}, {0.9}, false, std::nullopt, false);
        ALIG_COMPARE_NEAR(optimizer.lastUnclippedStepSize(), r.unclipped, 1e-12);
        compareTensor(w, ref[0].w, 1e-12);
    }
    QVERIFY(!frozen.grad().defined());
    compareTensor(frozen, frozen0, 0.0);
}

void TestAliGOptimizer::saveLoadContinuesIdentically_data() {
    QTest::addColumn<bool>("adjusted");
    QTest::newRow("standard momentum") << false;
    QTest::newRow("adjusted momentum") << true;
}

void TestAliGOptimizer::saveLoadContinuesIdentically() {
    QFETCH(bool, adjusted);
    const Vec w0{0.3, -0.2, 0.1}, b0{0.05};
    AliGOptions options(0.1);
    options.momentum(0.9).momentum_form(adjusted ? MomentumForm::Adjusted : MomentumForm::Standard);
    auto run = [&](AliG& opt, torch::Tensor& w, torch::Tensor& b, int steps) {
        for (int s = 0; s < steps; ++s) {
            opt.zero_grad();
            auto loss = lsLossTorch(w, b);
            loss.backward();
            opt.step([&] { return loss.detach(); });
        }
    };
    // Uninterrupted: 6 steps.
    auto w = tensorOf(w0).requires_grad_(true), b = tensorOf(b0).requires_grad_(true);
    AliG straight({w, b}, options);
    run(straight, w, b, 6);

    // Interrupted after 3: save weights and optimizer, rebuild everything, load, go on.
    auto w1 = tensorOf(w0).requires_grad_(true), b1 = tensorOf(b0).requires_grad_(true);
    AliG first({w1, b1}, options);
    run(first, w1, b1, 3);
    const std::string path = alig::test::scratchDir("saveload") + "/alig.pt";
    torch::save(first, path);
    auto w2 = w1.detach().clone().requires_grad_(true);
    auto b2 = b1.detach().clone().requires_grad_(true);
    AliG resumed({w2, b2}, AliGOptions(5.0)); // options come back from the file
    torch::load(resumed, path);
    QCOMPARE(*resumed.groupOptions(0).max_lr(), 0.1);
    QCOMPARE(resumed.groupOptions(0).momentum(), 0.9);
    run(resumed, w2, b2, 3);
    QVERIFY(torch::equal(w2, w));
    QVERIFY(torch::equal(b2, b));

    // Without the momentum buffers the continuation differs: the test can tell.
    auto w3 = w1.detach().clone().requires_grad_(true);
    auto b3 = b1.detach().clone().requires_grad_(true);
    AliG fresh({w3, b3}, options);
    run(fresh, w3, b3, 3);
    QVERIFY(!torch::equal(w3, w));
}

void TestAliGOptimizer::invalidOptions_data() {
    QTest::addColumn<double>("maxLr");
    QTest::addColumn<double>("momentum");
    QTest::addColumn<double>("eps");
    QTest::addColumn<double>("radius");
    QTest::addColumn<QString>("message");
    QTest::newRow("max_lr zero") << 0.0 << 0.0 << 1e-5 << 1.0 << "max_lr: must be > 0, got 0";
    QTest::newRow("max_lr negative") << -1.0 << 0.0 << 1e-5 << 1.0 << "max_lr: must be > 0, got -1";
    QTest::newRow("max_lr nan") << std::nan("") << 0.0 << 1e-5 << 1.0 << "max_lr: must be > 0";
    QTest::newRow("eps negative") << 0.1 << 0.0 << -1e-3 << 1.0 << "eps: must be >= 0";
    QTest::newRow("radius negative")
        << 0.1 << 0.0 << 1e-5 << -2.0 << "projection_radius: must be > 0 and finite, got -2";
    QTest::newRow("momentum one") << 0.1 << 1.0 << 1e-5 << 1.0
                                  << "momentum: must be in [0, 1), got 1";
    QTest::newRow("momentum negative")
        << 0.1 << -0.5 << 1e-5 << 1.0 << "momentum: must be in [0, 1), got -0.5";
}

void TestAliGOptimizer::invalidOptions() {
    QFETCH(double, maxLr);
    QFETCH(double, momentum);
    QFETCH(double, eps);
    QFETCH(double, radius);
    QFETCH(QString, message);
    auto w = torch::zeros({2}, torch::kFloat64).requires_grad_(true);
    AliGOptions options(maxLr);
    options.momentum(momentum).eps(eps).projection_radius(radius);
    try {
        AliG optimizer({w}, options);
        QFAIL("no error thrown");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains(message), e.what());
    }
}

void TestAliGOptimizer::factoryBuildsAliG() {
    OptimizerConfig config;
    config.maxLr = 0.2;
    config.momentum = 0.0;
    auto w = tensorOf({1.0, 2.0}).requires_grad_(true);
    auto optimizer = makeOptimizer(config, {w});
    auto* alig = dynamic_cast<AliG*>(optimizer.get());
    QVERIFY(alig);
    QCOMPARE(*alig->groupOptions(0).max_lr(), 0.2);
    QCOMPARE(alig->globalOptions().eps(), 1e-5);

    config.maxLr = -3.0;
    try {
        makeOptimizer(config, {w});
        QFAIL("no error thrown");
    } catch (const Error& e) {
        QCOMPARE(QString(e.what()), QString("optimizer.max_lr: must be > 0, got -3"));
    }
}

void TestAliGOptimizer::fusedPathMatchesTensorPath_data() {
    QTest::addColumn<bool>("doublePrecision");
    QTest::addColumn<double>("momentum");
    QTest::addColumn<bool>("adjusted");
    QTest::addColumn<double>("radius"); // <= 0: no projection
    for (bool dp : {false, true}) {
        const char* type = dp ? "float64" : "float32";
        QTest::addRow("%s, no momentum", type) << dp << 0.0 << false << 0.0;
        QTest::addRow("%s, standard momentum", type) << dp << 0.9 << false << 0.0;
        QTest::addRow("%s, adjusted momentum", type) << dp << 0.9 << true << 0.0;
        QTest::addRow("%s, momentum and projection", type) << dp << 0.9 << false << 6.0;
    }
}

// The fused CPU loops against LibTorch's ops (the path CUDA and unusual tensors take): layer
// shapes of a small MLP, large enough to be split across threads, random gradients and losses
// that clip some steps and not others.
void TestAliGOptimizer::fusedPathMatchesTensorPath() {
    QFETCH(bool, doublePrecision);
    QFETCH(double, momentum);
    QFETCH(bool, adjusted);
    QFETCH(double, radius);
    const auto dtype = doublePrecision ? torch::kFloat64 : torch::kFloat32;
    const double rtol = doublePrecision ? 1e-12 : 2e-5;

    torch::manual_seed(7);
    const std::vector<std::vector<int64_t>> shapes{{256, 784}, {256}, {10, 256}, {10}};
    std::vector<torch::Tensor> fusedParams, plainParams;
    for (const auto& shape : shapes) {
        auto w = (torch::randn(shape, dtype) * 0.05);
        fusedParams.push_back(w.clone().requires_grad_(true));
        plainParams.push_back(w.clone().requires_grad_(true));
    }
    AliGOptions options(0.5);
    options.momentum(momentum)
        .momentum_form(adjusted ? MomentumForm::Adjusted : MomentumForm::Standard)
        .projection_radius(opt(radius));
    AliG fused(fusedParams, options);
    AliG plain(plainParams, AliGOptions(options).fused(false));

    bool sawClipped = false, sawUnclipped = false;
    for (int step = 0; step < 12; ++step) {
        const double loss = 0.05 + 0.4 * torch::rand({1}).item<double>();
        const double scale = step % 2 == 0 ? 0.01 : 1e-4; // ||g||^2 about 20 or 2e-3
        for (size_t i = 0; i < shapes.size(); ++i) {
            auto g = torch::randn(shapes[i], dtype) * scale;
            fusedParams[i].mutable_grad() = g.clone();
            plainParams[i].mutable_grad() = g.clone();
        }
        const auto lossTensor = torch::tensor(loss, dtype);
        QCOMPARE(fused.measuresMove(), radius <= 0);
        QVERIFY(!plain.measuresMove());
        std::vector<torch::Tensor> before;
        for (const auto& p : fusedParams)
            before.push_back(p.detach().clone());
        fused.step([&] { return lossTensor; });
        plain.step([&] { return lossTensor; });
        ALIG_COMPARE_NEAR(fused.lastGradSquaredNorm(), plain.lastGradSquaredNorm(),
                          rtol * plain.lastGradSquaredNorm());
        ALIG_COMPARE_NEAR(fused.lastStepSize(), plain.lastStepSize(), rtol * plain.lastStepSize());
        QCOMPARE(fused.lastClipped(), plain.lastClipped());
        if (radius <= 0) {
            // The move the update measured in its own pass is the weights' actual move.
            double moved = 0;
            for (size_t i = 0; i < shapes.size(); ++i)
                moved += (fusedParams[i].detach() - before[i]).pow(2).sum().item<double>();
            ALIG_COMPARE_NEAR(fused.lastStats().moveSquaredNorm.item<double>(), moved,
                              rtol * moved);
        } else {
            QVERIFY(!fused.lastStats().moveSquaredNorm.defined());
        }
        if (momentum > 0) {
            // The momentum term's length: mu v, or step mu v in the adjusted form.
            const double term = adjusted ? fused.lastStepSize() * momentum : momentum;
            double vsq = 0;
            for (const auto& p : fusedParams)
                vsq += fused.momentumBuffer(p).pow(2).sum().item<double>();
            ALIG_COMPARE_NEAR(fused.lastStats().momentumSquaredNorm.item<double>(),
                              term * term * vsq, rtol * term * term * vsq);
        } else {
            QVERIFY(!fused.lastStats().momentumSquaredNorm.defined());
        }
        (fused.lastClipped() ? sawClipped : sawUnclipped) = true;
        for (size_t i = 0; i < shapes.size(); ++i) {
            const double scaleOf = plainParams[i].abs().max().item<double>();
            const double diff = (fusedParams[i] - plainParams[i]).abs().max().item<double>();
            QVERIFY2(diff <= rtol * 4 * scaleOf,
                     qPrintable(QString("step %1, parameter %2: max difference %3 (scale %4)")
                                    .arg(step)
                                    .arg(i)
                                    .arg(diff)
                                    .arg(scaleOf)));
        }
    }
    QVERIFY(sawClipped && sawUnclipped);
    if (radius > 0) {
        double sq = 0;
        for (const auto& p : fusedParams)
            sq += p.pow(2).sum().item<double>();
        QVERIFY(std::sqrt(sq) <= radius * (1 + 1e-6));
    }
}

QTEST_GUILESS_MAIN(TestAliGOptimizer)
#include "tst_alig_optimizer.moc"
