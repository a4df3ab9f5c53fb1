// The fused CUDA ALI-G step (core/optim/alig_fused_kernels.cu) gives the LibTorch path's
// numbers: the same weights, momentum buffers and step statistics after several steps, for
// both momentum forms, with and without max_lr and the projection; neither path waits for
// the GPU during a step. Every case skips where LibTorch sees no CUDA device.

#include "common/test_support.h"
#include "core/optim/alig.h"
#include "core/optim/alig_fused.h"

#include <QtTest/QtTest>
#include <torch/torch.h>

#if defined(ALIG_TEST_CUDA)
#include <c10/cuda/CUDAFunctions.h>
#endif

using alig::core::AliG;
using alig::core::AliGOptions;
using alig::core::MomentumForm;

namespace {

bool haveCuda() {
    return alig::core::fusedAligStepAvailable() && torch::cuda::is_available();
}

std::vector<torch::Tensor> makeParams(uint64_t seed) {
    torch::manual_seed(seed);
    std::vector<torch::Tensor> params;
    // Sizes that do not fill whole blocks, a scalar, and one tensor larger than the grid.
    for (auto shape :
         std::vector<std::vector<int64_t>>{{300, 17}, {17}, {16, 3, 3, 3}, {1}, {3000, 257}})
        params.push_back(torch::randn(shape).mul_(0.1).to(torch::kCUDA).requires_grad_());
    return params;
}

// Gives both copies the same random gradients and runs one step on each, one with the
// fused kernels and one without; returns the fused optimizer's statistics.
void stepBoth(AliG& fused, std::vector<torch::Tensor>& a, AliG& plain,
              std::vector<torch::Tensor>& b, double loss) {
    for (size_t i = 0; i < a.size(); ++i) {
        auto g = torch::randn(a[i].sizes()).to(torch::kCUDA);
        a[i].mutable_grad() = g.clone();
        b[i].mutable_grad() = g.clone();
    }
    auto lossTensor =
        torch::full({}, loss, torch::TensorOptions(torch::kFloat).device(torch::kCUDA));
    alig::core::enableFusedAligStep(true);
    fused.step([&] { return lossTensor; });
    alig::core::enableFusedAligStep(false);
    plain.step([&] { return lossTensor; });
}

} // namespace

class TestAligFused : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cleanup() { alig::core::enableFusedAligStep(false); }
    void agreesWithTheLibTorchPath_data();
    void agreesWithTheLibTorchPath();
    void fallsBackWhereItDoesNotApply();
    void noHostSynchronisationDuringAStep();
};

void TestAligFused::agreesWithTheLibTorchPath_data() {
    QTest::addColumn<double>("maxLr"); // 0: none
    QTest::addColumn<double>("momentum");
    QTest::addColumn<bool>("adjusted");
    QTest::addColumn<double>("radius"); // 0: none
    QTest::addColumn<double>("loss");
    // ||g||^2 is about 7.8e5 (that many standard normal gradient entries), so a loss of 1e5
    // gives an unclipped step near 0.13, which max_lr 0.05 clips. The initial weights' norm
    // is about 88, so a radius of 5 projects at every step.
    QTest::newRow("plain") << 0.0 << 0.0 << false << 0.0 << 1e5;
    QTest::newRow("clipped") << 0.05 << 0.0 << false << 0.0 << 1e5;
    QTest::newRow("standard-momentum") << 0.0 << 0.9 << false << 0.0 << 1e5;
    QTest::newRow("adjusted-momentum") << 0.05 << 0.9 << true << 0.0 << 1e5;
    QTest::newRow("projection") << 0.0 << 0.9 << false << 5.0 << 1e5;
    QTest::newRow("negative-loss") << 0.0 << 0.5 << true << 5.0 << -1e4;
}

void TestAligFused::agreesWithTheLibTorchPath() {
    if (!haveCuda()) QSKIP("no CUDA device, or a build without the fused kernels");
    QFETCH(double, maxLr);
    QFETCH(double, momentum);
    QFETCH(bool, adjusted);
    QFETCH(double, radius);
    QFETCH(double, loss);
    auto a = makeParams(3), b = makeParams(3);
    AliGOptions options(maxLr > 0 ? std::optional<double>(maxLr) : std::nullopt);
    options.momentum(momentum).momentum_form(adjusted ? MomentumForm::Adjusted
                                                      : MomentumForm::Standard);
    if (radius > 0) options.projection_radius(radius);
    AliG fused(a, options), plain(b, options);
    for (int step = 0; step < 5; ++step) {
        stepBoth(fused, a, plain, b, loss);
        // The fused path reports `clipped` as a double (1 or 0), the LibTorch path as a bool.
        QCOMPARE(fused.lastStats().clipped.scalar_type(), torch::kFloat64);
        ALIG_COMPARE_NEAR(fused.lastStepSize(), plain.lastStepSize(), 1e-5);
        ALIG_COMPARE_NEAR(fused.lastUnclippedStepSize(), plain.lastUnclippedStepSize(), 1e-5);
        ALIG_COMPARE_NEAR(fused.lastGradSquaredNorm(), plain.lastGradSquaredNorm(), 1e-5);
        QCOMPARE(fused.lastClipped(), plain.lastClipped());
        for (size_t i = 0; i < a.size(); ++i) {
            const double diff = (a[i] - b[i]).abs().max().item<double>();
            const double scale = b[i].abs().max().item<double>();
            QVERIFY2(diff <= 1e-5 * std::max(1.0, scale),
                     qPrintable(QString("param %1 after step %2: max difference %3")
                                    .arg(i)
                                    .arg(step + 1)
                                    .arg(diff)));
            if (momentum > 0) {
                const double bufferDiff = (fused.momentumBuffer(a[i]) - plain.momentumBuffer(b[i]))
                                              .abs()
                                              .max()
                                              .item<double>();
                QVERIFY2(bufferDiff <= 1e-5, qPrintable(QString::number(bufferDiff)));
            }
        }
    }
}

void TestAligFused::fallsBackWhereItDoesNotApply() {
    if (!haveCuda()) QSKIP("no CUDA device, or a build without the fused kernels");
    // float64 parameters are not the kernels' business: the LibTorch path takes the step.
    auto p = torch::randn({10}, torch::TensorOptions(torch::kFloat64).device(torch::kCUDA))
                 .requires_grad_();
    AliG optimizer(std::vector<torch::Tensor>{p}, AliGOptions(0.1));
    p.mutable_grad() = torch::ones_like(p);
    alig::core::enableFusedAligStep(true);
    auto loss = torch::full({}, 1.0, p.options());
    optimizer.step([&] { return loss; });
    QCOMPARE(optimizer.lastStats().clipped.scalar_type(), torch::kBool);
}

void TestAligFused::noHostSynchronisationDuringAStep() {
#if defined(ALIG_TEST_CUDA)
    if (!haveCuda()) QSKIP("no CUDA device");
    for (bool useFused : {true, false}) {
        auto a = makeParams(5);
        AliGOptions options(0.1);
        options.momentum(0.9).projection_radius(5.0);
        AliG optimizer(a, options);
        for (auto& p : a)
            p.mutable_grad() = torch::randn_like(p);
        auto loss = torch::full({}, 2.0, a.front().options().requires_grad(false));
        alig::core::enableFusedAligStep(useFused);
        optimizer.step([&] { return loss; }); // the first step builds the pointer table
        // c10's sync debug mode turns any synchronising CUDA call into an error.
        c10::cuda::warning_state().set_sync_debug_mode(c10::cuda::SyncDebugMode::L_ERROR);
        QString failure;
        try {
            for (int i = 0; i < 3; ++i)
                optimizer.step([&] { return loss; });
        } catch (const std::exception& e) {
            failure = e.what();
        }
        c10::cuda::warning_state().set_sync_debug_mode(c10::cuda::SyncDebugMode::L_DISABLED);
        QVERIFY2(failure.isEmpty(), qPrintable((useFused ? "fused: " : "LibTorch: ") + failure));
    }
#else
    QSKIP("built against a LibTorch without CUDA");
#endif
}

QTEST_GUILESS_MAIN(TestAligFused)
#include "tst_alig_fused.moc"
