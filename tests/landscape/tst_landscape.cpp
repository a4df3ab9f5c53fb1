// The loss surfaces against their closed forms (values and hand-derived gradients), and
// the optimizer paths on them against steps computed here by hand from docs/alig.md and
// PyTorch's SGD.

#include "common/test_support.h"
#include "core/landscape/surface.h"
#include "core/landscape/trajectory.h"
#include "core/util/error.h"

#include <QtTest/QtTest>
#include <torch/torch.h>

#include <cmath>
#include <random>

using namespace alig::core;

namespace {

constexpr double kPi = 3.14159265358979323846;

// Closed forms, written out independently of core/landscape: value, d/dx, d/dy.
struct Closed {
    double f, gx, gy;
};

Closed closedForm(const std::string& name, double x, double y) {
    if (name == "quadratic") return {0.5 * (x * x + 20 * y * y), x, 20 * y};
    if (name == "rosenbrock")
        return {(1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x),
                -2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)};
    if (name == "beale") {
        const double a = 1.5 - x + x * y, b = 2.25 - x + x * y * y, c = 2.625 - x + x * y * y * y;
        return {a * a + b * b + c * c,
                2 * a * (y - 1) + 2 * b * (y * y - 1) + 2 * c * (y * y * y - 1),
                2 * a * x + 2 * b * 2 * x * y + 2 * c * 3 * x * y * y};
    }
    if (name == "himmelblau") {
        const double a = x * x + y - 11, b = x + y * y - 7;
        return {a * a + b * b, 4 * x * a + 2 * b, 2 * a + 4 * y * b};
    }
    if (name == "rastrigin")
        return {20 + x * x - 10 * std::cos(2 * kPi * x) + y * y - 10 * std::cos(2 * kPi * y),
                2 * x + 20 * kPi * std::sin(2 * kPi * x), 2 * y + 20 * kPi * std::sin(2 * kPi * y)};
    if (name == "interpolating") {
        const double a[4][2] = {{1.0, 0.3}, {0.2, 1.0}, {1.0, -1.0}, {-0.6, 1.2}};
        Closed c{0, 0, 0};
        for (const auto& ai : a) {
            const double r = ai[0] * (x - 1.0) + ai[1] * (y - 0.5);
            c.f += 0.5 * r * r / 4;
            c.gx += r * ai[0] / 4;
            c.gy += r * ai[1] / 4;
        }
        return c;
    }
    if (name == "non-interpolating") {
        const double cs[4][2] = {{-1.5, -1.0}, {1.5, -0.5}, {0.0, 1.5}, {0.5, -1.5}};
        Closed c{0, 0, 0};
        for (const auto& ci : cs) {
            c.f += 0.5 * ((x - ci[0]) * (x - ci[0]) + (y - ci[1]) * (y - ci[1])) / 4;
            c.gx += (x - ci[0]) / 4;
            c.gy += (y - ci[1]) / 4;
        }
        return c;
    }
    return {NAN, NAN, NAN};
}

OptimizerConfig aligCfg(double maxLr, double momentum = 0.0) {
    OptimizerConfig c;
    c.name = "alig";
    c.maxLr = maxLr;
    c.momentum = momentum;
    return c;
}

OptimizerConfig sgdCfg(double lr, double momentum = 0.0) {
    OptimizerConfig c;
    c.name = "sgd";
    c.lr = lr;
    c.momentum = momentum;
    return c;
}

} // namespace

class TestLandscape : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void valuesAndGradients_data();
    void valuesAndGradients();
    void minimaAreMinima();
    void gridMatchesPointwise();
    void unknownSurfaceNamesTheKnownOnes();
    void aligOnQuadraticByHand_data();
    void aligOnQuadraticByHand();
    void aligWithMomentumByHand();
    void sgdOnRosenbrockByHand_data();
    void sgdOnRosenbrockByHand();
    void stochasticStepsDrawSeededSamples();
    void aligConvergesOnlyWhenTheProblemInterpolates();
    void divergenceStopsThePath();
};

void TestLandscape::valuesAndGradients_data() {
    QTest::addColumn<QString>("surface");
    QTest::addColumn<double>("x");
    QTest::addColumn<double>("y");
    // Points off the minima, where every term of the gradient is non-zero.
    for (const auto& name : surfaceNames()) {
        const QString n = QString::fromStdString(name);
        QTest::newRow(qPrintable(n + " a")) << n << -1.3 << 0.7;
        QTest::newRow(qPrintable(n + " b")) << n << 2.2 << -1.9;
        QTest::newRow(qPrintable(n + " c")) << n << 0.37 << 1.41;
    }
}

void TestLandscape::valuesAndGradients() {
    QFETCH(QString, surface);
    QFETCH(double, x);
    QFETCH(double, y);
    const auto s = Surface::make(surface.toStdString());
    const Closed c = closedForm(surface.toStdString(), x, y);
    ALIG_COMPARE_NEAR(s->value(x, y), c.f, 1e-12);
    const auto g = s->gradient(x, y);
    ALIG_COMPARE_NEAR(g[0], c.gx, 1e-11);
    ALIG_COMPARE_NEAR(g[1], c.gy, 1e-11);
    if (s->sampleCount() > 0) {
        double mean = 0.0;
        for (int64_t i = 0; i < s->sampleCount(); ++i)
            mean += s->sampleValue(x, y, i) / static_cast<double>(s->sampleCount());
        ALIG_COMPARE_NEAR(mean, c.f, 1e-12);
    }
}

void TestLandscape::minimaAreMinima() {
    for (const auto& name : surfaceNames()) {
        const auto s = Surface::make(name);
        for (const auto& m : s->minima()) {
            ALIG_COMPARE_NEAR(s->value(m[0], m[1]), s->minimumValue(), 1e-9);
            const auto g = s->gradient(m[0], m[1]);
            QVERIFY2(std::hypot(g[0], g[1]) < 1e-6, name.c_str());
        }
        // The start point is inside the drawn bounds and away from the minimum.
        const auto b = s->bounds();
        const auto st = s->defaultStart();
        QVERIFY(st[0] > b.xMin && st[0] < b.xMax && st[1] > b.yMin && st[1] < b.yMax);
        QVERIFY(s->value(st[0], st[1]) > s->minimumValue() + 0.1);
    }
    // Only the interpolating problem has a point where every sample loss is 0.
    const auto yes = Surface::make("interpolating");
    for (int64_t i = 0; i < yes->sampleCount(); ++i)
        QCOMPARE(yes->sampleValue(1.0, 0.5, i), 0.0);
    const auto no = Surface::make("non-interpolating");
    ALIG_COMPARE_NEAR(no->minimumValue(), 1.234375, 1e-12); // sum of squared deviations / 8
    QVERIFY(no->sampleValue(0.125, -0.375, 0) > 0.0);
}

void TestLandscape::gridMatchesPointwise() {
    for (const auto& name : surfaceNames()) {
        const auto s = Surface::make(name);
        const int nx = 7, ny = 5;
        const auto v = s->grid(nx, ny);
        QCOMPARE(int(v.size()), nx * ny);
        const auto b = s->bounds();
        for (int j = 0; j < ny; ++j)
            for (int i = 0; i < nx; ++i) {
                const double x = b.xMin + (b.xMax - b.xMin) * i / (nx - 1);
                const double y = b.yMin + (b.yMax - b.yMin) * j / (ny - 1);
                ALIG_COMPARE_NEAR(v[j * nx + i], s->value(x, y), 1e-9);
            }
    }
}

void TestLandscape::unknownSurfaceNamesTheKnownOnes() {
    const QString e = alig::test::errorOf([] { Surface::make("sphere"); });
    QVERIFY(e.contains("sphere"));
    QVERIFY(e.contains("rosenbrock"));
}

void TestLandscape::aligOnQuadraticByHand_data() {
    QTest::addColumn<double>("maxLr");
    QTest::newRow("unclipped") << 1.0; // the Polyak step is about 0.03 here
    QTest::newRow("clipped") << 0.01;
}

void TestLandscape::aligOnQuadraticByHand() {
    QFETCH(double, maxLr);
    const auto s = Surface::make("quadratic");
    Trajectory t(*s, aligCfg(maxLr), -2.5, 1.5);
    t.runTo(4);
    QCOMPARE(int(t.points().size()), 5);
    // docs/alig.md without momentum: step = min(f / (|g|^2 + 1e-5), max_lr); w -= step g.
    double x = -2.5, y = 1.5;
    for (int k = 1; k <= 4; ++k) {
        const double f = 0.5 * (x * x + 20 * y * y), gx = x, gy = 20 * y;
        const double polyak = f / (gx * gx + gy * gy + 1e-5);
        const double step = std::min(polyak, maxLr);
        x -= step * gx;
        y -= step * gy;
        const TrajectoryPoint& p = t.points()[k];
        QCOMPARE(p.step, int64_t(k));
        ALIG_COMPARE_NEAR(p.batchLoss, f, 1e-12);
        ALIG_COMPARE_NEAR(p.polyak, polyak, 1e-12);
        ALIG_COMPARE_NEAR(p.stepSize, step, 1e-12);
        QCOMPARE(p.clipped, polyak > maxLr);
        ALIG_COMPARE_NEAR(p.x, x, 1e-12);
        ALIG_COMPARE_NEAR(p.y, y, 1e-12);
        ALIG_COMPARE_NEAR(p.loss, 0.5 * (x * x + 20 * y * y), 1e-12);
        QCOMPARE(p.sample, int64_t(-1));
    }
}

void TestLandscape::aligWithMomentumByHand() {
    // The reference's standard form: v = mu v - step g; p -= step g; p += mu v.
    const auto s = Surface::make("himmelblau");
    const double mu = 0.9, maxLr = 0.02;
    Trajectory t(*s, aligCfg(maxLr, mu), -0.5, -0.5);
    t.runTo(3);
    double x = -0.5, y = -0.5, vx = 0, vy = 0;
    for (int k = 1; k <= 3; ++k) {
        const Closed c = closedForm("himmelblau", x, y);
        const double step = std::min(c.f / (c.gx * c.gx + c.gy * c.gy + 1e-5), maxLr);
        vx = mu * vx - step * c.gx;
        vy = mu * vy - step * c.gy;
        x += -step * c.gx + mu * vx;
        y += -step * c.gy + mu * vy;
        ALIG_COMPARE_NEAR(t.points()[k].x, x, 1e-11);
        ALIG_COMPARE_NEAR(t.points()[k].y, y, 1e-11);
        ALIG_COMPARE_NEAR(t.points()[k].stepSize, step, 1e-12);
    }
}

void TestLandscape::sgdOnRosenbrockByHand_data() {
    QTest::addColumn<double>("momentum");
    QTest::newRow("plain") << 0.0;
    QTest::newRow("heavy ball") << 0.9;
}

void TestLandscape::sgdOnRosenbrockByHand() {
    QFETCH(double, momentum);
    const double lr = 1e-3;
    const auto s = Surface::make("rosenbrock");
    Trajectory t(*s, sgdCfg(lr, momentum), -1.5, 2.0);
    t.runTo(5);
    // PyTorch's SGD: b = g at the first step, then b = mu b + g; w -= lr b.
    double x = -1.5, y = 2.0, bx = 0, by = 0;
    for (int k = 1; k <= 5; ++k) {
        const Closed c = closedForm("rosenbrock", x, y);
        bx = k == 1 ? c.gx : momentum * bx + c.gx;
        by = k == 1 ? c.gy : momentum * by + c.gy;
        x -= lr * bx;
        y -= lr * by;
        ALIG_COMPARE_NEAR(t.points()[k].x, x, 1e-12);
        ALIG_COMPARE_NEAR(t.points()[k].y, y, 1e-12);
        ALIG_COMPARE_NEAR(t.points()[k].stepSize, lr, 0.0);
        ALIG_COMPARE_NEAR(t.points()[k].gradNorm, std::hypot(c.gx, c.gy), 1e-12);
    }
}

void TestLandscape::stochasticStepsDrawSeededSamples() {
    const auto s = Surface::make("interpolating");
    const double a[4][2] = {{1.0, 0.3}, {0.2, 1.0}, {1.0, -1.0}, {-0.6, 1.2}};
    Trajectory t(*s, aligCfg(10.0), -1.5, -1.5, /*seed=*/42);
    t.runTo(6);
    // The same draws as the trajectory's: mt19937_64 seeded 42, uniform over 0..3.
    std::mt19937_64 rng(42);
    double x = -1.5, y = -1.5;
    for (int k = 1; k <= 6; ++k) {
        const int64_t i = std::uniform_int_distribution<int64_t>(0, 3)(rng);
        const double r = a[i][0] * (x - 1.0) + a[i][1] * (y - 0.5);
        const double f = 0.5 * r * r, gx = r * a[i][0], gy = r * a[i][1];
        const double step = std::min(f / (gx * gx + gy * gy + 1e-5), 10.0);
        x -= step * gx;
        y -= step * gy;
        const auto& p = t.points()[k];
        QCOMPARE(p.sample, i);
        ALIG_COMPARE_NEAR(p.batchLoss, f, 1e-12);
        ALIG_COMPARE_NEAR(p.x, x, 1e-11);
        ALIG_COMPARE_NEAR(p.y, y, 1e-11);
    }
    // Same seed, same path; another seed, another path.
    Trajectory again(*s, aligCfg(10.0), -1.5, -1.5, 42), other(*s, aligCfg(10.0), -1.5, -1.5, 7);
    again.runTo(6);
    other.runTo(6);
    QCOMPARE(again.points().back().x, t.points().back().x);
    bool differs = false;
    for (int k = 1; k <= 6; ++k)
        differs = differs || other.points()[k].sample != t.points()[k].sample;
    QVERIFY(differs);
}

void TestLandscape::aligConvergesOnlyWhenTheProblemInterpolates() {
    const auto yes = Surface::make("interpolating");
    Trajectory a(*yes, aligCfg(1.0), -1.5, -1.5, 1);
    a.runTo(300);
    QVERIFY2(a.points().back().loss < 1e-6, qPrintable(QString::number(a.points().back().loss)));
    // Without interpolation, the Polyak step of each sample keeps jumping towards that
    // sample's own minimum: the total loss stays well above its minimum.
    const auto no = Surface::make("non-interpolating");
    Trajectory b(*no, aligCfg(1.0), 2.0, 2.0, 1);
    b.runTo(300);
    double meanExcess = 0.0;
    for (int k = 201; k <= 300; ++k)
        meanExcess += (b.points()[k].loss - no->minimumValue()) / 100.0;
    QVERIFY2(meanExcess > 0.1, qPrintable(QString::number(meanExcess)));
    for (const auto& p : b.points())
        QVERIFY(p.loss >= no->minimumValue() - 1e-12);
}

void TestLandscape::divergenceStopsThePath() {
    const auto s = Surface::make("rosenbrock");
    Trajectory t(*s, sgdCfg(0.1), -1.5, 2.0);
    t.runTo(100);
    QVERIFY(t.diverged());
    QVERIFY(t.points().size() < 100);
    QVERIFY(!t.step());
}

QTEST_GUILESS_MAIN(TestLandscape)
#include "tst_landscape.moc"
