// The built-in architectures behind makeModel(): output shapes, exact parameter counts against
// independent formulas and the published numbers, config errors, seeding, train/eval
// behaviour and checkpoints.

#include "common/test_support.h"
#include "core/models/model.h"
#include "core/models/module_model.h"
#include "core/util/choice.h"
#include "core/util/error.h"

#include <torch/torch.h>

#include <QtTest/QtTest>

#include <cmath>
#include <sstream>

using alig::core::Error;
using alig::core::makeModel;
using alig::core::Model;
using alig::core::ModelConfig;
using alig::core::ModuleModel;
using Shape = std::vector<int64_t>;

Q_DECLARE_METATYPE(alig::core::ModelConfig)
Q_DECLARE_METATYPE(Shape)

namespace {

ModelConfig config(const std::string& type) {
    ModelConfig c;
    c.type = type;
    return c;
}

ModelConfig mlp(std::vector<int64_t> hidden, std::string activation = "relu",
                double dropout = 0.0) {
    ModelConfig c = config("mlp");
    c.hidden = std::move(hidden);
    c.activation = std::move(activation);
    c.dropout = dropout;
    return c;
}

ModelConfig resnet(int64_t depth) {
    ModelConfig c = config("resnet");
    c.depth = depth;
    return c;
}

ModelConfig wrn(int64_t depth, int64_t widen, double dropout = 0.0) {
    ModelConfig c = config("wrn");
    c.depth = depth;
    c.widen = widen;
    c.dropout = dropout;
    return c;
}

ModelConfig cnn(int64_t channels) {
    ModelConfig c = config("cnn");
    c.channels = channels;
    return c;
}

const Shape kFashion{1, 28, 28};
const Shape kCifar{3, 32, 32};
const Shape kTable{2};

Shape batchOf(int64_t batch, const Shape& shape) {
    Shape result{batch};
    result.insert(result.end(), shape.begin(), shape.end());
    return result;
}

// Parameter counts written out layer by layer, independently of the module code.
// A k x k convolution from a to b channels without bias has k*k*a*b weights; a BatchNorm over
// c channels has 2c (weight and bias; the running statistics are buffers, not parameters);
// a Linear layer from a to b has a*b + b.
int64_t convCount(int64_t a, int64_t b, int64_t k) {
    return k * k * a * b;
}
int64_t bnCount(int64_t c) {
    return 2 * c;
}
int64_t linearCount(int64_t a, int64_t b) {
    return a * b + b;
}

// CIFAR ResNet, depth 6n+2, option A shortcuts (no parameters): a 3x3 stem conv to 16
// channels with BN, three stages of n basic blocks (two conv3x3+BN each) of 16, 32, 64
// channels, the first block of a stage going from the previous width, and a Linear 64->K.
int64_t resnetCount(int64_t depth, int64_t inChannels, int64_t classes) {
    const int64_t n = (depth - 2) / 6;
    int64_t count = convCount(inChannels, 16, 3) + bnCount(16);
    for (auto [in, out] : {std::pair<int64_t, int64_t>{16, 16}, {16, 32}, {32, 64}}) {
        count += convCount(in, out, 3) + bnCount(out) + convCount(out, out, 3) + bnCount(out);
        count += (n - 1) * 2 * (convCount(out, out, 3) + bnCount(out));
    }
    return count + linearCount(64, classes);
}

// WRN-d-k, n = (d-4)/6 pre-activation blocks per stage: a 3x3 stem conv to 16 channels (no
// BN: the first block pre-activates), stages of 16k, 32k, 64k channels whose blocks hold
// BN(in), conv3x3 in->out, BN(out), conv3x3 out->out, plus a 1x1 conv in->out where in != out;
// then the final BN(64k) and a Linear 64k->K.
int64_t wrnCount(int64_t depth, int64_t k, int64_t inChannels, int64_t classes) {
    const int64_t n = (depth - 4) / 6;
    int64_t count = convCount(inChannels, 16, 3);
    for (auto [in, out] :
         {std::pair<int64_t, int64_t>{16, 16 * k}, {16 * k, 32 * k}, {32 * k, 64 * k}}) {
        count += bnCount(in) + convCount(in, out, 3) + bnCount(out) + convCount(out, out, 3);
        if (in != out) count += convCount(in, out, 1);
        count += (n - 1) * (2 * bnCount(out) + 2 * convCount(out, out, 3));
    }
    return count + bnCount(64 * k) + linearCount(64 * k, classes);
}

// Two conv3x3 (no bias) + BN blocks of c and 2c channels, each pooling by 2, then
// Linear(2c * H/4 * W/4 -> 128) and Linear(128 -> K).
int64_t cnnCount(const Shape& image, int64_t c, int64_t classes) {
    return convCount(image[0], c, 3) + bnCount(c) + convCount(c, 2 * c, 3) + bnCount(2 * c) +
           linearCount(2 * c * (image[1] / 4) * (image[2] / 4), 128) + linearCount(128, classes);
}

std::vector<torch::Tensor> buffersOf(Model& model) {
    auto* moduleModel = dynamic_cast<ModuleModel*>(&model);
    if (!moduleModel) return {};
    std::vector<torch::Tensor> result;
    for (const auto& item : moduleModel->module().named_buffers())
        result.push_back(item.value());
    return result;
}

bool allEqual(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (!a[i].sizes().equals(b[i].sizes()) || !torch::equal(a[i], b[i])) return false;
    }
    return true;
}

using alig::test::snapshot;

} // namespace

class TestModels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { torch::manual_seed(0); }

    void outputShape_data();
    void outputShape();
    void parameterCount_data();
    void parameterCount();
    void countFormulasMatchPublished();
    void describe_data();
    void describe();
    void activationPerLayer();
    void configErrors_data();
    void configErrors();
    void typeTable();
    void seeding_data();
    void seeding();
    void dropoutFollowsTrainMode();
    void batchNormFollowsTrainMode();
    void gradientsReachEveryParameter();
    void saveLoadRoundTrip_data();
    void saveLoadRoundTrip();
    void loadRejectsOtherModel();
    void cudaRoundTrip();
};

void TestModels::outputShape_data() {
    QTest::addColumn<ModelConfig>("config");
    QTest::addColumn<Shape>("inputShape");
    QTest::addColumn<int>("classes");

    const std::vector<std::pair<const char*, Shape>> shapes{
        {"1x28x28", kFashion}, {"3x32x32", kCifar}, {"[2]", kTable}};
    for (const auto& [name, shape] : shapes) {
        QTest::newRow(qPrintable(QStringLiteral("linear %1").arg(name)))
            << config("linear") << shape << 10;
        QTest::newRow(qPrintable(QStringLiteral("mlp %1").arg(name)))
            << mlp({32, 16}, "gelu", 0.2) << shape << 3;
    }
    for (const auto& [name, shape] : shapes) {
        if (shape.size() != 3) continue;
        QTest::newRow(qPrintable(QStringLiteral("cnn %1").arg(name))) << cnn(8) << shape << 10;
        QTest::newRow(qPrintable(QStringLiteral("resnet-20 %1").arg(name)))
            << resnet(20) << shape << 10;
        // WRN-10-1 keeps the suite fast; the counts below cover the wide variants.
        QTest::newRow(qPrintable(QStringLiteral("wrn-10-1 %1").arg(name)))
            << wrn(10, 1, 0.3) << shape << 100;
    }
}

void TestModels::outputShape() {
    QFETCH(ModelConfig, config);
    QFETCH(Shape, inputShape);
    QFETCH(int, classes);

    auto model = makeModel(config, inputShape, classes);
    for (bool training : {true, false}) {
        model->train(training);
        torch::NoGradGuard noGrad;
        const torch::Tensor out = model->forward(torch::randn(batchOf(3, inputShape)));
        QCOMPARE(out.sizes().vec(), (Shape{3, classes}));
        QCOMPARE(out.scalar_type(), torch::kFloat);
        QVERIFY(torch::isfinite(out).all().item<bool>());
    }
}

void TestModels::parameterCount_data() {
    QTest::addColumn<ModelConfig>("config");
    QTest::addColumn<Shape>("inputShape");
    QTest::addColumn<int>("classes");
    QTest::addColumn<qint64>("expected");

    // Linear: 784*10 + 10 = 7850; 2*3 + 3 = 9.
    QTest::newRow("linear fashion") << config("linear") << kFashion << 10 << qint64(7850);
    QTest::newRow("linear table") << config("linear") << kTable << 3 << qint64(9);
    // The default MLP on Fashion-MNIST: (784*256 + 256) + (256*256 + 256) + (256*10 + 10)
    // = 200960 + 65792 + 2570.
    QTest::newRow("mlp 784-256-256-10") << ModelConfig{} << kFashion << 10 << qint64(269322);
    // Dropout and activation add no parameters: 2*16 + 16 + 16*3 + 3.
    QTest::newRow("mlp 2-16-3") << mlp({16}, "tanh", 0.5) << kTable << 3 << qint64(99);
    QTest::newRow("cnn 32 fashion")
        << cnn(32) << kFashion << 10 << qint64(cnnCount(kFashion, 32, 10));
    QTest::newRow("cnn 32 cifar") << cnn(32) << kCifar << 10 << qint64(cnnCount(kCifar, 32, 10));
    // ResNet-20 by hand (n = 3, CIFAR-10):
    //   stem conv 3*16*9 = 432, BN 32                                                =    464
    //   stage 1: 3 blocks x 2 x (16*16*9 + 32) = 6 x 2336                            =  14016
    //   stage 2: (16*32*9 + 64) + (32*32*9 + 64) + 4 x (32*32*9 + 64)
    //          = 4672 + 9280 + 37120                                                 =  51072
    //   stage 3: (32*64*9 + 128) + (64*64*9 + 128) + 4 x (64*64*9 + 128)
    //          = 18560 + 36992 + 147968                                              = 203520
    //   fc 64*10 + 10                                                                =    650
    //   total 269722, the published 0.27M (He et al. 2016, Table 6, option A).
    QTest::newRow("resnet-20 cifar") << resnet(20) << kCifar << 10 << qint64(269722);
    QTest::newRow("resnet-20 fashion")
        << resnet(20) << kFashion << 10 << qint64(resnetCount(20, 1, 10));
    QTest::newRow("resnet-110 cifar") << resnet(110) << kCifar << 10 << qint64(1727962);
    QTest::newRow("wrn-16-4 cifar") << wrn(16, 4, 0.3) << kCifar << 10 << qint64(2748890);
    QTest::newRow("wrn-40-4 cifar") << wrn(40, 4) << kCifar << 10 << qint64(8949210);
    QTest::newRow("wrn-16-4 fashion")
        << wrn(16, 4) << kFashion << 10 << qint64(wrnCount(16, 4, 1, 10));
    QTest::newRow("wrn-10-1 cifar-100")
        << wrn(10, 1) << kCifar << 100 << qint64(wrnCount(10, 1, 3, 100));
}

void TestModels::parameterCount() {
    QFETCH(ModelConfig, config);
    QFETCH(Shape, inputShape);
    QFETCH(int, classes);
    QFETCH(qint64, expected);

    auto model = makeModel(config, inputShape, classes);
    QCOMPARE(qint64(model->parameterCount()), expected);
    for (const torch::Tensor& p : model->parameters())
        QVERIFY(p.requires_grad());
}

// The formulas above against the counts written in the table and the published ones: ResNets
// 0.27M / 0.46M / 0.85M / 1.7M (He et al. 2016, Table 6), WRN-16-4 2.7M, WRN-40-4 8.9M and
// WRN-28-10 36.5M (Zagoruyko & Komodakis 2016, Table 4).
void TestModels::countFormulasMatchPublished() {
    QCOMPARE(resnetCount(20, 3, 10), int64_t(269722));
    QCOMPARE(resnetCount(110, 3, 10), int64_t(1727962));
    QCOMPARE(wrnCount(16, 4, 3, 10), int64_t(2748890));
    QCOMPARE(wrnCount(40, 4, 3, 10), int64_t(8949210));
    auto millions = [](int64_t count, int digits) {
        return QString::number(double(count) / 1e6, 'f', digits);
    };
    QCOMPARE(millions(resnetCount(20, 3, 10), 2), QStringLiteral("0.27"));
    QCOMPARE(millions(resnetCount(32, 3, 10), 2), QStringLiteral("0.46"));
    QCOMPARE(millions(resnetCount(56, 3, 10), 2), QStringLiteral("0.85"));
    QCOMPARE(millions(resnetCount(110, 3, 10), 1), QStringLiteral("1.7"));
    QCOMPARE(millions(wrnCount(16, 4, 3, 10), 2), QStringLiteral("2.75"));
    QCOMPARE(millions(wrnCount(40, 4, 3, 10), 1), QStringLiteral("8.9"));
    QCOMPARE(millions(wrnCount(28, 10, 3, 10), 1), QStringLiteral("36.5"));
}

void TestModels::describe_data() {
    QTest::addColumn<ModelConfig>("config");
    QTest::addColumn<Shape>("inputShape");
    QTest::addColumn<QString>("expected");

    QTest::newRow("mlp") << ModelConfig{} << kFashion << "MLP 784-256-256-10 (relu)";
    QTest::newRow("mlp dropout") << mlp({16}, "tanh", 0.5) << kTable
                                 << "MLP 2-16-10 (tanh, dropout 0.5)";
    QTest::newRow("mlp per layer")
        << mlp({16, 8}, "tanh, relu") << kTable << "MLP 2-16-8-10 (tanh, relu)";
    QTest::newRow("linear") << config("linear") << kCifar << "Linear 3072-10 (logistic regression)";
    QTest::newRow("cnn") << cnn(32) << kFashion << "CNN 32-64 channels, fc 128";
    QTest::newRow("resnet") << resnet(20) << kCifar << "ResNet-20";
    QTest::newRow("wrn dropout") << wrn(16, 4, 0.3) << kCifar << "WRN-16-4 (dropout 0.3)";
    QTest::newRow("wrn") << wrn(10, 2) << kCifar << "WRN-10-2";
}

void TestModels::describe() {
    QFETCH(ModelConfig, config);
    QFETCH(Shape, inputShape);
    QFETCH(QString, expected);
    QCOMPARE(QString::fromStdString(makeModel(config, inputShape, 10)->describe()), expected);
}

void TestModels::activationPerLayer() {
    // The same initial weights (the activations add none): one name for every layer is that
    // name per layer, and another name for the second layer changes what it computes.
    const torch::Tensor x = torch::linspace(-3.0, 3.0, 40).reshape({20, 2});
    auto output = [&](const std::string& activation) {
        torch::manual_seed(3);
        auto model = makeModel(mlp({6, 5}, activation), kTable, 3);
        model->train(false);
        return model->forward(x);
    };
    QVERIFY(torch::equal(output("tanh"), output("tanh, tanh")));
    QVERIFY(!torch::allclose(output("tanh"), output("tanh, relu")));
    QVERIFY(!torch::allclose(output("relu, tanh"), output("tanh, relu")));
    QVERIFY(torch::equal(output("tanh, relu"), output(" tanh ,relu")));
}

void TestModels::configErrors_data() {
    QTest::addColumn<ModelConfig>("config");
    QTest::addColumn<Shape>("inputShape");
    QTest::addColumn<int>("classes");
    QTest::addColumn<QString>("message");

    QTest::newRow("resnet depth 21")
        << resnet(21) << kCifar << 10
        << "model.depth: a CIFAR ResNet needs depth 6n+2 (20, 32, 44, 56, 110), got 21";
    QTest::newRow("resnet depth 2")
        << resnet(2) << kCifar << 10
        << "model.depth: a CIFAR ResNet needs depth 6n+2 (20, 32, 44, 56, 110), got 2";
    QTest::newRow("wrn depth 20")
        << wrn(20, 4) << kCifar << 10
        << "model.depth: a Wide ResNet needs depth 6n+4 (10, 16, 22, 28, 40), got 20";
    QTest::newRow("wrn widen 0") << wrn(16, 0) << kCifar << 10
                                 << "model.widen: must be >= 1, got 0";
    QTest::newRow("wrn dropout 1")
        << wrn(16, 4, 1.0) << kCifar << 10 << "model.dropout: must be in [0, 1), got 1";
    QTest::newRow("cnn on table") << cnn(32) << kTable << 10
                                  << "model.type: cnn needs image input [C,H,W], the dataset "
                                     "gives [2]";
    QTest::newRow("resnet on table") << resnet(20) << Shape{4, 5} << 10
                                     << "model.type: resnet needs image input [C,H,W], the "
                                        "dataset gives [4, 5]";
    QTest::newRow("wrn on table") << wrn(16, 4) << kTable << 10
                                  << "model.type: wrn needs image input [C,H,W], the dataset "
                                     "gives [2]";
    QTest::newRow("cnn tiny image")
        << cnn(32) << Shape{1, 3, 8} << 10
        << "model.type: cnn needs images of at least 4x4 pixels (it pools twice), the dataset "
           "gives [1, 3, 8]";
    QTest::newRow("cnn channels 0")
        << cnn(0) << kFashion << 10 << "model.channels: must be > 0, got 0";
    QTest::newRow("unknown type") << config("transformer") << kFashion << 10
                                  << "model.type: must be one of linear, mlp, cnn, resnet, wrn, "
                                     "torchscript, got \"transformer\"";
    QTest::newRow("hidden 0") << mlp({256, 0}) << kFashion << 10
                              << "model.hidden: layer widths must be > 0, got 0 for hidden "
                                 "layer 2";
    QTest::newRow("hidden negative") << mlp({-5}) << kFashion << 10
                                     << "model.hidden: layer widths must be > 0, got -5 for "
                                        "hidden layer 1";
    QTest::newRow("dropout 1") << mlp({16}, "relu", 1.0) << kTable << 10
                               << "model.dropout: must be in [0, 1), got 1";
    QTest::newRow("dropout negative")
        << mlp({16}, "relu", -0.1) << kTable << 10 << "model.dropout: must be in [0, 1), got -0.1";
    QTest::newRow("dropout nan") << mlp({16}, "relu", std::nan("")) << kTable << 10
                                 << "model.dropout: must be in [0, 1), got nan";
    QTest::newRow("activation") << mlp({16}, "swish") << kTable << 10
                                << "model.activation: must be one of relu, tanh, sigmoid, gelu, "
                                   "leaky_relu, got \"swish\"";
    QTest::newRow("activation per layer") << mlp({16, 8}, "tanh, swish") << kTable << 10
                                          << "model.activation: must be one of relu, tanh, "
                                             "sigmoid, gelu, leaky_relu, got \"swish\"";
    QTest::newRow("activation count") << mlp({16, 8}, "tanh, relu, gelu") << kTable << 10
                                      << "model.activation: give one activation for every "
                                         "layer or one per hidden layer (2), got 3 in \"tanh, "
                                         "relu, gelu\"";
    QTest::newRow("no classes") << config("linear") << kTable << 0
                                << "model: needs at least one class, the dataset gives 0";
    QTest::newRow("no input shape")
        << config("mlp") << Shape{} << 10 << "model.type: mlp needs the input shape of the dataset";
    QTest::newRow("empty dimension") << config("mlp") << Shape{1, 0, 28} << 10
                                     << "model: the input shape [1, 0, 28] has an empty "
                                        "dimension";
    QTest::newRow("torchscript without path")
        << config("torchscript") << kFashion << 10
        << "model.path: a torchscript model needs the path of a .pt file";
}

void TestModels::configErrors() {
    QFETCH(ModelConfig, config);
    QFETCH(Shape, inputShape);
    QFETCH(int, classes);
    QFETCH(QString, message);
    try {
        makeModel(config, inputShape, classes);
        QFAIL("makeModel() accepted the config");
    } catch (const Error& e) {
        QCOMPARE(QString::fromUtf8(e.what()), message);
    }
}

void TestModels::seeding_data() {
    QTest::addColumn<ModelConfig>("config");
    QTest::addColumn<Shape>("inputShape");
    QTest::newRow("linear") << config("linear") << kTable;
    QTest::newRow("mlp") << mlp({32, 32}, "relu", 0.1) << kFashion;
    QTest::newRow("cnn") << cnn(8) << kCifar;
    QTest::newRow("resnet-20") << resnet(20) << kCifar;
    QTest::newRow("wrn-10-2") << wrn(10, 2, 0.3) << kCifar;
}

// The modules initialise from LibTorch's default generator: the seed alone decides the weights.
void TestModels::seeding() {
    QFETCH(ModelConfig, config);
    QFETCH(Shape, inputShape);

    torch::manual_seed(42);
    auto first = makeModel(config, inputShape, 10);
    torch::manual_seed(42);
    auto second = makeModel(config, inputShape, 10);
    torch::manual_seed(43);
    auto third = makeModel(config, inputShape, 10);

    QVERIFY(allEqual(first->parameters(), second->parameters()));
    QVERIFY(!allEqual(first->parameters(), third->parameters()));
}

void TestModels::dropoutFollowsTrainMode() {
    auto model = makeModel(mlp({256}, "relu", 0.5), kTable, 4);
    const torch::Tensor x = torch::randn({64, 2});
    torch::NoGradGuard noGrad;

    model->train(true);
    QVERIFY(!torch::equal(model->forward(x), model->forward(x)));
    model->train(false);
    QVERIFY(torch::equal(model->forward(x), model->forward(x)));

    auto wide = makeModel(wrn(10, 1, 0.5), Shape{3, 8, 8}, 4);
    const torch::Tensor images = torch::randn({4, 3, 8, 8});
    wide->train(false);
    QVERIFY(torch::equal(wide->forward(images), wide->forward(images)));
    // In training mode BatchNorm uses batch statistics, which are the same for the same batch,
    // so any difference comes from the dropout.
    wide->train(true);
    QVERIFY(!torch::equal(wide->forward(images), wide->forward(images)));
}

void TestModels::batchNormFollowsTrainMode() {
    const ModelConfig configs[] = {cnn(4), resnet(8), wrn(10, 1)};
    for (const ModelConfig& config : configs) {
        auto model = makeModel(config, Shape{1, 8, 8}, 3);
        const torch::Tensor batch = torch::randn({6, 1, 8, 8});
        torch::NoGradGuard noGrad;

        // Eval mode: running statistics, so a sample's logits do not depend on its batch, and
        // the statistics do not move.
        model->train(false);
        const auto before = snapshot(buffersOf(*model));
        QVERIFY(!before.empty());
        const torch::Tensor alone = model->forward(batch.slice(0, 0, 1));
        const torch::Tensor inBatch = model->forward(batch).slice(0, 0, 1);
        QVERIFY(torch::allclose(alone, inBatch, 1e-5, 1e-6));
        QVERIFY(allEqual(before, buffersOf(*model)));

        // Training mode: batch statistics, and the running ones are updated.
        model->train(true);
        const torch::Tensor trainedAlone = model->forward(batch.slice(0, 2, 4)).slice(0, 0, 1);
        const torch::Tensor trainedInBatch = model->forward(batch).slice(0, 2, 3);
        QVERIFY(!torch::allclose(trainedAlone, trainedInBatch, 1e-5, 1e-6));
        QVERIFY(!allEqual(before, buffersOf(*model)));
    }
}

void TestModels::gradientsReachEveryParameter() {
    const std::pair<ModelConfig, Shape> cases[] = {{ModelConfig{}, kFashion},
                                                   {cnn(4), kFashion},
                                                   {resnet(8), Shape{3, 8, 8}},
                                                   {wrn(10, 1, 0.2), Shape{3, 8, 8}}};
    for (const auto& [config, shape] : cases) {
        auto model = makeModel(config, shape, 5);
        model->train(true);
        const torch::Tensor loss = torch::nn::functional::cross_entropy(
            model->forward(torch::randn(batchOf(8, shape))), torch::randint(5, {8}));
        loss.backward();
        for (const torch::Tensor& p : model->parameters()) {
            QVERIFY(p.grad().defined());
            QVERIFY(p.grad().abs().sum().item<double>() > 0.0);
        }
    }
}

void TestModels::saveLoadRoundTrip_data() {
    QTest::addColumn<ModelConfig>("config");
    QTest::addColumn<Shape>("inputShape");
    QTest::newRow("mlp") << mlp({32}, "sigmoid", 0.3) << kFashion;
    QTest::newRow("cnn") << cnn(8) << kFashion;
    QTest::newRow("resnet-8") << resnet(8) << Shape{3, 16, 16};
    QTest::newRow("wrn-10-2") << wrn(10, 2, 0.3) << Shape{3, 16, 16};
}

void TestModels::saveLoadRoundTrip() {
    QFETCH(ModelConfig, config);
    QFETCH(Shape, inputShape);

    torch::manual_seed(1);
    auto original = makeModel(config, inputShape, 10);
    {
        // Move the weights and the BatchNorm statistics away from their initial values.
        original->train(true);
        torch::NoGradGuard noGrad;
        for (int i = 0; i < 3; ++i)
            original->forward(torch::randn(batchOf(4, inputShape)) + 1.0);
        for (torch::Tensor& p : original->parameters())
            p.add_(torch::randn_like(p) * 0.01);
    }
    torch::serialize::OutputArchive out;
    original->save(out);
    const std::string file = alig::test::scratchDir("round_trip") + "/model.pt";
    out.save_to(file);

    torch::manual_seed(2);
    auto restored = makeModel(config, inputShape, 10);
    QVERIFY(!allEqual(original->parameters(), restored->parameters()));
    const auto parametersBefore = restored->parameters();
    torch::serialize::InputArchive in;
    in.load_from(file);
    restored->load(in);

    QVERIFY(allEqual(original->parameters(), restored->parameters()));
    QVERIFY(allEqual(buffersOf(*original), buffersOf(*restored)));
    // Loaded in place: an optimizer built before the load still holds the model's tensors.
    const auto parametersAfter = restored->parameters();
    for (size_t i = 0; i < parametersAfter.size(); ++i)
        QVERIFY(parametersAfter[i].is_same(parametersBefore[i]));

    original->train(false);
    restored->train(false);
    torch::NoGradGuard noGrad;
    const torch::Tensor x = torch::randn(batchOf(5, inputShape));
    QVERIFY(torch::equal(original->forward(x), restored->forward(x)));
}

void TestModels::loadRejectsOtherModel() {
    auto saved = makeModel(ModelConfig{}, kFashion, 10);
    torch::serialize::OutputArchive out;
    saved->save(out);
    std::stringstream bytes;
    out.save_to(bytes);

    // The first layer fits, the second does not: a failed load must leave the model untouched.
    auto narrower = makeModel(mlp({256, 128}), kFashion, 10);
    const auto before = snapshot(narrower->parameters());
    torch::serialize::InputArchive in;
    in.load_from(bytes);
    try {
        narrower->load(in);
        QFAIL("load() accepted tensors of the wrong shape");
    } catch (const Error& e) {
        QCOMPARE(QString::fromUtf8(e.what()),
                 QStringLiteral("model checkpoint: 'layers.3.weight' has shape [256, 256], the "
                                "model expects [128, 256]"));
    }
    QVERIFY(allEqual(before, narrower->parameters()));

    auto other = makeModel(cnn(4), kFashion, 10);
    try {
        other->load(in);
        QFAIL("load() accepted another architecture's tensors");
    } catch (const Error& e) {
        QCOMPARE(QString::fromUtf8(e.what()),
                 QStringLiteral("model checkpoint: no tensor 'features.0.weight' (was it saved "
                                "from a different model?)"));
    }
}

// A checkpoint taken on CUDA opens on the CPU, and one taken on the CPU loads into a CUDA model
// without moving its tensors.
void TestModels::cudaRoundTrip() {
    if (!torch::cuda::is_available()) QSKIP("no CUDA device");
    const torch::Device cuda(torch::kCUDA);
    auto onCuda = makeModel(resnet(8), kCifar, 10);
    onCuda->to(cuda);
    onCuda->train(true);
    onCuda->forward(torch::randn(batchOf(4, kCifar), cuda));
    torch::serialize::OutputArchive out;
    onCuda->save(out);
    std::stringstream bytes;
    out.save_to(bytes);

    auto onCpu = makeModel(resnet(8), kCifar, 10);
    torch::serialize::InputArchive in;
    in.load_from(bytes);
    onCpu->load(in);
    for (const torch::Tensor& p : onCpu->parameters())
        QVERIFY(p.device().is_cpu());

    auto again = makeModel(resnet(8), kCifar, 10);
    again->to(cuda);
    bytes.seekg(0);
    torch::serialize::InputArchive in2;
    in2.load_from(bytes);
    again->load(in2);
    for (const torch::Tensor& p : again->parameters())
        QVERIFY(p.device().is_cuda());

    onCuda->train(false);
    onCpu->train(false);
    torch::NoGradGuard noGrad;
    const torch::Tensor x = torch::randn(batchOf(2, kCifar));
    QVERIFY(torch::allclose(onCuda->forward(x.to(cuda)).cpu(), onCpu->forward(x), 1e-4, 1e-5));
}

QTEST_GUILESS_MAIN(TestModels)
// model.type and model.activation are parsed once; the fields each type reads are core's.
void TestModels::typeTable() {
    using namespace alig::core;
    for (const std::string& t : modelTypes())
        QCOMPARE(modelTypeChoices().name(parseModelType(t)), t);
    for (const std::string& a : activationChoices().names())
        QCOMPARE(activationChoices().name(parseActivation(a)), a);
    QVERIFY(modelTypeReads(ModelType::Mlp, "hidden"));
    QVERIFY(modelTypeReads(ModelType::Mlp, "dropout"));
    QVERIFY(!modelTypeReads(ModelType::Mlp, "depth"));
    QVERIFY(modelTypeReads(ModelType::WideResNet, "dropout"));
    QVERIFY(modelTypeReads(ModelType::WideResNet, "widen"));
    QVERIFY(!modelTypeReads(ModelType::ResNet, "widen"));
    QVERIFY(modelTypeReads(ModelType::Cnn, "channels"));
    QVERIFY(!modelTypeReads(ModelType::Linear, "hidden"));
    QVERIFY(modelTypeReads(ModelType::TorchScript, "path"));
    QVERIFY(!modelTypeReads(ModelType::Cnn, "path"));
}

#include "tst_models.moc"
