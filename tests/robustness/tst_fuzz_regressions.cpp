// Every input in fuzz/regressions/<target>/ (what the fuzzers found, once fixed) and a few
// hand-made ones, replayed through the fuzz targets' own code (fuzz/fuzz_inputs.h) in the
// ordinary build: each must end in success or an alig::core::Error, never in a crash, an
// abort or another exception.

#include "common/test_support.h"
#include "fuzz_inputs.h"

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <functional>

namespace fs = std::filesystem;

namespace {

using Feed = std::function<void(const uint8_t*, size_t)>;

Feed feedFor(const QString& target) {
    if (target == "idx") return alig::fuzz::feedIdx;
    if (target == "cifar") return alig::fuzz::feedCifar;
    if (target == "csv") return alig::fuzz::feedCsv;
    return alig::fuzz::feedConfig;
}

std::string readBytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string be32(uint32_t v) {
    return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

} // namespace

class TestFuzzRegressions : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { alig::fuzz::initialize(); }
    void replay_data();
    void replay();
};

void TestFuzzRegressions::replay_data() {
    QTest::addColumn<QString>("target");
    QTest::addColumn<QByteArray>("input");
    int found = 0;
    for (const char* target : {"idx", "cifar", "csv", "config"}) {
        const fs::path dir = fs::path(ALIG_FUZZ_DIR) / "regressions" / target;
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            if (!entry.is_regular_file() || entry.path().filename().string()[0] == '.') continue;
            const std::string bytes = readBytes(entry.path());
            QTest::newRow(qPrintable(QString("%1/%2").arg(target).arg(
                QString::fromStdString(entry.path().filename().string()))))
                << QString(target) << QByteArray(bytes.data(), static_cast<int>(bytes.size()));
            ++found;
        }
    }
    // Hand-made edge cases, in the targets' layouts (fuzz_inputs.h).
    auto row = [](const char* name, const char* target, const std::string& bytes) {
        QTest::newRow(name) << QString(target)
                            << QByteArray(bytes.data(), static_cast<int>(bytes.size()));
    };
    row("idx: empty", "idx", std::string(1, '\0'));
    row("idx: four 2^16 dimensions", "idx",
        std::string(1, '\0') + std::string{0, 0, 8, 4} + be32(65536) + be32(65536) + be32(65536) +
            be32(65536));
    row("idx: zero items", "idx", std::string(1, '\0') + std::string{0, 0, 8, 1} + be32(0));
    row("idx: gzip magic only", "idx", std::string(1, '\0') + "\x1f\x8b");
    row("idx: folder of empty files", "idx", std::string(1, '\1') + std::string(6, '\0'));
    row("cifar: nothing", "cifar", std::string(1, '\0'));
    row("cifar: names but no records", "cifar",
        std::string(1, '\3') + std::string(4, '\0') + std::string{5, 0} + "a\nb\nc");
    row("csv: only a header", "csv", std::string(1, '\0') + "x,y,label\n");
    row("csv: unterminated quote", "csv", std::string(1, '\0') + "x,y\n\"1,2\n");
    row("csv: huge integer label", "csv", std::string(1, '\0') + "x,l\n1,99999999999999999999\n");
    row("csv: NUL bytes", "csv", std::string(1, '\0') + std::string("1,\0\n2,1\n", 8));
    row("config: deep nesting", "config", std::string(5000, '[') + std::string(5000, ']'));
    row("config: huge number", "config", R"({"training": {"epochs": 1e400}})");
    row("config: NaN-like", "config", R"({"optimizer": {"max_lr": NaN}})");
    row("config: big integer", "config", R"({"training": {"batch_size": 18446744073709551615}})");
    row("config: null sections", "config", R"({"dataset": null, "model": null})");
    qInfo("%d regression input(s) from fuzz/regressions", found);
}

void TestFuzzRegressions::replay() {
    QFETCH(QString, target);
    QFETCH(QByteArray, input);
    try {
        feedFor(target)(reinterpret_cast<const uint8_t*>(input.constData()),
                        static_cast<size_t>(input.size()));
    } catch (const std::exception& e) {
        QFAIL(qPrintable(QString("escaped: %1").arg(e.what())));
    }
}

QTEST_GUILESS_MAIN(TestFuzzRegressions)
#include "tst_fuzz_regressions.moc"
