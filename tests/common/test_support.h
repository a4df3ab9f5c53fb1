#pragma once
// Helpers shared by the test suites: scratch folders under the build tree and fuzzy
// float comparison for numerics.

#include "core/util/error.h"

#include <QString>
#include <torch/types.h>

#include <string>
#include <vector>

namespace alig::core {
struct ExperimentConfig;
}

namespace alig::test {

// How long a test waits for a condition (a row count, a signal, a file) before it fails: long,
// so that a loaded machine passes; the wait ends as soon as the condition holds.
constexpr int kPatienceMs = 300000;

// A fresh, empty folder for one test case under the build tree
// ($ALIG_TEST_BUILD_DIR/scratch/<suite>/<name>), removed and recreated on each call.
std::string scratchDir(const std::string& name);
// scratchDir() as a QString.
QString scratchPath(const std::string& name);

// Settings of the suite's own, never the user's: XDG_CONFIG_HOME in its scratch folder and a
// test organisation name. Call from initTestCase() of suites that make windows or panels.
void isolateSettings();

// The spirals-mlp-alig preset made small and the same every time: `samples` points, `epochs`
// epochs, one thread. The runs the window's and the store's suites train.
core::ExperimentConfig smallSpirals(int64_t epochs, int64_t samples = 400);

// |a - b| <= atol + rtol * |b|
bool near(double a, double b, double rtol = 1e-12, double atol = 1e-12);

// Writes bytes to a file, creating parent folders.
void writeFile(const std::string& path, const std::string& bytes);

// The message of the alig::core::Error that f() throws, or an empty string when it throws
// none: QVERIFY(errorOf([&] { ... }).contains("...")).
template <class F> QString errorOf(F&& f) {
    try {
        f();
    } catch (const alig::core::Error& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

// Detached copies of tensors (e.g. weights before a step), to compare with later.
std::vector<torch::Tensor> snapshot(const std::vector<torch::Tensor>& tensors);

// gzip-compresses bytes (zlib), for writing .gz fixtures.
std::string gzip(const std::string& bytes);

// A real full disk: a tmpfs of its own mounted at `dir` (the suites may run as root) with
// mount `options` ("size=512k", "nr_inodes=64"), unmounted at the end; mounted() is false
// where mounting is not allowed (the test then skips or falls back to RLIMIT_FSIZE).
class SmallFileSystem {
public:
    SmallFileSystem(const std::string& dir, const std::string& options);
    ~SmallFileSystem();
    SmallFileSystem(const SmallFileSystem&) = delete;
    SmallFileSystem& operator=(const SmallFileSystem&) = delete;
    bool mounted() const { return m_mounted; }

private:
    std::string m_dir;
    bool m_mounted = false;
};

} // namespace alig::test

// QCOMPARE for doubles with an explicit tolerance and a readable failure message.
#define ALIG_COMPARE_NEAR(actual, expected, rtol)                                                  \
    do {                                                                                           \
        const double a_ = (actual), e_ = (expected);                                               \
        if (!alig::test::near(a_, e_, (rtol), (rtol)))                                             \
            QFAIL(qPrintable(QStringLiteral("%1 = %2, expected %3 (rtol %4)")                      \
                                 .arg(QStringLiteral(#actual))                                     \
                                 .arg(a_, 0, 'g', 17)                                              \
                                 .arg(e_, 0, 'g', 17)                                              \
                                 .arg(double(rtol))));                                             \
    } while (0)
