// Tests of readIdxFile() and readIdxDataset() on fixtures written by the test itself:
// exact values read back from plain and gzip files, and an error that names the file and
// the problem for every kind of damage.

#include "common/test_support.h"
#include "core/data/idx_reader.h"
#include "core/util/error.h"

#include <QtTest>
#include <torch/torch.h>

#include <filesystem>

using namespace alig::core;
using alig::test::errorOf;
using alig::test::gzip;
using alig::test::scratchDir;
using alig::test::writeFile;

namespace {

std::string be32(uint32_t v) {
    return {char(v >> 24), char((v >> 16) & 0xff), char((v >> 8) & 0xff), char(v & 0xff)};
}

std::string idx(uint32_t magic, const std::vector<uint32_t>& dims, const std::string& data) {
    std::string out = be32(magic);
    for (uint32_t d : dims)
        out += be32(d);
    return out + data;
}

std::string bytes(size_t n, int start = 0) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i)
        s[i] = char((start + i) % 256);
    return s;
}

// Writes a complete MNIST-style directory: n train and m test images of 3x2 pixels.
void writeIdxDir(const std::string& dir, const std::string& trainLabels,
                 const std::string& testLabels, bool gz) {
    auto put = [&](const std::string& name, const std::string& content) {
        writeFile(dir + "/" + name + (gz ? ".gz" : ""), gz ? gzip(content) : content);
    };
    const uint32_t n = uint32_t(trainLabels.size()), m = uint32_t(testLabels.size());
    put("train-images-idx3-ubyte", idx(0x803, {n, 3, 2}, bytes(n * 6)));
    put("train-labels-idx1-ubyte", idx(0x801, {n}, trainLabels));
    put("t10k-images-idx3-ubyte", idx(0x803, {m, 3, 2}, bytes(m * 6, 100)));
    put("t10k-labels-idx1-ubyte", idx(0x801, {m}, testLabels));
}

} // namespace

class TestIdxReader : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void readFile_data() {
        QTest::addColumn<bool>("gz");
        QTest::addColumn<bool>("images");
        QTest::newRow("plain images") << false << true;
        QTest::newRow("gzip images") << true << true;
        QTest::newRow("plain labels") << false << false;
        QTest::newRow("gzip labels") << true << false;
    }
    void readFile() {
        QFETCH(bool, gz);
        QFETCH(bool, images);
        const std::string dir = scratchDir(QTest::currentDataTag());
        const std::string data = bytes(images ? 2 * 3 * 4 : 7, 250); // wraps past 255 to 0
        const std::string content = images ? idx(0x803, {2, 3, 4}, data) : idx(0x801, {7}, data);
        const std::string path = dir + "/f" + (gz ? ".gz" : "");
        writeFile(path, gz ? gzip(content) : content);

        const torch::Tensor t = readIdxFile(path);
        QCOMPARE(t.scalar_type(), torch::kUInt8);
        const std::vector<int64_t> expectedShape =
            images ? std::vector<int64_t>{2, 3, 4} : std::vector<int64_t>{7};
        QCOMPARE(t.sizes().vec(), expectedShape);
        const torch::Tensor flat = t.reshape({-1});
        for (int64_t i = 0; i < flat.numel(); ++i)
            QCOMPARE(flat[i].item<int64_t>(), int64_t((250 + i) % 256));
        // Row-major: element [1][2][3] is byte 12 + 8 + 3 of the data.
        if (images) QCOMPARE(t[1][2][3].item<int64_t>(), int64_t((250 + 23) % 256));
    }

    void readFileConcatenatedGzipMembers() {
        // `cat a.gz b.gz` is a valid gzip file whose data is a then b.
        const std::string content = idx(0x801, {6}, bytes(6, 10));
        const std::string path = scratchDir("members") + "/labels.gz";
        writeFile(path, gzip(content.substr(0, 9)) + gzip(content.substr(9)));
        const torch::Tensor t = readIdxFile(path);
        QCOMPARE(t.numel(), int64_t(6));
        QCOMPARE(t[5].item<int64_t>(), int64_t(15));
    }

    void readFileErrors_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<bool>("gz");
        QTest::addColumn<QStringList>("expected");
        auto row = [](const char* tag, const std::string& content, bool gz, QStringList exp) {
            QTest::newRow(tag) << QByteArray::fromStdString(content) << gz << exp;
        };
        const std::string images = idx(0x803, {2, 3, 4}, bytes(24));
        row("empty", "", false, {"empty file"});
        row("empty gzip", gzip(""), true, {"truncated", "holds 0 bytes"});
        row("wrong magic", idx(0x08030000, {2}, bytes(2)), false,
            {"wrong magic number 0x08030000", "0x00000803"});
        row("too many dimensions", idx(0x809, {1}, ""), false, {"wrong magic"});
        row("not bytes", idx(0xD01, {2}, bytes(8)), false, {"only unsigned bytes"});
        row("short magic", std::string(2, '\0'), false, {"truncated", "holds 2 bytes"});
        row("short header", be32(0x803) + be32(2), false,
            {"truncated", "header of 3 dimensions needs 16 bytes"});
        // The sizes below are computed from the fixture: 2 * 3 * 4 = 24 data bytes claimed.
        row("truncated plain", images.substr(0, 16 + 10), false,
            {"truncated: header claims 2 images of 3x4 (24 bytes) but the file holds 10 bytes "
             "after the 16-byte header"});
        row("truncated gzip", gzip(images.substr(0, 16 + 10)), true,
            {"truncated: header claims 2 images of 3x4 (24 bytes)",
             "decompressed file holds 10 bytes"});
        row("trailing plain", images + "xy", false,
            {"trailing data", "claims 2 images of 3x4 (24 bytes)", "holds 26 bytes"});
        row("trailing gzip", gzip(images + "xy"), true, {"trailing data", "holds more"});
        // 2^31 labels: must be rejected from the file size, before any allocation.
        row("claims 2^31 plain", idx(0x801, {0x80000000u}, bytes(5)), false,
            {"truncated", "2147483648 labels", "holds 5 bytes"});
        row("claims 2^31 gzip", gzip(idx(0x801, {0x80000000u}, bytes(5))), true,
            {"2147483648 labels", "decompresses to at most"});
        // 20000 labels passes the 1032:1 bound of a tiny file, so the stream must run dry.
        row("claims 20000 gzip", gzip(idx(0x801, {20000}, bytes(5))), true,
            {"truncated", "20000 labels (20000 bytes)", "holds 5 bytes"});
        row("claims 2^62 bytes", idx(0x803, {0xffffffffu, 0xffffffffu, 0xffffffffu}, ""), false,
            {"more than 2^62"});
        const std::string packed = gzip(images);
        row("gzip cut off", packed.substr(0, packed.size() - 6), true, {"truncated"});
        row("corrupt gzip", std::string("\x1f\x8b\x08\x00", 4) + std::string(20, '\xff'), true,
            {"corrupt gzip data"});
    }
    void readFileErrors() {
        QFETCH(QByteArray, content);
        QFETCH(bool, gz);
        QFETCH(QStringList, expected);
        const std::string path =
            scratchDir(QTest::currentDataTag()) + "/bad-idx1-ubyte" + (gz ? ".gz" : "");
        writeFile(path, content.toStdString());
        const QString msg = errorOf([&] { readIdxFile(path); });
        QVERIFY2(msg.startsWith(QString::fromStdString(path) + ":"), qPrintable(msg));
        for (const QString& e : expected)
            QVERIFY2(msg.contains(e), qPrintable(msg + "\n  lacks: " + e));
    }

    void missingFile() {
        const std::string path = scratchDir("missing") + "/nothing-here";
        const QString msg = errorOf([&] { readIdxFile(path); });
        QVERIFY2(msg.contains(QString::fromStdString(path)) && msg.contains("not found"),
                 qPrintable(msg));
    }

    void readDataset_data() {
        QTest::addColumn<bool>("gz");
        QTest::newRow("plain") << false;
        QTest::newRow("gzip") << true;
    }
    void readDataset() {
        QFETCH(bool, gz);
        const std::string dir = scratchDir(QTest::currentDataTag());
        writeIdxDir(dir, std::string("\x00\x02\x01\x02", 4), std::string("\x01\x00\x02", 3), gz);
        const Dataset ds = readIdxDataset(dir, {}, "Test set");
        QCOMPARE(ds.name, std::string("Test set"));
        QCOMPARE(ds.trainX.sizes().vec(), (std::vector<int64_t>{4, 1, 3, 2}));
        QCOMPARE(ds.testX.sizes().vec(), (std::vector<int64_t>{3, 1, 3, 2}));
        // Kept as the bytes the files hold; the model sees them scaled to [0, 1].
        QCOMPARE(ds.trainX.scalar_type(), torch::kUInt8);
        QCOMPARE(ds.trainY.scalar_type(), torch::kInt64);
        QCOMPARE(ds.inputShape, (std::vector<int64_t>{1, 3, 2}));
        // Pixel k of the training data is byte k.
        QCOMPARE(int(ds.trainX[2][0][1][1].item<uint8_t>()), 2 * 6 + 3);
        QCOMPARE(ds.input(ds.trainX)[2][0][1][1].item<float>(), float(2 * 6 + 3) / 255.0f);
        QCOMPARE(ds.input(ds.testX)[0][0][0][0].item<float>(), 100.0f / 255.0f);
        QCOMPARE(ds.trainY[1].item<int64_t>(), int64_t(2));
        QCOMPARE(ds.testY[0].item<int64_t>(), int64_t(1));
        // Classes 0..max label over both sets.
        QCOMPARE(ds.classNames, (std::vector<std::string>{"0", "1", "2"}));
    }

    void datasetMissingFiles() {
        const std::string dir = scratchDir("missing files");
        writeFile(dir + "/train-images-idx3-ubyte.gz", gzip(idx(0x803, {1, 3, 2}, bytes(6))));
        writeFile(dir + "/t10k-labels-idx1-ubyte", idx(0x801, {1}, bytes(1)));
        const QString msg = errorOf([&] { readIdxDataset(dir, {}, "MNIST"); });
        QVERIFY2(msg.contains(QString::fromStdString(dir)), qPrintable(msg));
        QVERIFY2(msg.contains("missing train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz]"),
                 qPrintable(msg));
        QVERIFY2(!msg.contains("missing train-images"), qPrintable(msg));

        const std::string empty = scratchDir("no files");
        const QString none = errorOf([&] { readIdxDataset(empty, {}, "KMNIST"); });
        QVERIFY2(none.contains(QString::fromStdString("KMNIST not found in " + empty +
                                                      ": expected train-images-idx3-ubyte[.gz], "
                                                      "train-labels-idx1-ubyte[.gz], "
                                                      "t10k-images-idx3-ubyte[.gz], "
                                                      "t10k-labels-idx1-ubyte[.gz]")),
                 qPrintable(none));

        const QString noDir = errorOf([&] { readIdxDataset(dir + "/nope"); });
        QVERIFY2(noDir.contains("not a directory") && noDir.contains("train-images-idx3-ubyte"),
                 qPrintable(noDir));
    }

    void datasetCountMismatch() {
        const std::string dir = scratchDir("count mismatch");
        writeIdxDir(dir, std::string("\x00\x01\x01", 3), std::string("\x01", 1), false);
        writeFile(dir + "/train-labels-idx1-ubyte", idx(0x801, {2}, bytes(2)));
        const QString msg = errorOf([&] { readIdxDataset(dir); });
        QVERIFY2(msg.contains("train-images-idx3-ubyte holds 3 images") &&
                     msg.contains("train-labels-idx1-ubyte holds 2 labels") &&
                     msg.contains("disagree"),
                 qPrintable(msg));
    }

    void datasetSwappedFiles() {
        const std::string dir = scratchDir("swapped");
        writeIdxDir(dir, std::string("\x00\x01", 2), std::string("\x01", 1), false);
        writeFile(dir + "/t10k-images-idx3-ubyte", idx(0x801, {1}, bytes(1)));
        const QString msg = errorOf([&] { readIdxDataset(dir); });
        QVERIFY2(msg.contains("t10k-images-idx3-ubyte: expected images"), qPrintable(msg));
    }

    void datasetLabelOutOfRange() {
        const std::string dir = scratchDir("label range");
        writeIdxDir(dir, std::string("\x00\x01\x02", 3), std::string("\x01\x03", 2), true);
        const QString msg = errorOf([&] { readIdxDataset(dir, {"a", "b", "c"}, "Three"); });
        QVERIFY2(msg.contains("t10k-labels-idx1-ubyte.gz: label 3 at index 1 is out of range") &&
                     msg.contains("Three has 3 classes"),
                 qPrintable(msg));
    }
};

QTEST_GUILESS_MAIN(TestIdxReader)
#include "tst_idx_reader.moc"
