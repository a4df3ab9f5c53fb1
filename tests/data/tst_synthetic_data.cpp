// Tests of the synthetic 2-D sets: counts and balance, determinism per seed, exact geometry
// without noise, the stratified split, and independence from LibTorch's global generator.

#include "common/test_support.h"
#include "core/data/synthetic.h"
#include "core/util/error.h"

#include <QtTest>
#include <torch/torch.h>

#include <cmath>

using namespace alig::core;
using alig::test::errorOf;

namespace {

constexpr double kPi = 3.14159265358979323846;

DatasetConfig config(const std::string& kind, int64_t samples, double noise, int64_t classes,
                     uint64_t seed, double testFraction = 0.2) {
    DatasetConfig c;
    c.kind = kind;
    c.samples = samples;
    c.noise = noise;
    c.classes = classes;
    c.seed = seed;
    c.testFraction = testFraction;
    return c;
}

} // namespace

class TestSyntheticData : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void counts_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("samples");
        QTest::addColumn<int>("classes");         // asked for
        QTest::addColumn<int>("expectedClasses"); // got
        QTest::addColumn<QString>("perClass");    // expected count of each class
        QTest::newRow("spirals 3 arms") << "spirals" << 301 << 3 << 3 << "101,100,100";
        QTest::newRow("blobs 5") << "blobs" << 500 << 5 << 5 << "100,100,100,100,100";
        QTest::newRow("circles ignores classes") << "circles" << 201 << 7 << 2 << "101,100";
        QTest::newRow("moons") << "moons" << 100 << 2 << 2 << "50,50";
        QTest::newRow("xor") << "xor" << 64 << 2 << 2 << "32,32";
    }
    void counts() {
        QFETCH(QString, kind);
        QFETCH(int, samples);
        QFETCH(int, classes);
        QFETCH(int, expectedClasses);
        QFETCH(QString, perClass);
        const SyntheticSamples s = generateSynthetic(kind.toStdString(), samples, 0.1, classes, 1);
        QCOMPARE(s.classes, int64_t(expectedClasses));
        QCOMPARE(s.x.sizes().vec(), (std::vector<int64_t>{samples, 2}));
        QCOMPARE(s.x.scalar_type(), torch::kFloat32);
        QCOMPARE(s.y.scalar_type(), torch::kInt64);
        const torch::Tensor counts = torch::bincount(s.y);
        QStringList got;
        for (int64_t c = 0; c < counts.size(0); ++c)
            got << QString::number(counts[c].item<int64_t>());
        QCOMPARE(got.join(','), perClass);
        QVERIFY(torch::isfinite(s.x).all().item<bool>());
    }

    void deterministic_data() {
        QTest::addColumn<QString>("kind");
        for (const auto& k : syntheticKinds())
            QTest::newRow(k.c_str()) << QString::fromStdString(k);
    }
    void deterministic() {
        QFETCH(QString, kind);
        const DatasetConfig c = config(kind.toStdString(), 200, 0.2, 3, 7);
        const Dataset a = makeSyntheticDataset(c);
        const Dataset b = makeSyntheticDataset(c);
        QVERIFY(torch::equal(a.trainX, b.trainX) && torch::equal(a.trainY, b.trainY));
        QVERIFY(torch::equal(a.testX, b.testX) && torch::equal(a.testY, b.testY));
        DatasetConfig other = c;
        other.seed = 8;
        const Dataset d = makeSyntheticDataset(other);
        QVERIFY(!torch::equal(a.trainX, d.trainX));
        QCOMPARE(a.inputShape, (std::vector<int64_t>{2}));
        QCOMPARE(a.trainX.scalar_type(), torch::kFloat32);
        QCOMPARE(a.trainY.scalar_type(), torch::kInt64);
    }

    void leavesGlobalGeneratorAlone() {
        torch::manual_seed(123);
        const torch::Tensor expected = torch::rand({4});
        torch::manual_seed(123);
        makeSyntheticDataset(config("spirals", 500, 0.3, 4, 9));
        QVERIFY(torch::equal(torch::rand({4}), expected));
    }

    // Without noise every point lies exactly on its curve (up to float32 rounding).
    void exactGeometry_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("classes");
        QTest::newRow("circles") << "circles" << 2;
        QTest::newRow("moons") << "moons" << 2;
        QTest::newRow("xor") << "xor" << 2;
        QTest::newRow("blobs") << "blobs" << 4;
        QTest::newRow("spirals") << "spirals" << 3;
    }
    void exactGeometry() {
        QFETCH(QString, kind);
        QFETCH(int, classes);
        const SyntheticSamples s = generateSynthetic(kind.toStdString(), 400, 0.0, classes, 5);
        const auto x = s.x.accessor<float, 2>();
        const auto y = s.y.accessor<int64_t, 1>();
        const double tol = 1e-5;
        for (int64_t i = 0; i < s.x.size(0); ++i) {
            const double px = x[i][0], py = x[i][1];
            const int64_t c = y[i];
            if (kind == "circles") {
                QVERIFY(std::abs(std::hypot(px, py) - (c == 0 ? 1.0 : 0.5)) < tol);
            } else if (kind == "moons") {
                // Upper unit half circle; lower one centred at (1, 0.5).
                const double cx = c == 0 ? 0.0 : 1.0, cy = c == 0 ? 0.0 : 0.5;
                QVERIFY(std::abs(std::hypot(px - cx, py - cy) - 1.0) < tol);
                QVERIFY(c == 0 ? py >= -tol : py <= 0.5 + tol);
            } else if (kind == "xor") {
                QVERIFY(px != 0 && py != 0 && std::abs(px) <= 1 && std::abs(py) <= 1);
                QCOMPARE(int64_t((px > 0) != (py > 0)), c);
            } else if (kind == "blobs") {
                const double a = 2.0 * kPi * double(c) / classes;
                QVERIFY(std::abs(px - 2.0 * std::cos(a)) < tol);
                QVERIFY(std::abs(py - 2.0 * std::sin(a)) < tol);
            } else {
                // r = t and angle = 2 pi c / K + 3 pi t, modulo full turns.
                const double r = std::hypot(px, py);
                if (r < 1e-3) continue; // the angle of a point at the centre is meaningless
                const double want = 2.0 * kPi * double(c) / classes + 3.0 * kPi * r;
                const double diff = std::remainder(std::atan2(py, px) - want, 2.0 * kPi);
                QVERIFY2(std::abs(diff) < 1e-3, qPrintable(QString::number(diff)));
            }
        }
    }

    void noiseSpreads() {
        // The spread of a blob is the noise: its sample standard deviation matches.
        const SyntheticSamples s = generateSynthetic("blobs", 20000, 0.5, 2, 3);
        const torch::Tensor blob = s.x.index_select(0, (s.y == 0).nonzero().view(-1));
        QVERIFY(std::abs(blob.select(1, 0).std().item<double>() - 0.5) < 0.02);
        QVERIFY(std::abs(blob.select(1, 0).mean().item<double>() - 2.0) < 0.02);
    }

    void split_data() {
        QTest::addColumn<int>("samples");
        QTest::addColumn<int>("classes");
        QTest::addColumn<double>("fraction");
        QTest::addColumn<int>("testPerClass");
        QTest::newRow("1000 / 2 at 0.2") << 1000 << 2 << 0.2 << 100;
        QTest::newRow("300 / 3 at 0.1") << 300 << 3 << 0.1 << 10;
        QTest::newRow("no test set") << 40 << 4 << 0.0 << 0;
    }
    void split() {
        QFETCH(int, samples);
        QFETCH(int, classes);
        QFETCH(double, fraction);
        QFETCH(int, testPerClass);
        const Dataset ds =
            makeSyntheticDataset(config("blobs", samples, 0.1, classes, 2, fraction));
        QCOMPARE(ds.numClasses(), int64_t(classes));
        QCOMPARE(ds.testSize(), int64_t(testPerClass * classes));
        QCOMPARE(ds.trainSize(), int64_t(samples - testPerClass * classes));
        QCOMPARE(ds.testX.sizes().vec(), (std::vector<int64_t>{testPerClass * classes, 2}));
        if (testPerClass > 0) {
            const torch::Tensor perClass = torch::bincount(ds.testY, {}, classes);
            QVERIFY(torch::all(perClass == testPerClass).item<bool>());
        }
        // The parts are shuffled, not left in class order.
        QVERIFY(!torch::equal(std::get<0>(ds.trainY.sort()), ds.trainY));
    }

    void errors_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("samples");
        QTest::addColumn<double>("noise");
        QTest::addColumn<int>("classes");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown") << "waves" << 100 << 0.1 << 2 << "not a synthetic set";
        QTest::newRow("one class") << "blobs" << 100 << 0.1 << 1 << "dataset.classes";
        QTest::newRow("too few samples") << "spirals" << 5 << 0.1 << 3 << "dataset.samples";
        QTest::newRow("negative noise") << "moons" << 100 << -0.1 << 2 << "dataset.noise";
        QTest::newRow("nan noise") << "moons" << 100 << std::nan("") << 2 << "dataset.noise";
    }
    void errors() {
        QFETCH(QString, kind);
        QFETCH(int, samples);
        QFETCH(double, noise);
        QFETCH(int, classes);
        QFETCH(QString, expected);
        const QString msg =
            errorOf([&] { generateSynthetic(kind.toStdString(), samples, noise, classes, 0); });
        QVERIFY2(msg.contains(expected), qPrintable(msg));
    }
};

QTEST_GUILESS_MAIN(TestSyntheticData)
#include "tst_synthetic_data.moc"
