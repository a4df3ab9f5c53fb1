// Tests of readCifar10() and readCifar100() on small batches written by the test: record
// layout (label bytes, then 1024 red, 1024 green, 1024 blue bytes, row-major), class
// names from the meta files or the defaults, and errors that name the file and problem.

#include "common/test_support.h"
#include "core/data/cifar_reader.h"
#include "core/util/error.h"

#include <QtTest>
#include <torch/torch.h>

using namespace alig::core;
using alig::test::errorOf;
using alig::test::scratchDir;
using alig::test::writeFile;

namespace {

// Pixel k of record r (global index g) has the value (g * 7 + k) % 256.
uint8_t pixel(int64_t g, int64_t k) {
    return uint8_t((g * 7 + k) % 256);
}

// Records g0..g0+labels.size()-1; each entry of labels is the record's label bytes.
std::string records(int64_t g0, const std::vector<std::string>& labels) {
    std::string out;
    for (size_t r = 0; r < labels.size(); ++r) {
        out += labels[r];
        for (int64_t k = 0; k < 3072; ++k)
            out += char(pixel(g0 + int64_t(r), k));
    }
    return out;
}

// CIFAR-10 with 2 records in each training batch (labels 2r % 10 ...) and 3 test records.
void writeCifar10(const std::string& dir) {
    int64_t g = 0;
    for (int b = 1; b <= 5; ++b, g += 2)
        writeFile(dir + "/data_batch_" + std::to_string(b) + ".bin",
                  records(g, {std::string(1, char(g % 10)), std::string(1, char((g + 1) % 10))}));
    writeFile(dir + "/test_batch.bin", records(100, {"\x09", "\x03", "\x05"}));
}

void writeCifar100(const std::string& dir) {
    // coarse, fine: the fine label must be the class
    writeFile(dir + "/train.bin", records(0, {"\x01\x63", std::string("\x02\x00", 2), "\x13\x2a"}));
    writeFile(dir + "/test.bin", records(50, {std::string("\x00\x07", 2)}));
}

} // namespace

class TestCifarReader : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cifar10_data() {
        QTest::addColumn<bool>("subfolder");
        QTest::newRow("directory itself") << false;
        QTest::newRow("cifar-10-batches-bin inside") << true;
    }
    void cifar10() {
        QFETCH(bool, subfolder);
        const std::string dir = scratchDir(QTest::currentDataTag());
        writeCifar10(subfolder ? dir + "/cifar-10-batches-bin" : dir);
        const Dataset ds = readCifar10(dir);
        QCOMPARE(ds.trainX.sizes().vec(), (std::vector<int64_t>{10, 3, 32, 32}));
        QCOMPARE(ds.testX.sizes().vec(), (std::vector<int64_t>{3, 3, 32, 32}));
        QCOMPARE(ds.inputShape, (std::vector<int64_t>{3, 32, 32}));
        QCOMPARE(ds.trainX.scalar_type(), torch::kUInt8); // the bytes; the model sees / 255
        QCOMPARE(ds.trainY.scalar_type(), torch::kInt64);
        for (int64_t g = 0; g < 10; ++g)
            QCOMPARE(ds.trainY[g].item<int64_t>(), g % 10);
        QCOMPARE(ds.testY[0].item<int64_t>(), int64_t(9));
        QCOMPARE(ds.testY[2].item<int64_t>(), int64_t(5));
        // Channel c, row y, column x is byte c * 1024 + y * 32 + x of the record's pixels.
        const int64_t cases[][4] = {{0, 0, 0, 0}, {7, 1, 5, 9}, {9, 2, 31, 31}, {4, 2, 0, 17}};
        for (const auto& c : cases) {
            const int64_t k = c[1] * 1024 + c[2] * 32 + c[3];
            QCOMPARE(int(ds.trainX[c[0]][c[1]][c[2]][c[3]].item<uint8_t>()), int(pixel(c[0], k)));
        }
        QCOMPARE(ds.input(ds.testX)[1][1][2][3].item<float>(),
                 float(pixel(101, 1024 + 64 + 3)) / 255.0f);
        QCOMPARE(ds.classNames, cifar10ClassNames());
        QCOMPARE(ds.classNames[0], std::string("airplane"));
    }

    void cifar10MetaNames() {
        const std::string dir = scratchDir("meta");
        writeCifar10(dir);
        writeFile(dir + "/batches.meta.txt", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n\n");
        QCOMPARE(readCifar10(dir).classNames,
                 (std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}));
        writeFile(dir + "/batches.meta.txt", "a\nb\n");
        const QString msg = errorOf([&] { readCifar10(dir); });
        QVERIFY2(msg.contains("batches.meta.txt: expected 10 class names") &&
                     msg.contains("found 2"),
                 qPrintable(msg));
    }

    void cifar100_data() {
        QTest::addColumn<bool>("subfolder");
        QTest::addColumn<bool>("names");
        QTest::newRow("directory, default names") << false << false;
        QTest::newRow("cifar-100-binary inside, names file") << true << true;
    }
    void cifar100() {
        QFETCH(bool, subfolder);
        QFETCH(bool, names);
        const std::string dir = scratchDir(QTest::currentDataTag());
        const std::string base = subfolder ? dir + "/cifar-100-binary" : dir;
        writeCifar100(base);
        std::string namesText;
        for (int c = 0; c < 100; ++c)
            namesText += "n" + std::to_string(c) + "\n";
        if (names) writeFile(base + "/fine_label_names.txt", namesText);
        const Dataset ds = readCifar100(dir);
        QCOMPARE(ds.trainX.sizes().vec(), (std::vector<int64_t>{3, 3, 32, 32}));
        QCOMPARE(ds.testX.sizes().vec(), (std::vector<int64_t>{1, 3, 32, 32}));
        QCOMPARE(ds.trainY.sizes().vec(), (std::vector<int64_t>{3}));
        QCOMPARE(ds.trainY[0].item<int64_t>(), int64_t(99));
        QCOMPARE(ds.trainY[1].item<int64_t>(), int64_t(0));
        QCOMPARE(ds.trainY[2].item<int64_t>(), int64_t(42));
        QCOMPARE(ds.testY[0].item<int64_t>(), int64_t(7));
        // Two label bytes come before the pixels.
        QCOMPARE(int(ds.trainX[2][2][10][20].item<uint8_t>()), int(pixel(2, 2048 + 320 + 20)));
        QCOMPARE(ds.numClasses(), int64_t(100));
        if (names) {
            QCOMPARE(ds.classNames[42], std::string("n42"));
        } else {
            QCOMPARE(ds.classNames.front(), std::string("apple"));
            QCOMPARE(ds.classNames[42], std::string("leopard"));
            QCOMPARE(ds.classNames.back(), std::string("worm"));
        }
    }

    void errors_data() {
        QTest::addColumn<bool>("cifar100");
        QTest::addColumn<QString>("file");     // which file to damage ("" for none)
        QTest::addColumn<QByteArray>("bytes"); // its new content
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("cifar10 missing")
            << false << QString("-") << QByteArray()
            << QStringList{"CIFAR-10 not found in", "data_batch_1.bin",
                           "data_batch_5.bin",      "test_batch.bin",
                           "cifar-10-batches-bin",  "CIFAR-10 binary version"};
        QTest::newRow("cifar100 missing")
            << true << QString("-") << QByteArray()
            << QStringList{"CIFAR-100 not found in", "train.bin", "test.bin", "cifar-100-binary",
                           "CIFAR-100 binary version"};
        // 3073 + 1 bytes: one record and a stray byte.
        QTest::newRow("cifar10 wrong length")
            << false << QString("data_batch_3.bin") << QByteArray(3074, 1)
            << QStringList{"data_batch_3.bin: length 3074 bytes", "not a multiple of the 3073"};
        QTest::newRow("cifar100 wrong length")
            << true << QString("test.bin") << QByteArray(3074 * 2 - 5, 1)
            << QStringList{"test.bin: length 6143 bytes", "3074-byte record"};
        QTest::newRow("cifar10 empty") << false << QString("test_batch.bin") << QByteArray()
                                       << QStringList{"test_batch.bin: empty file"};
        QTest::newRow("cifar10 label 10")
            << false << QString("data_batch_2.bin")
            << QByteArray::fromStdString(records(0, {"\x01", "\x0a"}))
            << QStringList{"data_batch_2.bin: label 10 in record 1 is out of range", "10 classes"};
        QTest::newRow("cifar100 fine label 100")
            << true << QString("train.bin")
            << QByteArray::fromStdString(records(0, {std::string("\x00\x64", 2)}))
            << QStringList{"train.bin: label 100 in record 0 is out of range"};
    }
    void errors() {
        QFETCH(bool, cifar100);
        QFETCH(QString, file);
        QFETCH(QByteArray, bytes);
        QFETCH(QStringList, expected);
        const std::string dir = scratchDir(QTest::currentDataTag());
        if (file != "-") {
            cifar100 ? writeCifar100(dir) : writeCifar10(dir);
            writeFile(dir + "/" + file.toStdString(), bytes.toStdString());
        }
        const QString msg = errorOf([&] { cifar100 ? readCifar100(dir) : readCifar10(dir); });
        QVERIFY2(msg.contains(QString::fromStdString(dir)), qPrintable(msg));
        for (const QString& e : expected)
            QVERIFY2(msg.contains(e), qPrintable(msg + "\n  lacks: " + e));
    }

    void defaultNames() {
        QCOMPARE(cifar10ClassNames().size(), size_t(10));
        QCOMPARE(cifar100ClassNames().size(), size_t(100));
        QCOMPARE(cifar10ClassNames()[9], std::string("truck"));
    }
};

QTEST_GUILESS_MAIN(TestCifarReader)
#include "tst_cifar_reader.moc"
