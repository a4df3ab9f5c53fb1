// The choice of OpenBLAS kernel from the CPU's features: the ladder of kernel names, the best
// kernel for a feature set, and when to force one. (alig-train's suite checks the re-exec.)

#include "common/test_support.h"
#include "core/train/blas_kernel.h"

#include <QtTest/QtTest>

using namespace alig::core;

namespace {

CpuFeatures upTo(int level, bool amd = false) {
    CpuFeatures f;
    f.amd = amd;
    f.sse3 = level >= 1;
    f.ssse3 = level >= 2;
    f.sse41 = f.sse42 = level >= 3;
    f.avx = level >= 4;
    f.avx2 = f.fma = level >= 5;
    f.avx512f = f.avx512cd = f.avx512bw = f.avx512dq = f.avx512vl = level >= 6;
    f.avx512bf16 = level >= 7;
    return f;
}

} // namespace

class TestBlasKernel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void ladder();
    void bestKernel_data();
    void bestKernel();
    void forcesOnlyAnUpgrade_data();
    void forcesOnlyAnUpgrade();
    void thisCpu();
};

void TestBlasKernel::ladder() {
    QCOMPARE(blasKernelLevel("Prescott"), 1);
    QCOMPARE(blasKernelLevel("HASWELL"), 5); // openblas_get_corename() spells it in capitals
    QCOMPARE(blasKernelLevel("Zen"), blasKernelLevel("Haswell"));
    QVERIFY(blasKernelLevel("Nehalem") > blasKernelLevel("Core2"));
    QVERIFY(blasKernelLevel("Sandybridge") > blasKernelLevel("Nehalem"));
    QVERIFY(blasKernelLevel("SkylakeX") > blasKernelLevel("Haswell"));
    QVERIFY(blasKernelLevel("Cooperlake") > blasKernelLevel("SkylakeX"));
    QCOMPARE(blasKernelLevel("ARMV8"), -1);
    QCOMPARE(blasKernelLevel(""), -1);
}

void TestBlasKernel::bestKernel_data() {
    QTest::addColumn<int>("level");
    QTest::addColumn<bool>("amd");
    QTest::addColumn<QString>("kernel");
    QTest::newRow("nothing known") << 0 << false << "";
    QTest::newRow("SSE3") << 1 << false << "Prescott";
    QTest::newRow("SSSE3") << 2 << false << "Core2";
    QTest::newRow("SSE4.2") << 3 << false << "Nehalem";
    QTest::newRow("AVX") << 4 << false << "Sandybridge";
    QTest::newRow("AVX2, Intel") << 5 << false << "Haswell";
    QTest::newRow("AVX2, AMD") << 5 << true << "Zen";
    QTest::newRow("AVX-512") << 6 << false << "SkylakeX";
    QTest::newRow("AVX-512, AMD") << 6 << true << "SkylakeX";
    QTest::newRow("AVX-512 BF16") << 7 << false << "Cooperlake";
}

void TestBlasKernel::bestKernel() {
    QFETCH(int, level);
    QFETCH(bool, amd);
    QFETCH(QString, kernel);
    QCOMPARE(QString::fromStdString(bestBlasKernel(upTo(level, amd))), kernel);
}

void TestBlasKernel::forcesOnlyAnUpgrade_data() {
    QTest::addColumn<QString>("detected");
    QTest::addColumn<int>("level");
    QTest::addColumn<QString>("forced");
    // The case this exists for: a new Xeon that OpenBLAS 0.3.21 does not know.
    QTest::newRow("generic on AVX-512") << "Prescott" << 6 << "SkylakeX";
    QTest::newRow("generic on AVX-512 BF16") << "Prescott" << 7 << "Cooperlake";
    QTest::newRow("Haswell on AVX-512") << "Haswell" << 6 << "SkylakeX";
    QTest::newRow("already the best") << "SkylakeX" << 6 << "";
    QTest::newRow("Zen is as good as Haswell") << "Zen" << 5 << "";
    QTest::newRow("never a downgrade") << "Cooperlake" << 5 << "";
    QTest::newRow("unknown kernel name") << "ARMV8" << 6 << "";
    QTest::newRow("no OpenBLAS") << "" << 6 << "";
    QTest::newRow("unknown CPU") << "Prescott" << 0 << "";
}

void TestBlasKernel::forcesOnlyAnUpgrade() {
    QFETCH(QString, detected);
    QFETCH(int, level);
    QFETCH(QString, forced);
    QCOMPARE(QString::fromStdString(blasKernelToForce(detected.toStdString(), upTo(level))),
             forced);
}

void TestBlasKernel::thisCpu() {
    // Every x86-64 CPU has SSE3 and up (x86-64-v1 has SSE2 only, but none made since 2005
    // lacks SSE3); AVX-512 needs AVX2, AVX2 needs AVX.
    const CpuFeatures f = cpuFeatures();
#if defined(__x86_64__)
    QVERIFY(f.sse3);
    QVERIFY(!bestBlasKernel(f).empty());
#endif
    if (f.avx512f) QVERIFY(f.avx2);
    if (f.avx2) QVERIFY(f.avx);
    const QString report = QString::fromStdString(blasKernelReport());
    QVERIFY2(!report.isEmpty(), "empty report");
}

QTEST_GUILESS_MAIN(TestBlasKernel)
#include "tst_blas_kernel.moc"
