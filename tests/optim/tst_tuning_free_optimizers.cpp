// The tuning-free methods since ALI-G (Prodigy, Schedule-Free SGD and AdamW, MoMo and
// MoMo-Adam, DoG, DecSPS) against independent references written here with plain doubles from
// each paper's update rule, over 25 steps with their momentum or averaging at work, in float64
// and float32; MoMo with beta 0 and lower bound 0 against ALI-G without momentum; the
// evaluation weights; save and load; the config's checks.

#include "common/test_support.h"
#include "core/experiment/experiment_config.h"
#include "core/optim/alig.h"
#include "core/optim/eval_weights.h"
#include "core/optim/optimizer_factory.h"
#include "core/optim/step_size_reporter.h"
#include "core/util/error.h"
#include "optim/least_squares.h"

#include <QtTest/QtTest>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <vector>

using namespace alig::core;
using nlohmann::json;
using Vec = std::vector<double>;

namespace {

using alig::test::lsLossFlat;
using alig::test::lsLossTorch;

const Vec kX0{0.3, -0.2, 0.1, 0.05}; // w0, w1, w2, b

double get(const json& o, const char* key, double fallback) {
    return o.contains(key) && !o[key].is_null() ? o[key].get<double>() : fallback;
}

double dot(const Vec& a, const Vec& b) {
    double s = 0.0;
    for (size_t i = 0; i < a.size(); ++i)
        s += a[i] * b[i];
    return s;
}

// Each method from its paper, with the authors' defaults; nothing of core/optim is used.
struct Reference {
    json o;
    std::string method;
    int64_t k = 0;
    Vec m = Vec(4, 0.0), v = Vec(4, 0.0), s = Vec(4, 0.0), x0, z, xa, y;
    double d = 0.0, dMax = 0.0, num = 0.0;        // Prodigy
    double lrMax = -1.0, wSum = 0.0, cLast = 0.0; // Schedule-Free
    double fBar = 0.0, gamma = 0.0, lb = 0.0;     // MoMo
    double rbar = 0.0, G = 0.0;                   // DoG
    double memory = 0.0;                          // DecSPS: c_{k-1} step_{k-1}
    Vec average;                                  // DoG

    explicit Reference(json options)
        : o(std::move(options))
        , method(o["name"].get<std::string>()) {
        d = dMax = get(o, "d0", 1e-6);
        lb = get(o, "momo_lb", 0.0);
    }

    // One step at x (the weights the gradient was taken at) with loss l and gradient g;
    // returns the step size the method reports.
    double step(Vec& x, double l, Vec g) {
        const double lr = get(o, "lr", 0.1), wd = get(o, "weight_decay", 0.0);
        const double b1 = get(o, "beta1", 0.9), b2 = get(o, "beta2", 0.999);
        const double kk = static_cast<double>(k);
        if (method == "prodigy") {
            // Mishchenko and Defazio 2024, Algorithm 3 (Adam version), konstmish/prodigy.
            const double d0 = get(o, "d0", 1e-6), eps = get(o, "eps", 1e-8);
            const double b3 = get(o, "beta3", std::sqrt(b2));
            const bool decouple = o.value("decouple", true), bc = o.value("bias_correction", false);
            const double bias =
                bc ? std::sqrt(1 - std::pow(b2, kk + 1)) / (1 - std::pow(b1, kk + 1)) : 1.0;
            const double dlr = d * lr * bias;
            if (x0.empty()) x0 = x;
            if (!decouple)
                for (int i = 0; i < 4; ++i)
                    g[i] += wd * x[i];
            double delta = 0.0, den = 0.0;
            for (int i = 0; i < 4; ++i) {
                delta += g[i] * (x0[i] - x[i]);
                m[i] = b1 * m[i] + d * (1 - b1) * g[i];
                v[i] = b2 * v[i] + d * d * (1 - b2) * g[i] * g[i];
                s[i] = b3 * s[i] + (d / d0) * (o.value("safeguard_warmup", false) ? d : dlr) * g[i];
                den += std::abs(s[i]);
            }
            num = b3 * num + (d / d0) * dlr * delta;
            const double dHat = get(o, "d_coef", 1.0) * num / den;
            if (d == d0) d = std::max(d, dHat);
            dMax = std::max(dMax, dHat);
            d = std::min(dMax, d * get(o, "growth_rate", std::numeric_limits<double>::infinity()));
            for (int i = 0; i < 4; ++i) {
                if (decouple) x[i] -= wd * dlr * x[i];
                x[i] -= dlr * m[i] / (std::sqrt(v[i]) + d * eps);
            }
            ++k;
            return dlr;
        }
        if (method == "sf_sgd" || method == "sf_adamw") {
            // Defazio et al. 2024, Algorithm 1: gradient at y, base step on z, x the average.
            const bool adamw = method == "sf_adamw";
            const double beta = adamw ? b1 : get(o, "momentum", 0.9);
            const double warmup = get(o, "sf_warmup_steps", 0.0);
            double lrK = lr * (kk < warmup ? (kk + 1) / warmup : 1.0);
            if (adamw) lrK *= std::sqrt(1 - std::pow(b2, kk + 1));
            lrMax = std::max(lrMax, lrK);
            const double w = std::pow(kk + 1, get(o, "sf_r", 0.0)) *
                             std::pow(lrMax, get(o, "sf_weight_lr_power", 2.0));
            wSum += w;
            const double c = w / wSum;
            cLast = c;
            if (z.empty()) z = xa = y = x;
            for (int i = 0; i < 4; ++i) {
                if (adamw) {
                    z[i] -= lrK * wd * y[i];
                    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                    z[i] -= lrK * g[i] / (std::sqrt(v[i]) + get(o, "eps", 1e-8));
                } else {
                    z[i] -= lrK * (g[i] + wd * y[i]);
                }
                xa[i] = (1 - c) * xa[i] + c * z[i];
                y[i] = beta * xa[i] + (1 - beta) * z[i];
            }
            x = y;
            ++k;
            return lrK;
        }
        if (method == "momo" || method == "momo_adam") {
            // Schaipp et al. 2024, Algorithm 1 (MoMo) and 2 (MoMo-Adam).
            const bool adam = method == "momo_adam";
            const bool bc = adam || o.value("bias_correction", false);
            ++k;
            const double n = static_cast<double>(k);
            if (k == 1 && !bc) {
                fBar = l;
                gamma = dot(g, x);
                m = g;
            }
            fBar = b1 * fBar + (1 - b1) * l;
            gamma = b1 * gamma + (1 - b1) * dot(g, x);
            Vec D(4, 1.0);
            for (int i = 0; i < 4; ++i) {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                if (adam) {
                    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                    D[i] = std::sqrt(v[i] / (1 - std::pow(b2, n))) + get(o, "eps", 1e-8);
                }
            }
            double norm = 0.0;
            for (int i = 0; i < 4; ++i)
                norm += m[i] * m[i] / D[i];
            const double rho = bc ? 1 - std::pow(b1, n) : 1.0;
            const double shrink = 1 + lr * wd, lb0 = get(o, "momo_lb", 0.0);
            const bool online = o.value("momo_online_lb", false);
            const double mx = dot(m, x);
            if (online) {
                const double cap = shrink * fBar + mx - shrink * gamma;
                if (cap < shrink * rho * lb) lb = std::max(cap / (2 * shrink * rho), lb0);
            }
            const double gap = shrink * (fBar - rho * lb) + mx - shrink * gamma;
            const double tau = std::min(lr / rho, std::max(gap, 0.0) / norm);
            if (online) lb = std::max((fBar + mx - gamma - 0.5 * tau * norm) / rho, lb0);
            for (int i = 0; i < 4; ++i) {
                if (adam && wd > 0 && !o.value("momo_divide", true)) x[i] *= 1 - wd * lr;
                x[i] -= tau * m[i] / D[i];
                if (wd > 0 && (!adam || o.value("momo_divide", true))) x[i] /= shrink;
            }
            return tau;
        }
        if (method == "dog") {
            // Ivgi et al. 2023: eta = lr rbar / sqrt(G), polynomial-decay average, gamma 8.
            for (int i = 0; i < 4; ++i)
                g[i] += wd * x[i];
            if (k == 0) {
                x0 = x;
                rbar = get(o, "dog_reps_rel", 1e-6) * (1 + std::sqrt(dot(x, x)));
                G = dot(g, g) + get(o, "eps", 1e-8);
            } else {
                Vec diff(4);
                for (int i = 0; i < 4; ++i)
                    diff[i] = x[i] - x0[i];
                rbar = std::max(rbar, std::sqrt(dot(diff, diff)));
                G += dot(g, g);
            }
            double eta = lr * rbar / std::sqrt(G);
            if (k == 0 && o.contains("dog_init_eta") && !o["dog_init_eta"].is_null())
                eta = o["dog_init_eta"].get<double>();
            for (int i = 0; i < 4; ++i)
                x[i] -= eta * g[i];
            ++k;
            const double ga = get(o, "dog_average_gamma", 8.0);
            const double w = (1 + ga) / (static_cast<double>(k) + ga);
            if (average.empty()) average = Vec(4, 0.0);
            for (int i = 0; i < 4; ++i)
                average[i] = (1 - w) * average[i] + w * x[i];
            return eta;
        }
        // DecSPS, Orvieto et al. 2022: c_k = c0 sqrt(k+1),
        // gamma_k = min((l - f*) / (c_k ||g||^2), c_{k-1} gamma_{k-1} / c_k), c_{-1} gamma_{-1}
        // = c0 gamma_b.
        const double c0 = get(o, "c", 0.5), fStar = get(o, "f_star", 0.0),
                     eps = get(o, "eps", 1e-8);
        const double ck = c0 * std::sqrt(kk + 1);
        if (k == 0) memory = c0 * get(o, "max_lr", 0.1);
        const double ratio = (l - fStar) / (ck * dot(g, g) + eps);
        ++k;
        // Below f* (or with no gradient) no step, and the bound stays (SPS's reference rule).
        if (l < fStar || std::sqrt(dot(g, g)) < 1e-8) return 0.0;
        const double gammaK = std::min(ratio, memory / ck);
        memory = ck * gammaK;
        for (int i = 0; i < 4; ++i)
            x[i] -= gammaK * g[i];
        return gammaK;
    }

    // The weights it evaluates on: Schedule-Free's x, DoG's average; the weights otherwise.
    Vec evalWeights(const Vec& x) const {
        if (!xa.empty()) return xa;
        if (!average.empty()) return average;
        return x;
    }
};

OptimizerConfig configOf(const json& optimizer) {
    return ExperimentConfig::fromJson(json{{"optimizer", optimizer}}).optimizer;
}

struct Params {
    torch::Tensor w, b;
    explicit Params(torch::ScalarType dtype = torch::kFloat64)
        : w(torch::tensor(Vec(kX0.begin(), kX0.begin() + 3), torch::kFloat64)
                .to(dtype)
                .requires_grad_(true))
        , b(torch::tensor(Vec{kX0[3]}, torch::kFloat64).to(dtype).requires_grad_(true)) {}
    Vec flat() const {
        return {w[0].item<double>(), w[1].item<double>(), w[2].item<double>(), b[0].item<double>()};
    }
};

void takeStep(torch::optim::Optimizer& opt, Params& p) {
    opt.zero_grad();
    auto loss = lsLossTorch(p.w, p.b);
    loss.backward();
    opt.step([&] { return loss.detach(); });
}

void compareFlat(const Vec& actual, const Vec& expected, double rtol) {
    for (int j = 0; j < 4; ++j)
        ALIG_COMPARE_NEAR(actual[j], expected[j], rtol);
}

double extraOf(const StepReport& r, const std::string& name) {
    for (const auto& e : r.extras)
        if (e.first == name) return e.second.item<double>();
    return std::nan("");
}

} // namespace

class TestTuningFreeOptimizers : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void matchesReference_data();
    void matchesReference();
    void momoWithoutMomentumIsAliG();
    void reportsItsOwnQuantities();
    void evalWeightsSwapExactly_data();
    void evalWeightsSwapExactly();
    void saveLoadContinuesIdentically_data();
    void saveLoadContinuesIdentically();
    void invalidConfig_data();
    void invalidConfig();
};

void TestTuningFreeOptimizers::matchesReference_data() {
    QTest::addColumn<QString>("optimizer"); // the JSON "optimizer" section
    QTest::addColumn<bool>("float32");
    const std::vector<std::pair<const char*, const char*>> rows{
        {"prodigy, authors' defaults", R"({"name": "prodigy", "lr": 1})"},
        {"prodigy, coupled decay, bias correction, d_coef 2, growth 1.5",
         R"({"name": "prodigy", "lr": 1, "weight_decay": 0.01, "decouple": false,
             "bias_correction": true, "d_coef": 2, "growth_rate": 1.5, "d0": 1e-3})"},
        {"prodigy, decoupled decay, safeguard, beta3 0.9",
         R"({"name": "prodigy", "lr": 0.5, "weight_decay": 0.05, "safeguard_warmup": true,
             "beta3": 0.9})"},
        {"sf_sgd, authors' defaults", R"({"name": "sf_sgd", "lr": 0.5})"},
        {"sf_sgd, warm-up, decay, r 1",
         R"({"name": "sf_sgd", "lr": 0.5, "sf_warmup_steps": 5, "weight_decay": 0.01,
             "sf_r": 1, "momentum": 0.8})"},
        {"sf_adamw, authors' defaults", R"({"name": "sf_adamw", "lr": 0.0025})"},
        {"sf_adamw, lr 0.05, warm-up, decay",
         R"({"name": "sf_adamw", "lr": 0.05, "sf_warmup_steps": 4, "weight_decay": 0.1,
             "beta1": 0.8})"},
        {"momo, authors' defaults", R"({"name": "momo", "lr": 1})"},
        {"momo, capped, weight decay", R"({"name": "momo", "lr": 0.05, "weight_decay": 0.1})"},
        {"momo, bias correction, lower bound 0.2",
         R"({"name": "momo", "lr": 1, "bias_correction": true, "momo_lb": 0.2})"},
        {"momo, online lower bound", R"({"name": "momo", "lr": 1, "momo_online_lb": true})"},
        {"momo_adam, authors' defaults", R"({"name": "momo_adam", "lr": 0.01})"},
        {"momo_adam, lr 1, decay, online lower bound",
         R"({"name": "momo_adam", "lr": 1, "weight_decay": 0.01, "momo_online_lb": true})"},
        {"momo_adam, AdamW-style decay",
         R"({"name": "momo_adam", "lr": 0.1, "weight_decay": 0.1, "momo_divide": false})"},
        {"dog, authors' defaults", R"({"name": "dog", "lr": 1})"},
        {"dog, reps_rel 1e-3, decay, gamma 2",
         R"({"name": "dog", "lr": 0.8, "dog_reps_rel": 1e-3, "weight_decay": 0.01,
             "dog_average_gamma": 2})"},
        {"dog, init_eta", R"({"name": "dog", "lr": 1, "dog_init_eta": 0.01})"},
        {"decsps, gamma_b 1", R"({"name": "decsps", "max_lr": 1})"},
        {"decsps, gamma_b 0.05, c 1, f* 0.1",
         R"({"name": "decsps", "max_lr": 0.05, "c": 1, "f_star": 0.1})"},
    };
    for (const auto& [name, json] : rows) {
        QTest::newRow((std::string(name) + ", float64").c_str()) << QString(json) << false;
        QTest::newRow((std::string(name) + ", float32").c_str()) << QString(json) << true;
    }
}

void TestTuningFreeOptimizers::matchesReference() {
    QFETCH(QString, optimizer);
    QFETCH(bool, float32);
    const json options = json::parse(optimizer.toStdString());
    Params p(float32 ? torch::kFloat32 : torch::kFloat64);
    auto opt = makeOptimizer(configOf(options), {p.w, p.b});
    auto* reporter = dynamic_cast<StepSizeReporter*>(opt.get());
    QVERIFY(reporter);
    auto* evalWeights = dynamic_cast<EvalWeights*>(opt.get());
    // float32 carries about 7 digits; 25 adaptive steps lose a few of them. Prodigy loses
    // more: its first steps are d0 lr = 1e-6 long, so x0 - x holds only the last two or three
    // of those digits (the authors' float32 code does the same), and d_hat inherits that.
    const double rtol = !float32 ? 1e-10 : options["name"] == "prodigy" ? 1e-2 : 2e-4;

    Reference ref(options);
    Vec x = kX0;
    const double firstLoss = lsLossFlat(x, nullptr);
    for (int s = 0; s < 25; ++s) {
        Vec g;
        const double l = lsLossFlat(x, &g);
        const double refStep = ref.step(x, l, g);
        takeStep(*opt, p);
        ALIG_COMPARE_NEAR(reporter->lastStepSize(), refStep, rtol);
        compareFlat(p.flat(), x, rtol);
    }
    QVERIFY(lsLossFlat(ref.evalWeights(x), nullptr) < firstLoss); // the run learnt something
    if (evalWeights) {
        evalWeights->swapToEvalWeights();
        QVERIFY(evalWeights->holdsEvalWeights());
        compareFlat(p.flat(), ref.evalWeights(x), rtol);
        evalWeights->swapToTrainWeights();
        compareFlat(p.flat(), x, rtol);
    }
}

void TestTuningFreeOptimizers::momoWithoutMomentumIsAliG() {
    // MoMo's model with beta 0 is the loss's linearisation, so with the lower bound 0 its
    // step is ALI-G's min(l / ||g||^2, max_lr) (ALI-G's eps 0, no momentum), step for step:
    // with a cap that cuts every step, and one that cuts some (the two differ only in how
    // they round l + <w, g> - <w, g>).
    bool clipped = false, unclipped = false;
    for (double cap : {0.05, 1.0}) {
        Params a, m;
        AliG alig(std::vector<torch::Tensor>{a.w, a.b}, AliGOptions(cap).momentum(0.0).eps(0.0));
        auto momo =
            makeOptimizer(configOf({{"name", "momo"}, {"lr", cap}, {"beta1", 0.0}}), {m.w, m.b});
        auto& momoReporter = dynamic_cast<StepSizeReporter&>(*momo);
        for (int s = 0; s < 30; ++s) {
            takeStep(alig, a);
            takeStep(*momo, m);
            const double step = alig.lastStepSize();
            ALIG_COMPARE_NEAR(momoReporter.lastStepSize(), step, 1e-10);
            compareFlat(m.flat(), a.flat(), 1e-10);
            (step == cap ? clipped : unclipped) = true;
            QCOMPARE(momoReporter.lastStepReport().clipped.item<bool>(), step == cap);
        }
    }
    QVERIFY(clipped && unclipped);
}

void TestTuningFreeOptimizers::reportsItsOwnQuantities() {
    // Each method's own estimate beside its step, by name, for the plots.
    Params p;
    auto prodigy = makeOptimizer(configOf({{"name", "prodigy"}, {"lr", 1.0}}), {p.w, p.b});
    for (int s = 0; s < 5; ++s)
        takeStep(*prodigy, p);
    StepReport r = dynamic_cast<StepSizeReporter&>(*prodigy).lastStepReport();
    QVERIFY(extraOf(r, "d") > 1e-6); // d grew from d0
    QVERIFY(std::isfinite(extraOf(r, "d_hat")));

    Params q;
    auto momo =
        makeOptimizer(configOf({{"name", "momo"}, {"lr", 1.0}, {"momo_lb", 5.0}}), {q.w, q.b});
    takeStep(*momo, q); // the loss (about 1.3) is below the bound 5: truncated, no step
    r = dynamic_cast<StepSizeReporter&>(*momo).lastStepReport();
    QCOMPARE(extraOf(r, "truncated"), 1.0);
    QCOMPARE(extraOf(r, "lower_bound"), 5.0);
    QCOMPARE(r.stepSize.item<double>(), 0.0);

    Params d;
    auto dog = makeOptimizer(configOf({{"name", "dog"}, {"lr", 1.0}}), {d.w, d.b});
    takeStep(*dog, d);
    takeStep(*dog, d);
    r = dynamic_cast<StepSizeReporter&>(*dog).lastStepReport();
    Vec g;
    lsLossFlat(kX0, &g);
    QVERIFY(extraOf(r, "grad_sum_sq") > dot(g, g)); // two gradients summed
    ALIG_COMPARE_NEAR(r.stepSize.item<double>(),
                      extraOf(r, "rbar") / std::sqrt(extraOf(r, "grad_sum_sq")), 1e-12);

    Params f;
    auto sf = makeOptimizer(configOf({{"name", "sf_sgd"}, {"lr", 0.5}}), {f.w, f.b});
    for (int s = 0; s < 4; ++s)
        takeStep(*sf, f);
    r = dynamic_cast<StepSizeReporter&>(*sf).lastStepReport();
    ALIG_COMPARE_NEAR(extraOf(r, "averaging_weight"), 0.25, 1e-12); // constant lr: 1 / (k + 1)
}

void TestTuningFreeOptimizers::evalWeightsSwapExactly_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("sf_sgd") << "sf_sgd";
    QTest::newRow("sf_adamw") << "sf_adamw";
    QTest::newRow("dog") << "dog";
}

void TestTuningFreeOptimizers::evalWeightsSwapExactly() {
    // Swapping to the evaluation weights and back leaves training exactly where it was, and a
    // step on the evaluation weights is refused.
    QFETCH(QString, name);
    const OptimizerConfig c = configOf({{"name", name.toStdString()}, {"lr", 0.05}});
    Params a, b;
    auto straight = makeOptimizer(c, {a.w, a.b});
    auto swapped = makeOptimizer(c, {b.w, b.b});
    auto& ev = dynamic_cast<EvalWeights&>(*swapped);
    for (int s = 0; s < 10; ++s) {
        takeStep(*straight, a);
        takeStep(*swapped, b);
        ev.swapToEvalWeights();
        ev.swapToEvalWeights(); // twice is once
        // (after the first step the average is that step's weights)
        if (s > 0) QVERIFY(!torch::equal(b.w, a.w));
        QVERIFY(!alig::test::errorOf([&] { takeStep(*swapped, b); }).isEmpty());
        ev.swapToTrainWeights();
        QVERIFY(!ev.holdsEvalWeights());
        QVERIFY(torch::equal(b.w, a.w) && torch::equal(b.b, a.b));
    }
}

void TestTuningFreeOptimizers::saveLoadContinuesIdentically_data() {
    QTest::addColumn<QString>("optimizer");
    QTest::addColumn<bool>("savedOnEvalWeights");
    QTest::newRow("prodigy") << R"({"name": "prodigy", "lr": 1})" << false;
    QTest::newRow("sf_sgd") << R"({"name": "sf_sgd", "lr": 0.5})" << false;
    QTest::newRow("sf_sgd, saved on x") << R"({"name": "sf_sgd", "lr": 0.5})" << true;
    QTest::newRow("sf_adamw, saved on x") << R"({"name": "sf_adamw", "lr": 0.05})" << true;
    QTest::newRow("momo, online lb")
        << R"({"name": "momo", "lr": 1, "momo_online_lb": true})" << false;
    QTest::newRow("momo_adam") << R"({"name": "momo_adam", "lr": 0.1})" << false;
    QTest::newRow("dog") << R"({"name": "dog", "lr": 1})" << false;
    QTest::newRow("dog, saved on the average") << R"({"name": "dog", "lr": 1})" << true;
    QTest::newRow("decsps") << R"({"name": "decsps", "max_lr": 0.3})" << false;
}

void TestTuningFreeOptimizers::saveLoadContinuesIdentically() {
    QFETCH(QString, optimizer);
    QFETCH(bool, savedOnEvalWeights);
    const OptimizerConfig config = configOf(json::parse(optimizer.toStdString()));
    Params a;
    auto straight = makeOptimizer(config, {a.w, a.b});
    for (int s = 0; s < 8; ++s)
        takeStep(*straight, a);

    Params first;
    auto opt = makeOptimizer(config, {first.w, first.b});
    for (int s = 0; s < 4; ++s)
        takeStep(*opt, first);
    // As the trainer saves: the model's weights (the evaluation weights when asked), then the
    // optimizer.
    auto* ev = dynamic_cast<EvalWeights*>(opt.get());
    if (savedOnEvalWeights) ev->swapToEvalWeights();
    const torch::Tensor savedW = first.w.detach().clone(), savedB = first.b.detach().clone();
    std::ostringstream saved;
    {
        torch::serialize::OutputArchive archive;
        opt->save(archive);
        archive.save_to(saved);
    }
    OptimizerConfig other = config;
    other.lr = 7.0;
    other.maxLr = 3.0;
    Params resumedParams;
    {
        torch::NoGradGuard noGrad;
        resumedParams.w.copy_(savedW);
        resumedParams.b.copy_(savedB);
    }
    auto resumed = makeOptimizer(other, {resumedParams.w, resumedParams.b});
    {
        std::istringstream in(saved.str());
        torch::serialize::InputArchive archive;
        archive.load_from(in);
        resumed->load(archive);
    }
    if (auto* rev = dynamic_cast<EvalWeights*>(resumed.get())) {
        QCOMPARE(rev->holdsEvalWeights(), savedOnEvalWeights);
        rev->swapToTrainWeights();
    }
    for (int s = 0; s < 4; ++s)
        takeStep(*resumed, resumedParams);
    QVERIFY(torch::equal(resumedParams.w, a.w) && torch::equal(resumedParams.b, a.b));
    QCOMPARE(dynamic_cast<StepSizeReporter&>(*resumed).lastStepSize(),
             dynamic_cast<StepSizeReporter&>(*straight).lastStepSize());
}

void TestTuningFreeOptimizers::invalidConfig_data() {
    QTest::addColumn<QString>("optimizer");
    QTest::addColumn<QString>("message");
    QTest::newRow("prodigy d_coef") << R"({"name": "prodigy", "d_coef": -1})"
                                    << "optimizer.d_coef: must be > 0, got -1";
    QTest::newRow("prodigy d0") << R"({"name": "prodigy", "d0": 0})"
                                << "optimizer.d0: must be > 0, got 0";
    QTest::newRow("prodigy growth_rate") << R"({"name": "prodigy", "growth_rate": 0.5})"
                                         << "optimizer.growth_rate: must be >= 1";
    QTest::newRow("prodigy beta3") << R"({"name": "prodigy", "beta3": 1})"
                                   << "optimizer.beta3: must be in [0, 1), got 1";
    QTest::newRow("sf_sgd momentum") << R"({"name": "sf_sgd", "momentum": 1})"
                                     << "optimizer.momentum: must be in [0, 1), got 1";
    QTest::newRow("sf warm-up") << R"({"name": "sf_adamw", "sf_warmup_steps": -3})"
                                << "optimizer.sf_warmup_steps: must be >= 0, got -3";
    QTest::newRow("sf weight power") << R"({"name": "sf_sgd", "sf_weight_lr_power": -1})"
                                     << "optimizer.sf_weight_lr_power: must be >= 0, got -1";
    QTest::newRow("momo lr") << R"({"name": "momo", "lr": 0})"
                             << "optimizer.lr: must be > 0";
    QTest::newRow("momo_adam beta2") << R"({"name": "momo_adam", "beta2": 1.5})"
                                     << "optimizer.beta2: must be in [0, 1), got 1.5";
    QTest::newRow("dog reps_rel") << R"({"name": "dog", "dog_reps_rel": 0})"
                                  << "optimizer.dog_reps_rel: must be > 0, got 0";
    QTest::newRow("dog init_eta") << R"({"name": "dog", "dog_init_eta": -1})"
                                  << "optimizer.dog_init_eta: must be > 0, got -1";
    QTest::newRow("dog gamma") << R"({"name": "dog", "dog_average_gamma": -1})"
                               << "optimizer.dog_average_gamma: must be >= 0, got -1";
    QTest::newRow("decsps c") << R"({"name": "decsps", "c": 0})"
                              << "optimizer.c: must be > 0";
    QTest::newRow("a type") << R"({"name": "dog", "dog_average": 1})"
                            << "optimizer.dog_average: must be true or false";
}

void TestTuningFreeOptimizers::invalidConfig() {
    QFETCH(QString, optimizer);
    QFETCH(QString, message);
    const QString error = alig::test::errorOf([&] {
        const OptimizerConfig c = configOf(json::parse(optimizer.toStdString()));
        validateOptimizerConfig(c);
    });
    QVERIFY2(error.contains(message), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestTuningFreeOptimizers)
#include "tst_tuning_free_optimizers.moc"
