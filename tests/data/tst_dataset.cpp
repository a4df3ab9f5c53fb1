// Tests of loadDataset() and augmentBatch(): the installed Fashion-MNIST end to end,
// dispatch on kind, subsets, normalisation statistics, augmentation settings, and the
// crop and flip of augmentBatch().

#include "common/test_support.h"
#include "core/data/dataset.h"
#include "core/util/choice.h"
#include "core/util/error.h"

#include <QtTest>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <set>

using namespace alig::core;
using alig::test::errorOf;
using alig::test::scratchDir;
using alig::test::writeFile;

namespace {

const std::string kFashionDir = "/usr/share/datasets/fashion-mnist";

std::string be32(uint32_t v) {
    return {char(v >> 24), char((v >> 16) & 0xff), char((v >> 8) & 0xff), char(v & 0xff)};
}

// A small MNIST-style directory: n train and m test 4x4 images, labels i % classes.
std::string writeIdxDir(const std::string& name, uint32_t n, uint32_t m, int classes) {
    const std::string dir = scratchDir(name);
    auto write = [&](const std::string& prefix, uint32_t count, int start) {
        std::string images = be32(0x803) + be32(count) + be32(4) + be32(4);
        std::string labels = be32(0x801) + be32(count);
        for (uint32_t i = 0; i < count; ++i) {
            for (int k = 0; k < 16; ++k)
                images += char((start + 7 * i + 13 * k) % 256);
            labels += char(i % classes);
        }
        writeFile(dir + "/" + prefix + "-images-idx3-ubyte", images);
        writeFile(dir + "/" + prefix + "-labels-idx1-ubyte", labels);
    };
    write("train", n, 0);
    write("t10k", m, 50);
    return dir;
}

double meanOf(const torch::Tensor& t) {
    return t.to(torch::kFloat64).mean().item<double>();
}
double stdOf(const torch::Tensor& t) {
    return t.to(torch::kFloat64).std(/*unbiased=*/false).item<double>();
}

} // namespace

class TestDataset : public QObject {
    Q_OBJECT

    Dataset m_fashion; // loaded once: decompressing it is the slowest part of the suite

private Q_SLOTS:
    void initTestCase() {
        if (!std::filesystem::exists(kFashionDir))
            QSKIP("Fashion-MNIST is not installed in /usr/share/datasets/fashion-mnist");
        m_fashion = loadDataset(DatasetConfig{}); // the default kind and path
    }

    void fashionMnist() {
        const Dataset& ds = m_fashion;
        QCOMPARE(ds.name, std::string("Fashion-MNIST"));
        QCOMPARE(ds.source, kFashionDir);
        QCOMPARE(ds.trainSize(), int64_t(60000));
        QCOMPARE(ds.testSize(), int64_t(10000));
        QCOMPARE(ds.inputShape, (std::vector<int64_t>{1, 28, 28}));
        QVERIFY(ds.isImage());
        QCOMPARE(ds.trainX.sizes().vec(), (std::vector<int64_t>{60000, 1, 28, 28}));
        // The pixels stay bytes; the model's input is each batch scaled and normalised.
        QCOMPARE(ds.trainX.scalar_type(), torch::kUInt8);
        QCOMPARE(ds.trainY.scalar_type(), torch::kInt64);
        QCOMPARE(ds.classNames,
                 (std::vector<std::string>{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}));
        QVERIFY(torch::all(torch::bincount(ds.trainY) == 6000).item<bool>());
        QVERIFY(torch::all(torch::bincount(ds.testY) == 1000).item<bool>());
        // Published statistics of the training pixels in [0, 1]: mean 0.2860, std 0.3530.
        QCOMPARE(ds.mean.size(), size_t(1));
        ALIG_COMPARE_NEAR(ds.mean[0], 0.2860, 1e-3);
        ALIG_COMPARE_NEAR(ds.stddev[0], 0.3530, 1e-3);
        const torch::Tensor trainX = ds.input(ds.trainX), testX = ds.input(ds.testX);
        QCOMPARE(trainX.scalar_type(), torch::kFloat32);
        QVERIFY(std::abs(meanOf(trainX)) < 1e-4);
        QVERIFY(std::abs(stdOf(trainX) - 1.0) < 1e-4);
        // The test set uses the training statistics, so it is only close to 0 and 1.
        QVERIFY(std::abs(meanOf(testX)) < 0.02);
        QVERIFY(std::abs(stdOf(testX) - 1.0) < 0.02);
        // Pixels were in [0, 1] before normalisation.
        const double lo = (0.0 - ds.mean[0]) / ds.stddev[0];
        const double hi = (1.0 - ds.mean[0]) / ds.stddev[0];
        QVERIFY(std::abs(trainX.min().item<double>() - lo) < 1e-5);
        QVERIFY(std::abs(trainX.max().item<double>() - hi) < 1e-5);
        QVERIFY(!ds.augmentation.enabled());
    }

    // Bytes kept, normalised per batch: the numbers the model sees are those of the float32
    // copy of the whole set normalised with torch::std_mean, as the data used to be held,
    // to float32 rounding; and a batch taken as bytes and then scaled is exactly that batch
    // of the scaled set.
    void bytesPerBatchGiveTheFloatSetsNumbers() {
        const Dataset& ds = m_fashion;
        torch::Tensor before = ds.trainX.to(torch::kFloat32).div_(255.0);
        auto [stdT, meanT] = torch::std_mean(before, {0, 2, 3}, /*unbiased=*/false);
        ALIG_COMPARE_NEAR(ds.mean[0], meanT.item<double>(), 1e-7);
        ALIG_COMPARE_NEAR(ds.stddev[0], stdT.item<double>(), 1e-7);
        before.sub_(meanT.view({1, 1, 1, 1})).div_(stdT.view({1, 1, 1, 1}));
        const torch::Tensor now = ds.input(ds.trainX);
        const double worst = (now - before).abs().max().item<double>();
        QVERIFY2(worst <= 1e-6, qPrintable(QString("largest difference %1").arg(worst)));
        before = torch::Tensor();
        const torch::Tensor idx = torch::randperm(ds.trainSize(), torch::kLong).narrow(0, 0, 128);
        QVERIFY(torch::equal(ds.input(ds.trainX.index_select(0, idx)), now.index_select(0, idx)));
        QVERIFY(torch::equal(ds.input(now), now)); // float samples pass unchanged
    }

    void fashionMnistSubset() {
        DatasetConfig config;
        config.subset = 1000;
        config.testSubset = 300;
        config.normalize = false;
        const Dataset ds = loadDataset(config);
        QCOMPARE(ds.trainSize(), int64_t(1000));
        QCOMPARE(ds.testSize(), int64_t(300));
        QVERIFY(ds.mean.empty() && ds.stddev.empty());
        // The first samples of the full set, undone from its normalisation.
        const torch::Tensor first =
            m_fashion.input(m_fashion.trainX.narrow(0, 0, 1000)) * m_fashion.stddev[0] +
            m_fashion.mean[0];
        const torch::Tensor trainX = ds.input(ds.trainX);
        QVERIFY(torch::allclose(trainX, first, 0, 1e-5));
        QVERIFY(torch::equal(ds.trainY, m_fashion.trainY.narrow(0, 0, 1000)));
        QVERIFY(torch::equal(ds.testY, m_fashion.testY.narrow(0, 0, 300)));
        QVERIFY(trainX.min().item<float>() >= 0.0f && trainX.max().item<float>() <= 1.0f);
    }

    // Statistics come from the training set after the subset, per channel / feature.
    void normalisation_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("subset");
        QTest::newRow("idx images") << "idx" << 0;
        QTest::newRow("idx images, subset") << "idx" << 7;
        QTest::newRow("moons") << "moons" << 0;
        QTest::newRow("blobs, subset") << "blobs" << 50;
        QTest::newRow("csv with a constant column") << "csv" << 0;
    }
    void normalisation() {
        QFETCH(QString, kind);
        QFETCH(int, subset);
        DatasetConfig config;
        config.kind = kind.toStdString();
        config.subset = subset;
        config.classes = 3;
        if (kind == "idx") config.path = writeIdxDir(QTest::currentDataTag(), 20, 5, 3);
        if (kind == "csv") {
            config.path = scratchDir(QTest::currentDataTag()) + "/c.csv";
            writeFile(config.path, "a,b,c,l\n1,5,2,x\n2,5,4,y\n3,5,9,x\n4,5,1,y\n10,5,0,x\n");
        }
        DatasetConfig raw = config;
        raw.normalize = false;
        const Dataset before = loadDataset(raw);
        const Dataset ds = loadDataset(config);
        QCOMPARE(ds.trainSize(), subset > 0 ? int64_t(subset) : before.trainSize());
        const int64_t channels = ds.trainX.size(1);
        QCOMPARE(int64_t(ds.mean.size()), channels);
        QCOMPARE(int64_t(ds.stddev.size()), channels);
        const torch::Tensor beforeTrain = before.input(before.trainX);
        const torch::Tensor beforeTest = before.input(before.testX);
        const torch::Tensor trainX = ds.input(ds.trainX), testX = ds.input(ds.testX);
        for (int64_t c = 0; c < channels; ++c) {
            const torch::Tensor x = beforeTrain.select(1, c);
            const double m = meanOf(x), s = stdOf(x);
            ALIG_COMPARE_NEAR(ds.mean[c], m, 1e-5);
            // A constant channel is left unscaled rather than divided by zero.
            ALIG_COMPARE_NEAR(ds.stddev[c], s == 0 ? 1.0 : s, 1e-5);
            QVERIFY(std::abs(meanOf(trainX.select(1, c))) < 1e-5);
            QVERIFY(std::abs(stdOf(trainX.select(1, c)) - (s == 0 ? 0.0 : 1.0)) < 1e-5);
            const torch::Tensor expectedTest = (beforeTest.select(1, c) - m) / ds.stddev[c];
            QVERIFY(torch::allclose(testX.select(1, c), expectedTest, 1e-5, 1e-5));
        }
    }

    void kinds_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("firstClass");
        QTest::addColumn<QString>("lastClass");
        QTest::addColumn<int>("classes");
        QTest::newRow("mnist") << "mnist"
                               << "MNIST"
                               << "0"
                               << "9" << 10;
        QTest::newRow("kmnist") << "kmnist"
                                << "KMNIST"
                                << "o"
                                << "wo" << 10;
        QTest::newRow("idx") << "idx"
                             << "IDX"
                             << "0"
                             << "3" << 4;
    }
    void kinds() {
        QFETCH(QString, kind);
        QFETCH(QString, name);
        QFETCH(QString, firstClass);
        QFETCH(QString, lastClass);
        QFETCH(int, classes);
        DatasetConfig config;
        config.kind = kind.toStdString();
        config.path = writeIdxDir(QTest::currentDataTag(), 12, 4, 4);
        const Dataset ds = loadDataset(config);
        QCOMPARE(ds.name, name.toStdString());
        QCOMPARE(ds.numClasses(), int64_t(classes));
        QCOMPARE(ds.classNames.front(), firstClass.toStdString());
        QCOMPARE(ds.classNames.back(), lastClass.toStdString());
        QCOMPARE(ds.inputShape, (std::vector<int64_t>{1, 4, 4}));
    }

    void settingErrors_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("cropPadding");
        QTest::addColumn<bool>("flip");
        QTest::addColumn<int>("subset");
        QTest::addColumn<QString>("expected");
        QTest::newRow("mnist without path") << "mnist" << 0 << false << 0 << "dataset.path: mnist";
        QTest::newRow("kmnist without path") << "kmnist" << 0 << false << 0 << "dataset.path";
        QTest::newRow("cifar10 without path")
            << "cifar10" << 0 << false << 0
            << "CIFAR-10 not found in"; // looked for under the user data folder
        QTest::newRow("svhn without path")
            << "svhn" << 0 << false << 0 << "SVHN not found in"; // likewise
        QTest::newRow("unknown kind")
            << "imagenet" << 0 << false << 0 << "dataset.kind: must be one of fashion-mnist, mnist";
        QTest::newRow("crop on tabular")
            << "spirals" << 4 << false << 0
            << "dataset.crop_padding: augmentation applies to images only";
        QTest::newRow("flip on tabular")
            << "xor" << 0 << true << 0 << "dataset.horizontal_flip: augmentation applies";
        QTest::newRow("negative padding") << "moons" << -1 << false << 0 << "dataset.crop_padding";
        QTest::newRow("negative subset") << "moons" << 0 << false << -5 << "dataset.subset";
    }
    void settingErrors() {
        QFETCH(QString, kind);
        QFETCH(int, cropPadding);
        QFETCH(bool, flip);
        QFETCH(int, subset);
        QFETCH(QString, expected);
        DatasetConfig config;
        config.kind = kind.toStdString();
        config.cropPadding = cropPadding;
        config.horizontalFlip = flip;
        config.subset = subset;
        const QString msg = errorOf([&] { loadDataset(config); });
        QVERIFY2(msg.contains(expected), qPrintable(msg));
    }

    void augmentationSettings() {
        DatasetConfig config;
        config.kind = "idx";
        config.path = writeIdxDir("augmentation settings", 8, 2, 2);
        config.cropPadding = 2;
        config.horizontalFlip = true;
        const Dataset ds = loadDataset(config);
        QCOMPARE(ds.augmentation.cropPadding, int64_t(2));
        QVERIFY(ds.augmentation.horizontalFlip);
        QVERIFY(ds.augmentation.enabled());
    }

    void datasetKindsList() {
        const auto& kinds = datasetKinds();
        QCOMPARE(kinds.size(), size_t(13));
        QCOMPARE(kinds.front(), std::string("fashion-mnist"));
        for (const char* k : {"mnist", "kmnist", "idx", "cifar10", "cifar100", "svhn", "csv",
                              "spirals", "circles", "moons", "xor", "blobs"})
            QVERIFY(std::find(kinds.begin(), kinds.end(), k) != kinds.end());
        // Each name is parsed once into its enum and named back the same.
        for (const std::string& k : kinds)
            QCOMPARE(datasetKindChoices().name(parseDatasetKind(k)), k);
        const QString error = alig::test::errorOf([] { parseDatasetKind("Spirals"); });
        QVERIFY2(error.startsWith("dataset.kind: must be one of fashion-mnist, mnist,"),
                 qPrintable(error));
        QVERIFY2(error.endsWith("got \"Spirals\""), qPrintable(error));
        QVERIFY(!isSyntheticKind("Spirals"));
        QVERIFY(isSyntheticKind("xor"));
    }

    // Which fields a kind reads follows from where its samples come from.
    void datasetKindFields() {
        QVERIFY(dataSourceOf(DatasetKind::FashionMnist) == DataSource::ShippedImages);
        QVERIFY(dataSourceOf(DatasetKind::Kmnist) == DataSource::IdxFolder);
        QVERIFY(dataSourceOf(DatasetKind::Csv) == DataSource::CsvFile);
        QVERIFY(dataSourceOf(DatasetKind::Moons) == DataSource::Synthetic);
        QVERIFY(datasetKindReads(DatasetKind::Csv, "test_path"));
        QVERIFY(datasetKindReads(DatasetKind::Csv, "test_fraction"));
        QVERIFY(!datasetKindReads(DatasetKind::Csv, "crop_padding"));
        QVERIFY(!datasetKindReads(DatasetKind::Mnist, "test_path"));
        QVERIFY(datasetKindReads(DatasetKind::Mnist, "horizontal_flip"));
        QVERIFY(!datasetKindReads(DatasetKind::Spirals, "path"));
        QVERIFY(datasetKindReads(DatasetKind::Spirals, "classes"));
        QVERIFY(datasetKindReads(DatasetKind::Blobs, "classes"));
        QVERIFY(!datasetKindReads(DatasetKind::Moons, "classes"));
        QVERIFY(datasetKindReads(DatasetKind::Cifar10, "subset"));
    }

    void augmentOffReturnsInput() {
        const torch::Tensor x = torch::rand({2, 1, 5, 5});
        QVERIFY(augmentBatch(x, Augmentation{}).is_same(x));
    }

    // Every output is the zero-padded input cut at some offset in [0, 2p]^2, all channels
    // alike, and the offsets vary across the batch.
    void cropIsShiftedCopy_data() {
        QTest::addColumn<bool>("fashion");
        QTest::newRow("fashion-mnist images") << true;
        QTest::newRow("3 channels, distinct values") << false;
    }
    void cropIsShiftedCopy() {
        QFETCH(bool, fashion);
        if (fashion && !m_fashion.trainX.defined()) QSKIP("Fashion-MNIST is not installed");
        const int64_t p = 4;
        const torch::Tensor images =
            fashion ? m_fashion.input(m_fashion.trainX.narrow(0, 0, 24))
                    : torch::arange(1, 24 * 3 * 6 * 5 + 1, torch::kFloat32).view({24, 3, 6, 5});
        torch::manual_seed(11);
        const torch::Tensor out = augmentBatch(images, Augmentation{p, false});
        QCOMPARE(out.sizes(), images.sizes());
        const torch::Tensor padded = torch::constant_pad_nd(images, {p, p, p, p}, 0);
        const int64_t h = images.size(2), w = images.size(3);
        std::set<std::pair<int64_t, int64_t>> offsets;
        for (int64_t b = 0; b < images.size(0); ++b) {
            bool found = false;
            for (int64_t dy = 0; dy <= 2 * p && !found; ++dy)
                for (int64_t dx = 0; dx <= 2 * p && !found; ++dx)
                    if (torch::equal(out[b], padded[b].narrow(1, dy, h).narrow(2, dx, w))) {
                        found = true;
                        offsets.insert({dy, dx});
                    }
            QVERIFY2(found, qPrintable(QString("sample %1 is no shifted copy").arg(b)));
        }
        QVERIFY(offsets.size() > 3);
    }

    void flip() {
        const torch::Tensor images = torch::rand({64, 2, 3, 4});
        torch::manual_seed(3);
        const torch::Tensor out = augmentBatch(images, Augmentation{0, true});
        QCOMPARE(out.sizes(), images.sizes());
        int flipped = 0, kept = 0;
        for (int64_t b = 0; b < 64; ++b) {
            if (torch::equal(out[b], images[b]))
                ++kept;
            else if (torch::equal(out[b], images[b].flip({2})))
                ++flipped;
            else
                QFAIL("an output is neither the image nor its mirror");
        }
        // p = 0.5 each: 64 draws all alike has probability 2^-63.
        QVERIFY(flipped > 0 && kept > 0);
    }

    void reproducibleWithSeed() {
        const torch::Tensor images = torch::rand({32, 3, 8, 8});
        const Augmentation aug{2, true};
        torch::manual_seed(5);
        const torch::Tensor a = augmentBatch(images, aug);
        torch::manual_seed(5);
        const torch::Tensor b = augmentBatch(images, aug);
        torch::manual_seed(6);
        const torch::Tensor c = augmentBatch(images, aug);
        QVERIFY(torch::equal(a, b));
        QVERIFY(!torch::equal(a, c));
    }

    void augmentRejectsNonImages() {
        const QString msg = errorOf([] {
            augmentBatch(torch::zeros({4, 2}), Augmentation{2, false});
        });
        QVERIFY2(msg.contains("expected images [B, C, H, W]"), qPrintable(msg));
    }
};

QTEST_GUILESS_MAIN(TestDataset)
#include "tst_dataset.moc"
