// TorchScript files through makeModel(): modules built and saved in C++ by the test itself,
// trained like the built-in models, checkpointed, and the clear errors for bad files.

#include "common/test_support.h"
#include "core/models/model.h"
#include "core/util/error.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <QtTest/QtTest>

#include <cstdlib>
#include <sstream>

using alig::core::Error;
using alig::core::makeModel;
using alig::core::Model;
using alig::core::ModelConfig;
using Shape = std::vector<int64_t>;

namespace {

constexpr int64_t kFeatures = 784; // 1x28x28, flattened by the module
constexpr int64_t kHidden = 16;
constexpr int64_t kClasses = 10;
const Shape kImage{1, 28, 28};

ModelConfig scriptConfig(const std::string& path) {
    ModelConfig config;
    config.type = "torchscript";
    config.path = path;
    return config;
}

torch::Tensor parameter(torch::Tensor value, bool trainable = true) {
    return value.set_requires_grad(trainable);
}

// A two-layer net with a nested module, a buffer and dropout, as a Python user would script:
// parameters weight [16, 784], head.weight [10, 16], head.bias [10]; buffer scale [16].
torch::jit::Module twoLayerNet(float scale = 1.0f) {
    // torch.jit.script gives every module a "training" flag; a module built in C++ declares it.
    torch::jit::Module head("Head");
    head.register_attribute("training", c10::BoolType::get(), true);
    head.register_parameter("weight", parameter(torch::randn({kClasses, kHidden}) * 0.3), false);
    head.register_parameter("bias", parameter(torch::zeros({kClasses})), false);
    head.define(R"(
def forward(self, x):
    return x.matmul(self.weight.t()) + self.bias
)");
    torch::jit::Module net("Net");
    net.register_attribute("training", c10::BoolType::get(), true);
    net.register_parameter("weight", parameter(torch::randn({kHidden, kFeatures}) * 0.05), false);
    net.register_buffer("scale", torch::full({kHidden}, scale));
    net.register_module("head", head);
    net.define(R"(
def forward(self, x):
    h = torch.relu(x.flatten(1).matmul(self.weight.t()) * self.scale)
    h = torch.dropout(h, 0.25, self.training)
    return self.head.forward(h)
)");
    return net;
}

std::string saveModule(torch::jit::Module module, const std::string& name) {
    const std::string path = alig::test::scratchDir(name) + "/" + name + ".pt";
    module.save(path);
    return path;
}

// The number of parameters twoLayerNet() has: 16*784 + 10*16 + 10.
constexpr int64_t kNetParameters = kHidden * kFeatures + kClasses * kHidden + kClasses;

using alig::test::snapshot;

} // namespace

class TestTorchScriptModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { torch::manual_seed(0); }

    void loadsAndRuns();
    void gradientsAndSgdStep();
    void trainModeReachesTheModule();
    void saveLoadRoundTrip();
    void shapeCheckIsOptional();
    void forwardErrorIsOneLine();
    void badFiles_data();
    void badFiles();
};

void TestTorchScriptModel::loadsAndRuns() {
    const std::string path = saveModule(twoLayerNet(), "net");
    auto model = makeModel(scriptConfig(path), kImage, kClasses);

    QCOMPARE(QString::fromStdString(model->describe()), QStringLiteral("TorchScript net.pt"));
    QCOMPARE(model->parameterCount(), kNetParameters);
    QCOMPARE(model->parameters().size(), size_t(3));
    const torch::Tensor out = model->forward(torch::randn({5, 1, 28, 28}));
    QCOMPARE(out.sizes().vec(), (Shape{5, kClasses}));
}

void TestTorchScriptModel::gradientsAndSgdStep() {
    const std::string path = saveModule(twoLayerNet(), "net");
    auto model = makeModel(scriptConfig(path), kImage, kClasses);
    model->train(false);

    const torch::Tensor x = torch::randn({8, 1, 28, 28});
    const torch::Tensor y = torch::randint(kClasses, {8});
    torch::Tensor before;
    {
        torch::NoGradGuard noGrad;
        before = model->forward(x);
    }
    const auto weightsBefore = snapshot(model->parameters());

    torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.1));
    sgd.zero_grad();
    torch::nn::functional::cross_entropy(model->forward(x), y).backward();
    for (const torch::Tensor& p : model->parameters()) {
        QVERIFY(p.grad().defined());
        QVERIFY(p.grad().abs().sum().item<double>() > 0.0);
    }
    sgd.step();

    const auto weightsAfter = model->parameters();
    for (size_t i = 0; i < weightsAfter.size(); ++i)
        QVERIFY(!torch::equal(weightsAfter[i], weightsBefore[i]));
    // The step changed the module itself, not copies of its tensors.
    torch::NoGradGuard noGrad;
    QVERIFY(!torch::equal(model->forward(x), before));
}

void TestTorchScriptModel::trainModeReachesTheModule() {
    const std::string path = saveModule(twoLayerNet(), "net");
    auto model = makeModel(scriptConfig(path), kImage, kClasses);
    const torch::Tensor x = torch::randn({32, 1, 28, 28});
    torch::NoGradGuard noGrad;

    // The load-time check runs in eval mode but leaves the module as it was saved.
    QVERIFY(!torch::equal(model->forward(x), model->forward(x)));
    model->train(false);
    QVERIFY(torch::equal(model->forward(x), model->forward(x)));
    model->train(true);
    QVERIFY(!torch::equal(model->forward(x), model->forward(x)));
}

void TestTorchScriptModel::saveLoadRoundTrip() {
    // Same architecture, other weights and another buffer value: loading must restore both.
    torch::manual_seed(1);
    auto original =
        makeModel(scriptConfig(saveModule(twoLayerNet(1.0f), "first")), kImage, kClasses);
    torch::manual_seed(2);
    auto restored =
        makeModel(scriptConfig(saveModule(twoLayerNet(3.0f), "second")), kImage, kClasses);
    {
        torch::NoGradGuard noGrad;
        for (torch::Tensor& p : original->parameters())
            p.add_(torch::randn_like(p) * 0.01);
    }
    original->train(false);
    restored->train(false);
    const torch::Tensor x = torch::randn({4, 1, 28, 28});
    QVERIFY(!torch::equal(original->forward(x), restored->forward(x)));

    torch::serialize::OutputArchive out;
    original->save(out);
    const std::string file = alig::test::scratchDir("checkpoint") + "/checkpoint.pt";
    out.save_to(file);
    torch::serialize::InputArchive in;
    in.load_from(file);
    restored->load(in);

    torch::NoGradGuard noGrad;
    QVERIFY(torch::equal(original->forward(x), restored->forward(x)));
}

// Without an input shape (e.g. a front end that only inspects the file) nothing runs forward.
void TestTorchScriptModel::shapeCheckIsOptional() {
    torch::jit::Module net("Net");
    net.register_parameter("w", parameter(torch::randn({3, 7})), false);
    net.define(R"(
def forward(self, x):
    return x.matmul(self.w.t())
)");
    const std::string path = saveModule(net, "features7");
    auto model = makeModel(scriptConfig(path), Shape{}, kClasses);
    QCOMPARE(model->parameterCount(), int64_t(21));
    QCOMPARE(model->forward(torch::randn({2, 7})).sizes().vec(), (Shape{2, 3}));
}

void TestTorchScriptModel::forwardErrorIsOneLine() {
    auto model = makeModel(scriptConfig(saveModule(twoLayerNet(), "net")), kImage, kClasses);
    try {
        model->forward(torch::randn({2, 3, 32, 32}));
        QFAIL("forward accepted a batch of the wrong shape");
    } catch (const Error& e) {
        const QString message = QString::fromUtf8(e.what());
        QVERIFY2(message.startsWith("TorchScript net.pt: forward failed: "), qPrintable(message));
        QVERIFY2(message.contains("3072"), qPrintable(message));
        QVERIFY2(!message.contains('\n'), qPrintable(message));
    }
}

void TestTorchScriptModel::badFiles_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("expected"); // the message, or its start when it ends in "..."

    QTest::newRow("missing") << "missing"
                             << "model.path: '%1': no such file";
    QTest::newRow("folder") << "folder"
                            << "model.path: '%1': is a folder, not a TorchScript file";
    QTest::newRow("random bytes") << "random"
                                  << "model.path: '%1': not a TorchScript archive (...";
    QTest::newRow("empty file") << "empty"
                                << "model.path: '%1': not a TorchScript archive (...";
    QTest::newRow("no parameters") << "no-parameters"
                                   << "model.path: '%1': has no trainable parameters";
    QTest::newRow("frozen parameters")
        << "frozen"
        << "model.path: '%1': has no trainable parameters (none of its 1 requires gradients)";
    QTest::newRow("wrong output shape")
        << "five-classes"
        << "model.path: '%1': returns shape [2, 5] for a batch of shape [2, 1, 28, 28], "
           "expected [2, 10] (batch, classes)";
    QTest::newRow("wrong input size")
        << "three-features"
        << "model.path: '%1': fails on a batch of shape [2, 1, 28, 28]: ...";
    QTest::newRow("tuple output")
        << "tuple"
        << "model.path: '%1': fails on a batch of shape [2, 1, 28, 28]: returned a Tuple, not a "
           "tensor";
}

void TestTorchScriptModel::badFiles() {
    QFETCH(QString, kind);
    QFETCH(QString, expected);

    const std::string dir = alig::test::scratchDir("bad_" + kind.toStdString());
    std::string path = dir + "/model.pt";
    auto scripted = [&](torch::Tensor weight, const char* source) {
        torch::jit::Module net("Net");
        net.register_parameter("w", weight, false);
        net.define(source);
        net.save(path);
    };
    if (kind == "folder") {
        path = dir;
    } else if (kind == "random") {
        std::string bytes(4096, '\0');
        for (auto& b : bytes)
            b = char(std::rand() & 0xff);
        alig::test::writeFile(path, bytes);
    } else if (kind == "empty") {
        alig::test::writeFile(path, "");
    } else if (kind == "no-parameters") {
        torch::jit::Module net("Identity");
        net.define("def forward(self, x):\n    return x.flatten(1)\n");
        net.save(path);
    } else if (kind == "frozen") {
        scripted(parameter(torch::randn({kClasses, kFeatures}), false),
                 "def forward(self, x):\n    return x.flatten(1).matmul(self.w.t())\n");
    } else if (kind == "five-classes") {
        scripted(parameter(torch::randn({5, kFeatures})),
                 "def forward(self, x):\n    return x.flatten(1).matmul(self.w.t())\n");
    } else if (kind == "three-features") {
        scripted(parameter(torch::randn({kClasses, 3})),
                 "def forward(self, x):\n    return x.flatten(1).matmul(self.w.t())\n");
    } else if (kind == "tuple") {
        scripted(parameter(torch::randn({kClasses, kFeatures})),
                 "def forward(self, x):\n"
                 "    y = x.flatten(1).matmul(self.w.t())\n"
                 "    return (y, y)\n");
    }

    try {
        makeModel(scriptConfig(path), kImage, kClasses);
        QFAIL("makeModel() accepted the file");
    } catch (const Error& e) {
        const QString message = QString::fromUtf8(e.what());
        QString want = expected.arg(QString::fromStdString(path));
        QVERIFY2(!message.contains('\n'), qPrintable(message));
        if (want.endsWith("...")) {
            want.chop(3);
            QVERIFY2(message.startsWith(want), qPrintable(message));
            QVERIFY2(message.size() > want.size() + 4, qPrintable(message));
        } else {
            QCOMPARE(message, want);
        }
    }
}

QTEST_GUILESS_MAIN(TestTorchScriptModel)
#include "tst_torchscript_model.moc"
