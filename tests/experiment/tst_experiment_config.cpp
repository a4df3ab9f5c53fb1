// ExperimentConfig: JSON round trip, presets, overrides, and every validation message
// naming its field.

#include "common/test_support.h"
#include "core/experiment/experiment_config.h"
#include "core/optim/optimizer_factory.h"
#include "core/util/error.h"

#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

using namespace alig::core;
using nlohmann::json;

class TestExperimentConfig : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void defaultsRoundTrip();
    void everyFieldRoundTrips();
    void presetsLoadAndValidate();
    void rejects_data();
    void rejects();
    void nullMaxLrMeansNone();
    void everyMethodAcceptsItsDefaults();
    void overrides_data();
    void overrides();
    void overrideErrors();
    void readJsonFileErrors_data();
    void readJsonFileErrors();
    void unknownPresetListsKnownOnes();
};

void TestExperimentConfig::defaultsRoundTrip() {
    const ExperimentConfig c = ExperimentConfig::fromJson(json::object());
    QCOMPARE(QString::fromStdString(c.dataset.kind), QString("fashion-mnist"));
    QCOMPARE(c.optimizer.maxLr.value(), 0.1);
    QCOMPARE(c.optimizer.resolvedEps(), 1e-5);
    QCOMPARE(QString::fromStdString(c.optimizer.schedule), QString("constant"));
    QVERIFY(c.optimizer.milestones.empty());
    QCOMPARE(c.optimizer.c, 0.5);
    QCOMPARE(c.optimizer.l4Gamma, 0.9);
    const json j = c.toJson();
    QCOMPARE(ExperimentConfig::fromJson(j).toJson(), j);
}

void TestExperimentConfig::everyFieldRoundTrips() {
    // Change every field away from its default; what comes back must be what went in.
    json j = ExperimentConfig{}.toJson();
    j["name"] = "x";
    j["description"] = "d";
    j["dataset"] = {{"kind", "csv"},
                    {"path", "/tmp/a.csv"},
                    {"test_path", "/tmp/b.csv"},
                    {"subset", 10},
                    {"test_subset", 5},
                    {"normalize", false},
                    {"crop_padding", 2},
                    {"horizontal_flip", true},
                    {"label_column", "y"},
                    {"header", "yes"},
                    {"test_fraction", 0.3},
                    {"samples", 500},
                    {"noise", 0.2},
                    {"classes", 3},
                    {"seed", 9}};
    j["model"] = {{"type", "wrn"}, {"hidden", {8, 4}}, {"activation", "tanh"}, {"dropout", 0.3},
                  {"depth", 22},   {"widen", 2},       {"channels", 16},       {"path", "m.pt"}};
    j["optimizer"] = {{"name", "alig"},
                      {"max_lr", 0.5},
                      {"momentum_form", "adjusted"},
                      {"projection_radius", 50.0},
                      {"clip_at_zero", true},
                      {"momentum", 0.5},
                      {"eps", 1e-6},
                      {"lr", 0.2},
                      {"weight_decay", 1e-4},
                      {"nesterov", true},
                      {"beta1", 0.8},
                      {"beta2", 0.99},
                      {"alpha", 0.95},
                      {"centered", true},
                      {"lr_decay", 0.01},
                      {"initial_accumulator", 0.1},
                      {"c", 0.2},
                      {"f_star", 0.05},
                      {"l4_gamma", 0.8},
                      {"l4_init_factor", 0.5},
                      {"l4_forget_time", 500.0},
                      {"d0", 1e-5},
                      {"d_coef", 0.5},
                      {"growth_rate", 1.02},
                      {"beta3", 0.99},
                      {"decouple", false},
                      {"safeguard_warmup", true},
                      {"bias_correction", true},
                      {"sf_warmup_steps", 100},
                      {"sf_r", 1.0},
                      {"sf_weight_lr_power", 1.0},
                      {"momo_lb", 0.1},
                      {"momo_online_lb", true},
                      {"momo_divide", false},
                      {"dog_reps_rel", 1e-4},
                      {"dog_init_eta", 0.01},
                      {"dog_average", false},
                      {"dog_average_gamma", 4.0},
                      {"schedule", "step"},
                      {"milestones", {60, 120, 160}},
                      {"gamma", 0.2},
                      {"warmup_epochs", 5},
                      {"min_lr_factor", 0.01}};
    j["training"] = {{"epochs", 3},
                     {"batch_size", 64},
                     {"seed", 42},
                     {"shuffle", false},
                     {"loss", "multiclass_hinge"},
                     {"threads", 1},
                     {"device", "cpu"},
                     {"eval_batch_size", 100},
                     {"metrics_interval", 5},
                     {"eval_train", true},
                     {"interpolation_threshold", 0.05},
                     {"interpolation_samples", 200},
                     {"autocast", "bf16"}};
    j["output"] = {{"dir", "/tmp/run"},
                   {"checkpoint_every", 2},
                   {"flush_seconds", 1.0},
                   {"tensorboard", true}};
    const ExperimentConfig c = ExperimentConfig::fromJson(j);
    QCOMPARE(c.toJson(), j);
    QCOMPARE(c.model.hidden, (std::vector<int64_t>{8, 4}));
    QCOMPARE(c.training.seed, uint64_t{42});
    QVERIFY(c.optimizer.momentumForm == "adjusted");
    QCOMPARE(c.optimizer.milestones, (std::vector<int64_t>{60, 120, 160}));
}

void TestExperimentConfig::presetsLoadAndValidate() {
    const auto presets = listPresets();
    QStringList names;
    for (const auto& p : presets) {
        names << QString::fromStdString(p.name);
        QVERIFY2(!p.description.empty(), p.name.c_str());
        const ExperimentConfig c = ExperimentConfig::fromJson(loadPreset(p.name));
        QCOMPARE(QString::fromStdString(c.name), QString::fromStdString(p.name));
    }
    for (const char* required :
         {"fashion-mnist-mlp-alig", "spirals-mlp-alig", "cifar10-wrn-16-4-alig"})
        QVERIFY2(names.contains(required), required);
    const ExperimentConfig def = ExperimentConfig::fromJson(loadPreset(kDefaultPreset));
    QCOMPARE(QString::fromStdString(def.dataset.kind), QString("fashion-mnist"));
    QCOMPARE(QString::fromStdString(def.optimizer.name), QString("alig"));
    QCOMPARE(QString::fromStdString(def.model.type), QString("mlp"));
}

void TestExperimentConfig::rejects_data() {
    QTest::addColumn<QString>("document");
    QTest::addColumn<QString>("message");
    auto row = [](const char* name, const char* doc, const char* msg) {
        QTest::newRow(name) << QString(doc) << QString(msg);
    };
    row("negative max_lr", R"({"optimizer": {"max_lr": -1}})",
        "optimizer.max_lr: must be > 0, got -1");
    row("zero max_lr", R"({"optimizer": {"max_lr": 0}})", "optimizer.max_lr: must be > 0, got 0");
    row("max_lr as text", R"({"optimizer": {"max_lr": "big"}})",
        "optimizer.max_lr: must be a number or null, got \"big\"");
    row("momentum out of range", R"({"optimizer": {"momentum": 1.5}})",
        "optimizer.momentum: must be in [0, 1), got 1.5");
    row("negative radius", R"({"optimizer": {"projection_radius": -3}})",
        "optimizer.projection_radius: must be > 0 and finite, got -3");
    row("negative eps", R"({"optimizer": {"eps": -1e-5}})", "optimizer.eps: must be >= 0");
    row("momentum form", R"({"optimizer": {"momentum_form": "heavy"}})",
        "optimizer.momentum_form: must be \"standard\" or \"adjusted\", got \"heavy\"");
    row("unknown optimizer", R"({"optimizer": {"name": "lbfgs"}})",
        "optimizer.name: unknown optimizer \"lbfgs\"");
    row("sgd lr zero", R"({"optimizer": {"name": "sgd", "lr": 0}})",
        "optimizer.lr: must be > 0, got 0");
    row("every method is known", R"({"optimizer": {"name": "lbfgs"}})",
        "(known: alig, sgd, adam, adamw, amsgrad, adagrad, rmsprop, yogi, sps, polyak, l4adam, "
        "l4mom, dfw, decsps, momo, momo_adam, prodigy, sf_sgd, sf_adamw, dog)");
    row("unknown schedule", R"({"optimizer": {"schedule": "exp"}})",
        "optimizer.schedule: must be one of constant, step, cosine, got \"exp\"");
    row("step schedule without milestones", R"({"optimizer": {"schedule": "step"}})",
        "optimizer.milestones: the step schedule needs at least one epoch");
    row("milestones decreasing", R"({"optimizer": {"schedule": "step", "milestones": [150, 100]}})",
        "optimizer.milestones: must increase, got 150 then 100");
    row("milestone as text", R"({"optimizer": {"milestones": [60, "x"]}})",
        "optimizer.milestones[1]: must be an integer, got \"x\"");
    row("step gamma zero", R"({"optimizer": {"schedule": "step", "milestones": [5], "gamma": 0}})",
        "optimizer.gamma: must be in (0, 1], got 0");
    row("negative warm-up", R"({"optimizer": {"warmup_epochs": -2}})",
        "optimizer.warmup_epochs: must be in [0, 1000000] (0: no warm-up), got -2");
    row("cosine min factor", R"({"optimizer": {"schedule": "cosine", "min_lr_factor": 2}})",
        "optimizer.min_lr_factor: must be in [0, 1], got 2");
    row("amsgrad beta2", R"({"optimizer": {"name": "amsgrad", "beta2": 1}})",
        "optimizer.beta2: must be in [0, 1), got 1");
    row("adagrad lr_decay", R"({"optimizer": {"name": "adagrad", "lr_decay": -1}})",
        "optimizer.lr_decay: must be >= 0, got -1");
    row("adagrad initial accumulator",
        R"({"optimizer": {"name": "adagrad", "initial_accumulator": -0.1}})",
        "optimizer.initial_accumulator: must be >= 0, got -0.1");
    row("rmsprop alpha", R"({"optimizer": {"name": "rmsprop", "alpha": 1.5}})",
        "optimizer.alpha: must be in [0, 1], got 1.5");
    row("yogi eps zero", R"({"optimizer": {"name": "yogi", "eps": 0}})",
        "optimizer.eps: must be > 0, got 0");
    row("yogi lr", R"({"optimizer": {"name": "yogi", "lr": -0.01}})",
        "optimizer.lr: must be > 0, got -0.01");
    row("sps c zero", R"({"optimizer": {"name": "sps", "c": 0}})",
        "optimizer.c: must be > 0, got 0");
    row("sps max_lr", R"({"optimizer": {"name": "sps", "max_lr": -1}})",
        "optimizer.max_lr: must be > 0, got -1");
    row("polyak f_star as text", R"({"optimizer": {"name": "polyak", "f_star": "low"}})",
        "optimizer.f_star: must be a number, got \"low\"");
    row("l4 alpha", R"({"optimizer": {"name": "l4adam", "alpha": 0}})",
        "optimizer.alpha: must be > 0, got 0");
    row("l4 gamma", R"({"optimizer": {"name": "l4mom", "l4_gamma": 1.2}})",
        "optimizer.l4_gamma: must be in [0, 1], got 1.2");
    row("l4 forget time", R"({"optimizer": {"name": "l4adam", "l4_forget_time": 0}})",
        "optimizer.l4_forget_time: must be > 0, got 0");
    row("dfw without max_lr", R"({"optimizer": {"name": "dfw", "max_lr": null}})",
        "optimizer.max_lr: DFW needs a largest step (its eta)");
    row("dfw momentum", R"({"optimizer": {"name": "dfw", "momentum": 1}})",
        "optimizer.momentum: must be in [0, 1), got 1");
    row("misspelt optimizer key", R"({"optimizer": {"l4_gama": 0.5}})",
        "optimizer.l4_gama: unknown key (did you mean \"l4_gamma\"?)");
    row("epochs as text", R"({"training": {"epochs": "ten"}})",
        "training.epochs: must be an integer, got \"ten\"");
    row("epochs fractional", R"({"training": {"epochs": 2.5}})",
        "training.epochs: must be an integer, got 2.5");
    row("negative interpolation threshold", R"({"training": {"interpolation_threshold": -0.1}})",
        "training.interpolation_threshold: must be >= 0 and finite (0: off), got -0.1");
    row("negative interpolation samples", R"({"training": {"interpolation_samples": -1}})",
        "training.interpolation_samples: must be >= 0 (0: all), got -1");
    row("epochs zero", R"({"training": {"epochs": 0}})",
        "training.epochs: must be in [1, 1000000], got 0");
    row("batch size zero", R"({"training": {"batch_size": 0}})",
        "training.batch_size: must be in [1, 1000000], got 0");
    row("negative seed", R"({"training": {"seed": -4}})", "training.seed: must be >= 0, got -4");
    row("bad device", R"({"training": {"device": "gpu"}})",
        "training.device: must be auto, cpu, cuda or cuda:N, got \"gpu\"");
    row("bad loss", R"({"training": {"loss": "mse"}})",
        "training.loss: must be one of cross_entropy, multiclass_hinge");
    row("shuffle as number", R"({"training": {"shuffle": 1}})",
        "training.shuffle: must be true or false, got 1");
    row("misspelt key", R"({"training": {"epoch": 3}})",
        "training.epoch: unknown key (did you mean \"epochs\"?)");
    row("unknown top-level key", R"({"bogus": 1})", "bogus: unknown key");
    row("section not an object", R"({"dataset": 5})", "dataset: must be an object, got 5");
    row("unknown dataset kind", R"({"dataset": {"kind": "imagenet"}})",
        "dataset.kind: must be one of");
    row("negative subset", R"({"dataset": {"subset": -1}})", "dataset.subset: must be >= 0");
    row("csv without path", R"({"dataset": {"kind": "csv"}})", "dataset.path: a csv dataset needs");
    row("test fraction one", R"({"dataset": {"kind": "moons", "test_fraction": 1.0}})",
        "dataset.test_fraction: must be in (0, 1), got 1");
    row("one class", R"({"dataset": {"kind": "blobs", "classes": 1}})",
        "dataset.classes: must be in [2, 100], got 1");
    row("unknown model", R"({"model": {"type": "transformer"}})", "model.type: must be one of");
    row("negative width", R"({"model": {"hidden": [64, -1]}})",
        "model.hidden[1]: must be in [1, 1000000], got -1");
    row("width as text", R"({"model": {"hidden": [64, "wide"]}})",
        "model.hidden[1]: must be an integer, got \"wide\"");
    row("resnet depth", R"({"model": {"type": "resnet", "depth": 21}})",
        "model.depth: a CIFAR ResNet needs depth 6n+2 (20, 32, 44, 56, 110), got 21");
    row("wrn depth", R"({"model": {"type": "wrn", "depth": 20}})",
        "model.depth: a Wide ResNet needs depth 6n+4 (16, 22, 28, 40), got 20");
    row("dropout one", R"({"model": {"dropout": 1}})", "model.dropout: must be in [0, 1), got 1");
    row("torchscript without path", R"({"model": {"type": "torchscript"}})",
        "model.path: a torchscript model needs");
    row("flush too slow", R"({"output": {"flush_seconds": 5}})",
        "output.flush_seconds: must be in [0, 2], got 5");
    row("negative checkpoint", R"({"output": {"checkpoint_every": -1}})",
        "output.checkpoint_every: must be >= 0");
    row("not an object", R"([1, 2])", ": must be an object");
}

void TestExperimentConfig::rejects() {
    QFETCH(QString, document);
    QFETCH(QString, message);
    try {
        ExperimentConfig::fromJson(json::parse(document.toStdString()));
        QFAIL("accepted an invalid config");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).startsWith(message) || QString(e.what()).contains(message),
                 e.what());
    }
}

void TestExperimentConfig::nullMaxLrMeansNone() {
    const auto c = ExperimentConfig::fromJson(json::parse(R"({"optimizer": {"max_lr": null}})"));
    QVERIFY(!c.optimizer.maxLr.has_value());
    QVERIFY(c.toJson()["optimizer"]["max_lr"].is_null());
}

void TestExperimentConfig::everyMethodAcceptsItsDefaults() {
    for (const auto& name : optimizerNames()) {
        json j = {{"optimizer", {{"name", name}}}};
        const auto c = ExperimentConfig::fromJson(j);
        QCOMPARE(ExperimentConfig::fromJson(c.toJson()).toJson(), c.toJson());
    }
    // Method-dependent defaults behind the null keys.
    auto resolved = [](const char* name) {
        return ExperimentConfig::fromJson({{"optimizer", {{"name", name}}}}).optimizer;
    };
    QCOMPARE(resolved("yogi").resolvedEps(), 1e-3);
    QCOMPARE(resolved("yogi").resolvedInitialAccumulator(), 1e-6);
    QCOMPARE(resolved("adagrad").resolvedEps(), 1e-10);
    QCOMPARE(resolved("adagrad").resolvedInitialAccumulator(), 0.0);
    QCOMPARE(resolved("rmsprop").resolvedAlpha(), 0.99);
    QCOMPARE(resolved("l4adam").resolvedAlpha(), 0.15);
    QCOMPARE(resolved("l4mom").resolvedEps(), 1e-12);
    QCOMPARE(resolved("dfw").resolvedEps(), 1e-5);
    QCOMPARE(resolved("sps").resolvedEps(), 1e-8);
}

void TestExperimentConfig::overrides_data() {
    QTest::addColumn<QString>("assignment");
    QTest::addColumn<QString>("path");     // JSON pointer
    QTest::addColumn<QString>("expected"); // JSON
    QTest::newRow("number") << "optimizer.max_lr=0.05"
                            << "/optimizer/max_lr"
                            << "0.05";
    QTest::newRow("bare word") << "dataset.kind=cifar10"
                               << "/dataset/kind"
                               << "\"cifar10\"";
    QTest::newRow("list") << "model.hidden=[512, 128]"
                          << "/model/hidden"
                          << "[512,128]";
    QTest::newRow("null") << "optimizer.max_lr=null"
                          << "/optimizer/max_lr"
                          << "null";
    QTest::newRow("bool") << "training.shuffle=false"
                          << "/training/shuffle"
                          << "false";
    QTest::newRow("new section") << "output.dir=/tmp/x"
                                 << "/output/dir"
                                 << "\"/tmp/x\"";
    QTest::newRow("top level") << "name=try-1"
                               << "/name"
                               << "\"try-1\"";
}

void TestExperimentConfig::overrides() {
    QFETCH(QString, assignment);
    QFETCH(QString, path);
    QFETCH(QString, expected);
    json doc = json::parse(R"({"optimizer": {"max_lr": 0.1}, "training": {"epochs": 2}})");
    applyOverride(doc, assignment.toStdString());
    QCOMPARE(doc.at(json::json_pointer(path.toStdString())), json::parse(expected.toStdString()));
    QCOMPARE(doc["training"]["epochs"], json(2)); // the rest untouched
}

void TestExperimentConfig::overrideErrors() {
    json doc = json::parse(R"({"training": {"epochs": 2}})");
    for (const char* bad : {"noequals", "=3", "training..epochs=3", "training.epochs.x=3"}) {
        try {
            applyOverride(doc, bad);
            QFAIL(bad);
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).startsWith(QString("--set ") + bad), e.what());
        }
    }
}

void TestExperimentConfig::readJsonFileErrors_data() {
    QTest::addColumn<QByteArray>("content"); // empty with a null QByteArray: no file at all
    QTest::addColumn<QString>("message");
    QTest::newRow("missing") << QByteArray() << "no such file";
    QTest::newRow("empty") << QByteArray("  \n") << "empty file";
    QTest::newRow("broken") << QByteArray("{\n  \"training\": {\n    \"epochs\": 3,,\n") << ":3:";
    QTest::newRow("not json") << QByteArray("epochs = 3\n") << "not valid JSON";
    QTest::newRow("huge") << QByteArray(17 * 1024 * 1024, ' ') << "too large for a config";
}

void TestExperimentConfig::readJsonFileErrors() {
    QFETCH(QByteArray, content);
    QFETCH(QString, message);
    const std::string dir = alig::test::scratchDir(QTest::currentDataTag());
    const std::string path = dir + "/config.json";
    if (!content.isNull()) alig::test::writeFile(path, content.toStdString());
    try {
        readJsonFile(path);
        QFAIL("no error");
    } catch (const Error& e) {
        const QString what = e.what();
        QVERIFY2(what.startsWith(QString::fromStdString(path)), e.what()); // names the file
        QVERIFY2(what.contains(message), e.what());
    }
}

void TestExperimentConfig::unknownPresetListsKnownOnes() {
    try {
        loadPreset("no-such-preset");
        QFAIL("no error");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("spirals-mlp-alig"), e.what());
    }
}

QTEST_GUILESS_MAIN(TestExperimentConfig)
#include "tst_experiment_config.moc"
