// The baselines of the ALI-G paper. Ours (Yogi, SPS_max, the Polyak step, L4Adam, L4Mom, DFW)
// against independent implementations written here with plain doubles from each paper and
// reference; LibTorch's own (SGD, Adam, AdamW, AMSGrad, Adagrad, RMSprop) against the same
// LibTorch optimizer built by hand, to check that the config reaches it intact.

#include "common/test_support.h"
#include "core/experiment/experiment_config.h"
#include "core/optim/dfw.h"
#include "core/optim/l4.h"
#include "core/optim/optimizer_factory.h"
#include "core/optim/polyak.h"
#include "core/optim/sps.h"
#include "core/optim/step_size_reporter.h"
#include "core/optim/yogi.h"
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
using alig::test::tensorOf;

// The least-squares problem of tst_alig_optimizer: 0.5 * mean_i (a_i . w + b - y_i)^2.
const Vec kW0{0.3, -0.2, 0.1}, kB0{0.05};

double get(const json& o, const char* key, double fallback) {
    return o.contains(key) && !o[key].is_null() ? o[key].get<double>() : fallback;
}

// Each method written from its paper or reference, with that paper's defaults; no code of
// core/optim is used here.
struct Reference {
    json o;
    std::string method;
    Vec m, v, z;       // moving averages / momentum buffer
    int64_t t = 0;     // steps taken
    double lMin = 0.0; // L4

    explicit Reference(json options)
        : o(std::move(options))
        , method(o["name"].get<std::string>())
        , m(4, 0.0)
        , v(4, 0.0)
        , z(4, 0.0) {
        if (method == "yogi") v = Vec(4, get(o, "initial_accumulator", 1e-6));
    }

    // One step at x with loss l and gradient g; returns the step size it reports.
    double step(Vec& x, double l, const Vec& g) {
        double gsq = 0.0;
        for (double gi : g)
            gsq += gi * gi;
        const bool hasMax = !(o.contains("max_lr") && o["max_lr"].is_null());
        const double maxLr = get(o, "max_lr", 0.1);
        if (method == "yogi") {
            // Zaheer et al. 2018, Algorithm 2, with Adam's bias correction (TF Addons).
            const double lr = get(o, "lr", 0.1), b1 = get(o, "beta1", 0.9),
                         b2 = get(o, "beta2", 0.999), eps = get(o, "eps", 1e-3),
                         wd = get(o, "weight_decay", 0.0);
            ++t;
            for (int i = 0; i < 4; ++i) {
                const double gi = g[i] + wd * x[i], g2 = gi * gi;
                m[i] = b1 * m[i] + (1 - b1) * gi;
                const double diff = v[i] - g2;
                v[i] -= (1 - b2) * (diff > 0 ? 1.0 : diff < 0 ? -1.0 : 0.0) * g2;
                const double mHat = m[i] / (1 - std::pow(b1, t));
                const double vHat = v[i] / (1 - std::pow(b2, t));
                x[i] -= lr * mHat / (std::sqrt(vHat) + eps);
            }
            return lr;
        }
        if (method == "sps" || method == "polyak") {
            // SPS_max (Loizou et al. 2021, the reference's "constant" rule) and Polyak (c = 1).
            const bool sps = method == "sps";
            const double c = sps ? get(o, "c", 0.5) : 1.0, fStar = get(o, "f_star", 0.0),
                         eps = get(o, "eps", 1e-8);
            double s = (l - fStar) / (c * gsq + eps);
            if (l < fStar || (sps && std::sqrt(gsq) < 1e-8)) s = 0.0;
            if (hasMax) s = std::min(s, maxLr);
            for (int i = 0; i < 4; ++i)
                x[i] -= s * g[i];
            return s;
        }
        if (method == "l4adam" || method == "l4mom") {
            // Rolinek and Martius 2018, the reference's L4General.apply_gradients.
            const double alpha = get(o, "alpha", 0.15), gamma = get(o, "l4_gamma", 0.9),
                         init = get(o, "l4_init_factor", 0.75),
                         tau = get(o, "l4_forget_time", 1000.0), eps = get(o, "eps", 1e-12),
                         b1 = get(o, "beta1", 0.9), b2 = get(o, "beta2", 0.999);
            lMin = t == 0 ? init * l : std::min(lMin, l);
            Vec dir(4), d(4);
            double inner = 0.0;
            for (int i = 0; i < 4; ++i) {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                d[i] = m[i] / (1 - std::pow(b1, t + 1));
                const double sHat = v[i] / (1 - std::pow(b2, t + 1));
                dir[i] = method == "l4adam" ? d[i] / (std::sqrt(sHat) + 1e-4) : d[i];
                inner += dir[i] * d[i];
            }
            const double s = alpha * (l - gamma * lMin) / (inner + eps);
            for (int i = 0; i < 4; ++i)
                x[i] -= s * dir[i];
            lMin *= 1.0 + 1.0 / tau;
            ++t;
            return s;
        }
        // DFW, the reference's dfw.py: line search, proximal step, its momentum.
        const double eta = maxLr, mu = get(o, "momentum", 0.9), wd = get(o, "weight_decay", 0.0),
                     eps = get(o, "eps", 1e-5);
        double num = l, den = 0.0;
        for (int i = 0; i < 4; ++i) {
            num -= eta * g[i] * wd * x[i];
            den += eta * g[i] * g[i];
        }
        const double gamma = std::clamp(num / (den + eps), 0.0, 1.0);
        for (int i = 0; i < 4; ++i) {
            const double r = wd * x[i];
            x[i] -= eta * (r + gamma * g[i]);
            if (mu > 0) {
                z[i] = mu * z[i] - eta * gamma * (g[i] + r);
                x[i] += mu * z[i];
            }
        }
        return eta * gamma;
    }
};

OptimizerConfig configOf(const json& optimizer) {
    return ExperimentConfig::fromJson(json{{"optimizer", optimizer}}).optimizer;
}

void compareParams(const torch::Tensor& w, const torch::Tensor& b, const Vec& x, double rtol) {
    for (int j = 0; j < 3; ++j)
        ALIG_COMPARE_NEAR(w[j].item<double>(), x[j], rtol);
    ALIG_COMPARE_NEAR(b[0].item<double>(), x[3], rtol);
}

void takeStep(torch::optim::Optimizer& opt, torch::Tensor& w, torch::Tensor& b) {
    opt.zero_grad();
    auto loss = lsLossTorch(w, b);
    loss.backward();
    opt.step([&] { return loss.detach(); });
}

} // namespace

class TestBaselineOptimizers : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void ourMethods_data();
    void ourMethods();
    void noStepBelowFStar_data();
    void noStepBelowFStar();
    void libtorchMethods_data();
    void libtorchMethods();
    void saveLoadContinuesIdentically_data();
    void saveLoadContinuesIdentically();
    void loadRejectsOtherStates();
    void invalidOptions_data();
    void invalidOptions();
    void schedulerSeesTheStepScale();
};

void TestBaselineOptimizers::ourMethods_data() {
    QTest::addColumn<QString>("optimizer"); // the JSON "optimizer" section
    QTest::addColumn<int>("steps");
    // On this problem the first Polyak step l/||g||^2 is about 0.17 and l about 1.3, so
    // max_lr 10 never clips and 0.01 always does; f_star 0.5 is reached within a few steps.
    QTest::newRow("yogi, paper defaults, lr 0.1") << R"({"name": "yogi", "lr": 0.1})" << 6;
    QTest::newRow("yogi, weight decay, betas")
        << R"({"name": "yogi", "lr": 0.05, "weight_decay": 0.1, "beta1": 0.5, "beta2": 0.9})" << 6;
    QTest::newRow("yogi, v0 = 1") << R"({"name": "yogi", "lr": 0.1, "initial_accumulator": 1.0})"
                                  << 4;
    QTest::newRow("sps, unclipped") << R"({"name": "sps", "max_lr": 10})" << 5;
    QTest::newRow("sps, clipped") << R"({"name": "sps", "max_lr": 0.01})" << 4;
    QTest::newRow("sps, no maximum, c 1, f* 0.1")
        << R"({"name": "sps", "max_lr": null, "c": 1, "f_star": 0.1})" << 5;
    QTest::newRow("polyak, no maximum") << R"({"name": "polyak", "max_lr": null})" << 5;
    QTest::newRow("polyak, f* 0.5 and a cap")
        << R"({"name": "polyak", "max_lr": 0.15, "f_star": 0.5})" << 6;
    QTest::newRow("l4adam, reference defaults") << R"({"name": "l4adam"})" << 6;
    QTest::newRow("l4adam, alpha 0.3, gamma 0.5")
        << R"({"name": "l4adam", "alpha": 0.3, "l4_gamma": 0.5, "l4_forget_time": 5})" << 6;
    QTest::newRow("l4mom, reference defaults") << R"({"name": "l4mom"})" << 6;
    QTest::newRow("l4mom, beta1 0.5, init 0.5")
        << R"({"name": "l4mom", "beta1": 0.5, "l4_init_factor": 0.5})" << 5;
    QTest::newRow("dfw, eta 0.1, momentum 0.9") << R"({"name": "dfw", "max_lr": 0.1})" << 5;
    QTest::newRow("dfw, unclipped, no momentum")
        << R"({"name": "dfw", "max_lr": 10, "momentum": 0})" << 4;
    QTest::newRow("dfw, weight decay and momentum")
        << R"({"name": "dfw", "max_lr": 1, "momentum": 0.5, "weight_decay": 0.1})" << 5;
}

void TestBaselineOptimizers::ourMethods() {
    QFETCH(QString, optimizer);
    QFETCH(int, steps);
    const json options = json::parse(optimizer.toStdString());

    auto w = tensorOf(kW0).requires_grad_(true);
    auto b = tensorOf(kB0).requires_grad_(true);
    auto opt = makeOptimizer(configOf(options), {w, b});
    auto* reporter = dynamic_cast<StepSizeReporter*>(opt.get());
    const bool adaptive = isAdaptiveStepMethod(options["name"].get<std::string>());
    QCOMPARE(reporter != nullptr, adaptive);

    Reference ref(options);
    Vec x{kW0[0], kW0[1], kW0[2], kB0[0]};
    const double firstLoss = lsLossFlat(x, nullptr);
    for (int s = 0; s < steps; ++s) {
        Vec g;
        const double l = lsLossFlat(x, &g);
        ALIG_COMPARE_NEAR(lsLossTorch(w, b).item<double>(), l, 1e-12);
        const double refStep = ref.step(x, l, g);
        takeStep(*opt, w, b);
        if (reporter) ALIG_COMPARE_NEAR(reporter->lastStepSize(), refStep, 1e-10);
        compareParams(w, b, x, 1e-10);
    }
    QVERIFY(lsLossFlat(x, nullptr) < firstLoss); // the run learnt something
}

void TestBaselineOptimizers::noStepBelowFStar_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("sps") << "sps";
    QTest::newRow("polyak") << "polyak";
}

void TestBaselineOptimizers::noStepBelowFStar() {
    QFETCH(QString, name);
    // l = 0.5 ||w||^2 = 1.25 < f* = 2: a step would go uphill; neither method moves.
    auto w = tensorOf({1.0, 1.5}).requires_grad_(true);
    auto opt = makeOptimizer(configOf({{"name", name.toStdString()}, {"f_star", 2.0}}), {w});
    auto loss = 0.5 * w.pow(2).sum();
    loss.backward();
    opt->step([&] { return loss.detach(); });
    QCOMPARE(dynamic_cast<StepSizeReporter&>(*opt).lastStepSize(), 0.0);
    QCOMPARE(w[0].item<double>(), 1.0);
    QCOMPARE(w[1].item<double>(), 1.5);
}

void TestBaselineOptimizers::libtorchMethods_data() {
    QTest::addColumn<QString>("optimizer");
    QTest::newRow("sgd, nesterov, weight decay")
        << R"({"name": "sgd", "lr": 0.05, "momentum": 0.8, "nesterov": true,
              "weight_decay": 0.01})";
    QTest::newRow("sgd, plain") << R"({"name": "sgd", "lr": 0.1, "momentum": 0})";
    QTest::newRow("adam") << R"({"name": "adam", "lr": 0.01, "beta1": 0.8, "eps": 1e-6})";
    QTest::newRow("adamw") << R"({"name": "adamw", "lr": 0.01, "weight_decay": 0.1})";
    QTest::newRow("amsgrad") << R"({"name": "amsgrad", "lr": 0.02, "beta2": 0.99})";
    QTest::newRow("adagrad") << R"({"name": "adagrad", "lr": 0.1, "lr_decay": 0.01,
                                    "initial_accumulator": 0.1, "weight_decay": 0.001})";
    QTest::newRow("rmsprop") << R"({"name": "rmsprop", "lr": 0.01, "alpha": 0.9})";
    QTest::newRow("rmsprop, centered")
        << R"({"name": "rmsprop", "lr": 0.01, "centered": true, "weight_decay": 0.01})";
}

void TestBaselineOptimizers::libtorchMethods() {
    QFETCH(QString, optimizer);
    const json o = json::parse(optimizer.toStdString());
    const std::string name = o["name"].get<std::string>();
    namespace to = torch::optim;

    // The same optimizer built by hand, from the JSON, with PyTorch's defaults written out.
    auto wh = tensorOf(kW0).requires_grad_(true), bh = tensorOf(kB0).requires_grad_(true);
    std::unique_ptr<to::Optimizer> byHand;
    const double lr = o["lr"].get<double>(), wd = get(o, "weight_decay", 0.0);
    const double b1 = get(o, "beta1", 0.9), b2 = get(o, "beta2", 0.999);
    if (name == "sgd") {
        byHand = std::make_unique<to::SGD>(std::vector<torch::Tensor>{wh, bh},
                                           to::SGDOptions(lr)
                                               .momentum(get(o, "momentum", 0.9))
                                               .nesterov(o.value("nesterov", false))
                                               .weight_decay(wd));
    } else if (name == "adam" || name == "amsgrad") {
        byHand = std::make_unique<to::Adam>(std::vector<torch::Tensor>{wh, bh},
                                            to::AdamOptions(lr)
                                                .betas({b1, b2})
                                                .eps(get(o, "eps", 1e-8))
                                                .weight_decay(wd)
                                                .amsgrad(name == "amsgrad"));
    } else if (name == "adamw") {
        byHand = std::make_unique<to::AdamW>(std::vector<torch::Tensor>{wh, bh},
                                             to::AdamWOptions(lr).betas({b1, b2}).weight_decay(wd));
    } else if (name == "adagrad") {
        byHand = std::make_unique<to::Adagrad>(
            std::vector<torch::Tensor>{wh, bh},
            to::AdagradOptions(lr)
                .lr_decay(get(o, "lr_decay", 0.0))
                .initial_accumulator_value(get(o, "initial_accumulator", 0.0))
                .weight_decay(wd)
                .eps(1e-10));
    } else {
        byHand = std::make_unique<to::RMSprop>(std::vector<torch::Tensor>{wh, bh},
                                               to::RMSpropOptions(lr)
                                                   .alpha(get(o, "alpha", 0.99))
                                                   .eps(1e-8)
                                                   .centered(o.value("centered", false))
                                                   .weight_decay(wd));
    }
    auto w = tensorOf(kW0).requires_grad_(true), b = tensorOf(kB0).requires_grad_(true);
    auto built = makeOptimizer(configOf(o), {w, b});
    QVERIFY(dynamic_cast<StepSizeReporter*>(built.get()) == nullptr);
    QCOMPARE(built->param_groups().front().options().get_lr(), lr);
    if (name == "amsgrad")
        QVERIFY(static_cast<to::AdamOptions&>(built->param_groups().front().options()).amsgrad());

    for (int s = 0; s < 4; ++s) {
        takeStep(*built, w, b);
        takeStep(*byHand, wh, bh);
        QVERIFY2(torch::equal(w, wh) && torch::equal(b, bh), qPrintable(QString("step %1").arg(s)));
    }
    QVERIFY(!torch::equal(w, tensorOf(kW0))); // the steps moved the weights
}

void TestBaselineOptimizers::saveLoadContinuesIdentically_data() {
    QTest::addColumn<QString>("optimizer");
    QTest::newRow("yogi") << R"({"name": "yogi"})";
    QTest::newRow("sps") << R"({"name": "sps", "max_lr": 0.3})";
    QTest::newRow("polyak") << R"({"name": "polyak", "max_lr": null, "f_star": 0.01})";
    QTest::newRow("l4adam") << R"({"name": "l4adam"})";
    QTest::newRow("l4mom") << R"({"name": "l4mom", "l4_forget_time": 3})";
    QTest::newRow("dfw") << R"({"name": "dfw", "max_lr": 0.5, "weight_decay": 0.01})";
}

void TestBaselineOptimizers::saveLoadContinuesIdentically() {
    QFETCH(QString, optimizer);
    const OptimizerConfig config = configOf(json::parse(optimizer.toStdString()));
    auto w = tensorOf(kW0).requires_grad_(true), b = tensorOf(kB0).requires_grad_(true);
    auto straight = makeOptimizer(config, {w, b});
    for (int s = 0; s < 6; ++s)
        takeStep(*straight, w, b);

    auto w1 = tensorOf(kW0).requires_grad_(true), b1 = tensorOf(kB0).requires_grad_(true);
    auto first = makeOptimizer(config, {w1, b1});
    for (int s = 0; s < 3; ++s)
        takeStep(*first, w1, b1);
    std::ostringstream saved;
    {
        torch::serialize::OutputArchive archive;
        first->save(archive);
        archive.save_to(saved);
    }
    // Rebuilt with other options: the file brings them back, with the state.
    OptimizerConfig other = config;
    other.lr = 7.0;
    other.maxLr = 3.0;
    other.alpha = 0.9;
    auto w2 = w1.detach().clone().requires_grad_(true);
    auto b2 = b1.detach().clone().requires_grad_(true);
    auto resumed = makeOptimizer(other, {w2, b2});
    {
        std::istringstream in(saved.str());
        torch::serialize::InputArchive archive;
        archive.load_from(in);
        resumed->load(archive);
    }
    for (int s = 0; s < 3; ++s)
        takeStep(*resumed, w2, b2);
    QVERIFY(torch::allclose(w2, w, 0.0, 0.0) && torch::allclose(b2, b, 0.0, 0.0));
    if (auto* r = dynamic_cast<StepSizeReporter*>(resumed.get()))
        QCOMPARE(r->lastStepSize(), dynamic_cast<StepSizeReporter&>(*straight).lastStepSize());

    // A fresh optimizer from the saved weights (no state) goes elsewhere for the stateful
    // methods: the test can tell state was restored.
    if (config.name == "sps" || config.name == "polyak") return;
    auto w3 = w1.detach().clone().requires_grad_(true);
    auto b3 = b1.detach().clone().requires_grad_(true);
    auto fresh = makeOptimizer(config, {w3, b3});
    for (int s = 0; s < 3; ++s)
        takeStep(*fresh, w3, b3);
    QVERIFY(!torch::equal(w3, w));
}

void TestBaselineOptimizers::loadRejectsOtherStates() {
    auto w = tensorOf(kW0).requires_grad_(true), b = tensorOf(kB0).requires_grad_(true);
    Yogi yogi(std::vector<torch::Tensor>{w, b});
    takeStep(yogi, w, b);
    torch::serialize::OutputArchive out;
    yogi.save(out);
    std::ostringstream saved;
    out.save_to(saved);

    std::istringstream in(saved.str());
    torch::serialize::InputArchive archive;
    archive.load_from(in);
    L4 l4(std::vector<torch::Tensor>{w, b});
    QCOMPARE(alig::test::errorOf([&] { l4.load(archive); }),
             QString("not a saved L4 state (no l4_format entry)"));

    // The same method with a parameter of another shape.
    auto other = torch::zeros({5}, torch::kFloat64).requires_grad_(true);
    Yogi mismatched(std::vector<torch::Tensor>{other, b});
    std::istringstream again(saved.str());
    torch::serialize::InputArchive archive2;
    archive2.load_from(again);
    QVERIFY(alig::test::errorOf([&] {
                mismatched.load(archive2);
            }).contains("Yogi state of parameter 0 of group 0: exp_avg does not match"));
}

void TestBaselineOptimizers::invalidOptions_data() {
    QTest::addColumn<QString>("method");
    QTest::addColumn<double>("value");
    QTest::addColumn<QString>("message");
    QTest::newRow("yogi lr") << "yogi lr" << -1.0 << "lr: must be > 0 and finite, got -1";
    QTest::newRow("yogi beta2") << "yogi beta2" << 1.0 << "beta2: must be in [0, 1), got 1";
    QTest::newRow("yogi eps") << "yogi eps" << 0.0 << "eps: must be > 0 and finite, got 0";
    QTest::newRow("sps c") << "sps c" << 0.0 << "c: must be > 0, got 0";
    QTest::newRow("sps max_lr") << "sps max_lr" << -2.0 << "max_lr: must be > 0, got -2";
    QTest::newRow("polyak f_star")
        << "polyak f_star" << std::numeric_limits<double>::infinity() << "f_star: must be finite";
    QTest::newRow("l4 alpha") << "l4 alpha" << 0.0 << "alpha: must be > 0 and finite, got 0";
    QTest::newRow("l4 gamma") << "l4 gamma" << 1.5 << "gamma: must be in [0, 1], got 1.5";
    QTest::newRow("l4 forget_time") << "l4 forget_time" << 0.0 << "forget_time: must be > 0";
    QTest::newRow("dfw eta") << "dfw eta" << 0.0 << "eta: must be > 0 and finite, got 0";
    QTest::newRow("dfw momentum") << "dfw momentum" << 1.0 << "momentum: must be in [0, 1), got 1";
}

void TestBaselineOptimizers::invalidOptions() {
    QFETCH(QString, method);
    QFETCH(double, value);
    QFETCH(QString, message);
    std::vector<torch::Tensor> params{torch::zeros({2}, torch::kFloat64).requires_grad_(true)};
    const QString error = alig::test::errorOf([&] {
        if (method == "yogi lr") Yogi(params, YogiOptions(value));
        if (method == "yogi beta2") Yogi(params, YogiOptions().beta2(value));
        if (method == "yogi eps") Yogi(params, YogiOptions().eps(value));
        if (method == "sps c") SpsMax(params, SpsOptions(0.1).c(value));
        if (method == "sps max_lr") SpsMax(params, SpsOptions(value));
        if (method == "polyak f_star") PolyakStep(params, PolyakOptions().f_star(value));
        if (method == "l4 alpha") L4(params, L4Options(value));
        if (method == "l4 gamma") L4(params, L4Options().gamma(value));
        if (method == "l4 forget_time") L4(params, L4Options().forget_time(value));
        if (method == "dfw eta") Dfw(params, DfwOptions(value));
        if (method == "dfw momentum") Dfw(params, DfwOptions(0.1).momentum(value));
    });
    QVERIFY2(error.contains(message), qPrintable(error));
}

void TestBaselineOptimizers::schedulerSeesTheStepScale() {
    // get_lr/set_lr reach what a schedule scales: SPS/Polyak/DFW max_lr (eta), L4 alpha.
    std::vector<torch::Tensor> params{torch::zeros({2}, torch::kFloat64).requires_grad_(true)};
    for (const char* name : {"sps", "polyak", "dfw", "l4adam", "yogi"}) {
        auto opt = makeOptimizer(
            configOf({{"name", name}, {"max_lr", 0.4}, {"lr", 0.4}, {"alpha", 0.4}}), params);
        auto& options = opt->param_groups().front().options();
        QCOMPARE(options.get_lr(), 0.4);
        options.set_lr(0.2);
        QCOMPARE(options.get_lr(), 0.2);
    }
    auto sps = makeOptimizer(configOf({{"name", "sps"}, {"max_lr", nullptr}}), params);
    QVERIFY(std::isinf(sps->param_groups().front().options().get_lr()));
}

QTEST_GUILESS_MAIN(TestBaselineOptimizers)
#include "tst_baseline_optimizers.moc"
