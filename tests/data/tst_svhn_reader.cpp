// Tests of readSvhn() on small MAT-files written by the test with a tiny level-5 writer:
// compressed (zlib) and plain matrices, y as double or uint8, small and full name tags,
// the column-major 32x32x3xN layout, label 10 as the digit 0, and errors that name the file
// and the problem.

#include "common/test_support.h"
#include "core/data/svhn_reader.h"
#include "core/util/error.h"

#include <QtTest>
#include <torch/torch.h>
#include <zlib.h>

#include <cstring>

using namespace alig::core;
using alig::test::errorOf;
using alig::test::scratchDir;
using alig::test::writeFile;

namespace {

// Pixel (r, c, ch) of image n (global index g).
uint8_t pixel(int64_t g, int64_t r, int64_t c, int64_t ch) {
    return uint8_t((g * 37 + ch * 11 + r * 3 + c * 5) % 256);
}

template <class T> std::string bytesOf(const std::vector<T>& v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

std::string u32(uint32_t v) {
    return std::string(reinterpret_cast<const char*>(&v), 4);
}

// A data element: tag, data, padding to 8 bytes.
std::string element(uint32_t type, const std::string& data) {
    std::string out = u32(type) + u32(uint32_t(data.size())) + data;
    out.append((8 - out.size() % 8) % 8, '\0');
    return out;
}

// The small form: byte count in the upper half of the first word, data in the last 4 bytes.
std::string smallElement(uint32_t type, const std::string& data) {
    std::string out = u32(type | uint32_t(data.size()) << 16) + data;
    out.append(8 - out.size(), '\0');
    return out;
}

struct Matrix {
    std::string name;
    uint32_t cls; // 6 double, 9 uint8
    std::vector<int32_t> dims;
    uint32_t type; // data type of the real part: 2 miUINT8, 9 miDOUBLE
    std::string data;
};

std::string matrix(const Matrix& m, bool smallName) {
    std::string body =
        element(6, u32(m.cls) + u32(0)) + element(5, bytesOf(m.dims)) +
        (smallName && m.name.size() <= 4 ? smallElement(1, m.name) : element(1, m.name)) +
        element(m.type, m.data);
    return element(14, body);
}

std::string compressed(const std::string& elem) {
    uLongf n = compressBound(uLong(elem.size()));
    std::string out(n, '\0');
    if (compress(reinterpret_cast<Bytef*>(out.data()), &n,
                 reinterpret_cast<const Bytef*>(elem.data()), uLong(elem.size())) != Z_OK)
        throw std::runtime_error("compress failed");
    out.resize(n);
    return u32(15) + u32(uint32_t(out.size())) + out; // not padded, as MATLAB writes it
}

std::string header() {
    std::string text = "MATLAB 5.0 MAT-file, written by tst_svhn_reader";
    text.resize(116, ' ');
    return text + std::string(8, '\0') + std::string("\x00\x01", 2) + "IM";
}

Matrix imagesX(int64_t g0, int64_t n, int32_t channels = 3) {
    std::string data;
    for (int64_t k = 0; k < n; ++k)
        for (int64_t ch = 0; ch < channels; ++ch)
            for (int64_t c = 0; c < 32; ++c)
                for (int64_t r = 0; r < 32; ++r)
                    data += char(pixel(g0 + k, r, c, ch));
    return {"X", 9, {32, 32, channels, int32_t(n)}, 2, data};
}

Matrix labelsY(const std::vector<double>& labels, bool asDouble) {
    if (asDouble) return {"y", 6, {int32_t(labels.size()), 1}, 9, bytesOf(labels)};
    std::vector<uint8_t> u(labels.begin(), labels.end());
    // A double array stored as uint8 data, as MATLAB saves small integers.
    return {"y", 6, {int32_t(labels.size()), 1}, 2, bytesOf(u)};
}

std::string matFile(const std::vector<Matrix>& ms, bool compress, bool smallNames) {
    std::string out = header();
    // An unrelated variable first, to be skipped.
    out += matrix({"other", 6, {1, 1}, 9, bytesOf(std::vector<double>{3.5})}, smallNames);
    for (const auto& m : ms) {
        const std::string e = matrix(m, smallNames);
        out += compress ? compressed(e) : e;
    }
    return out;
}

const std::vector<double> kTrainLabels{10, 1, 2, 9, 10};
const std::vector<double> kTestLabels{3, 10, 7};

void writeSvhn(const std::string& dir, bool compress, bool yDouble, bool smallNames) {
    writeFile(dir + "/train_32x32.mat",
              matFile({imagesX(0, 5), labelsY(kTrainLabels, yDouble)}, compress, smallNames));
    writeFile(dir + "/test_32x32.mat",
              matFile({labelsY(kTestLabels, yDouble), imagesX(100, 3)}, compress, smallNames));
}

} // namespace

class TestSvhnReader : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void reads_data() {
        QTest::addColumn<bool>("compress");
        QTest::addColumn<bool>("yDouble");
        QTest::addColumn<bool>("smallNames");
        QTest::addColumn<bool>("subfolder");
        QTest::newRow("compressed, y double, folder") << true << true << false << false;
        QTest::newRow("plain, y uint8, small names, svhn inside") << false << false << true << true;
        QTest::newRow("compressed, y uint8, small names") << true << false << true << false;
        QTest::newRow("plain, y double, svhn inside") << false << true << false << true;
    }
    void reads() {
        QFETCH(bool, compress);
        QFETCH(bool, yDouble);
        QFETCH(bool, smallNames);
        QFETCH(bool, subfolder);
        const std::string dir = scratchDir(QTest::currentDataTag());
        writeSvhn(subfolder ? dir + "/svhn" : dir, compress, yDouble, smallNames);
        const Dataset ds = readSvhn(dir);
        QCOMPARE(ds.name, std::string("SVHN"));
        QCOMPARE(ds.trainX.sizes().vec(), (std::vector<int64_t>{5, 3, 32, 32}));
        QCOMPARE(ds.testX.sizes().vec(), (std::vector<int64_t>{3, 3, 32, 32}));
        QCOMPARE(ds.inputShape, (std::vector<int64_t>{3, 32, 32}));
        QCOMPARE(ds.trainX.scalar_type(), torch::kUInt8); // the bytes; the model sees / 255
        QCOMPARE(ds.trainY.scalar_type(), torch::kInt64);
        const std::vector<int64_t> trainY{0, 1, 2, 9, 0}, testY{3, 0, 7};
        for (int64_t i = 0; i < 5; ++i)
            QCOMPARE(ds.trainY[i].item<int64_t>(), trainY[i]);
        for (int64_t i = 0; i < 3; ++i)
            QCOMPARE(ds.testY[i].item<int64_t>(), testY[i]);
        // Every pixel: [n][ch][r][c] is element (r, c, ch, n) of the column-major array.
        const auto check = [&](const torch::Tensor& x, int64_t g0) {
            const torch::Tensor c = ds.input(x).contiguous();
            const float* p = c.data_ptr<float>();
            for (int64_t n = 0; n < x.size(0); ++n)
                for (int64_t ch = 0; ch < 3; ++ch)
                    for (int64_t r = 0; r < 32; ++r)
                        for (int64_t col = 0; col < 32; ++col)
                            if (p[((n * 3 + ch) * 32 + r) * 32 + col] !=
                                float(pixel(g0 + n, r, col, ch)) / 255.0f)
                                return false;
            return true;
        };
        QVERIFY(check(ds.trainX, 0));
        QVERIFY(check(ds.testX, 100));
        QCOMPARE(int(ds.trainX[3][2][5][17].item<uint8_t>()), int(pixel(3, 5, 17, 2)));
        QCOMPARE(ds.classNames,
                 (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}));
    }

    void errors_data() {
        QTest::addColumn<QByteArray>("bytes"); // test_32x32.mat ("-": no files at all)
        QTest::addColumn<QStringList>("expected");
        const auto b = [](const std::string& s) { return QByteArray(s.data(), int(s.size())); };
        QTest::newRow("missing files")
            << QByteArray("-")
            << QStringList{"SVHN not found in",
                           "train_32x32.mat",
                           "test_32x32.mat",
                           "put them in",
                           "subfolder svhn",
                           "'Format 2: cropped digits' .mat files from the SVHN website"};
        QTest::newRow("not a MAT-file")
            << b(std::string(200, 'x')) << QStringList{"test_32x32.mat: not a MAT-file"};
        QTest::newRow("short file") << b("MATLAB 5") << QStringList{"not a MAT-file", "shorter"};
        std::string noEndian = header();
        noEndian[126] = 'X';
        QTest::newRow("no endian indicator")
            << b(noEndian + element(1, "a")) << QStringList{"not a MAT-file", "'IM'"};
        std::string v73 = "MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: HDF5 schema 1.00 .";
        v73.resize(116, ' ');
        v73 += std::string(8, '\0') + std::string("\x00\x02", 2) + "IM";
        v73.resize(512, '\0');
        v73 += std::string("\x89HDF\r\n\x1a\n", 8) + std::string(64, '\0');
        QTest::newRow("v7.3 HDF5")
            << b(v73) << QStringList{"test_32x32.mat", "HDF5", "v7.3", "version 5"};
        QTest::newRow("bare HDF5") << b(std::string("\x89HDF\r\n\x1a\n", 8) + std::string(600, 0))
                                   << QStringList{"HDF5", "level-5"};
        QTest::newRow("missing y") << b(matFile({imagesX(0, 3)}, true, false))
                                   << QStringList{"test_32x32.mat: no variable 'y'"};
        QTest::newRow("missing X") << b(matFile({labelsY({1, 2}, true)}, false, false))
                                   << QStringList{"test_32x32.mat: no variable 'X'"};
        QTest::newRow("grey images")
            << b(matFile({imagesX(0, 2, 1), labelsY({1, 2}, true)}, false, false))
            << QStringList{"X has dimensions 32x32x1x2, expected 32x32x3xN"};
        QTest::newRow("y not a column")
            << b(matFile({imagesX(0, 2), {"y", 6, {2, 2}, 9, bytesOf(std::vector<double>(4, 1))}},
                         false, false))
            << QStringList{"y has dimensions 2x2, expected Nx1"};
        QTest::newRow("count mismatch")
            << b(matFile({imagesX(0, 3), labelsY({1, 2}, false)}, true, false))
            << QStringList{"count mismatch: X holds 3 images but y 2 labels"};
        Matrix shortX = imagesX(0, 2);
        shortX.data.resize(3072 + 100);
        QTest::newRow("X shorter than its dims")
            << b(matFile({shortX, labelsY({1, 2}, true)}, false, false))
            << QStringList{"truncated or damaged: X holds 3172 bytes", "expected 6144"};
        Matrix doubleX = imagesX(0, 1);
        doubleX.type = 9;
        doubleX.data.resize(3072 * 8, '\0');
        QTest::newRow("X not uint8") << b(matFile({doubleX, labelsY({1}, true)}, false, false))
                                     << QStringList{"expected uint8 pixels"};
        const std::string plain = matFile({imagesX(0, 2), labelsY({1, 2}, true)}, false, false);
        QTest::newRow("truncated plain") << b(plain.substr(0, plain.size() - 3000))
                                         << QStringList{"test_32x32.mat", "truncated"};
        const std::string packed = matFile({labelsY({1, 2}, true), imagesX(0, 2)}, true, false);
        QTest::newRow("truncated compressed") << b(packed.substr(0, packed.size() - 10))
                                              << QStringList{"test_32x32.mat", "truncated"};
        // The compressed element's tag kept whole but its zlib stream cut short.
        std::string cut = header() + compressed(matrix(imagesX(0, 2), false));
        const std::string inner = cut.substr(128 + 8, (cut.size() - 136) / 2);
        cut = header() + u32(15) + u32(uint32_t(inner.size())) + inner;
        QTest::newRow("zlib stream cut")
            << b(cut) << QStringList{"compressed element: truncated: the compressed data ends"};
        QTest::newRow("corrupt zlib") << b(header() + u32(15) + u32(16) + std::string(16, '\x55'))
                                      << QStringList{"corrupt compressed data"};
        QTest::newRow("label 0") << b(matFile({imagesX(0, 3), labelsY({1, 0, 2}, false)}, false,
                                              false))
                                 << QStringList{"label 0 of image 1 is out of range", "1..10"};
        QTest::newRow("label 11") << b(matFile({imagesX(0, 2), labelsY({11, 2}, true)}, true,
                                               false))
                                  << QStringList{"label 11 of image 0 is out of range"};
        QTest::newRow("label 2.5")
            << b(matFile({imagesX(0, 2), labelsY({1, 2.5}, true)}, false, false))
            << QStringList{"label 2.5 of image 1 is out of range"};
        // A 1 KB zlib stream whose inner element claims 3 GiB: refused on the claim, before
        // memory is taken (it used to inflate until the stream ran out).
        QTest::newRow("compressed claim beyond its stream")
            << b(header() + compressed(u32(14) + u32(0xC0000000u) + std::string(1000, '\0')))
            << QStringList{"compressed element: claims 3221225472 bytes", "damaged"};
        QTest::newRow("huge claimed size")
            << b(header() + u32(14) + u32(0x7fffffff) + std::string(64, '\0'))
            << QStringList{"truncated", "claims 2147483647 bytes but only 64 follow"};
    }
    void errors() {
        QFETCH(QByteArray, bytes);
        QFETCH(QStringList, expected);
        const std::string dir = scratchDir(QTest::currentDataTag());
        if (bytes != "-") {
            writeSvhn(dir, true, true, false);
            writeFile(dir + "/test_32x32.mat", bytes.toStdString());
        }
        const QString msg = errorOf([&] { readSvhn(dir); });
        QVERIFY2(!msg.isEmpty(), "no error");
        for (const auto& e : expected)
            QVERIFY2(msg.contains(e), qPrintable(msg + "\n  lacks: " + e));
        if (bytes == "-") QVERIFY2(msg.contains(QString::fromStdString(dir)), qPrintable(msg));
    }
};

QTEST_GUILESS_MAIN(TestSvhnReader)
#include "tst_svhn_reader.moc"
