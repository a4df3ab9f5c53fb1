// writeFileAtomically / replaceFileAtomically: the new version replaces the old one whole, and
// a write that fails (a file size limit standing in for a full disk, a missing folder, a
// writer that throws) leaves the old file as it was, no temporary file behind, and an error
// that names the file and the reason.

#include "common/test_support.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <QtTest/QtTest>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <sys/resource.h>

namespace fs = std::filesystem;
using alig::core::replaceFileAtomically;
using alig::core::writeFileAtomically;
using alig::test::errorOf;

namespace {

std::string contentsOf(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// While alive, no file of this process may grow past `bytes` (EFBIG instead of SIGXFSZ).
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        m_oldHandler = std::signal(SIGXFSZ, SIG_IGN);
        getrlimit(RLIMIT_FSIZE, &m_old);
        rlimit limit = m_old;
        limit.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &limit);
    }
    ~FileSizeLimit() {
        setrlimit(RLIMIT_FSIZE, &m_old);
        std::signal(SIGXFSZ, m_oldHandler);
    }

private:
    rlimit m_old{};
    void (*m_oldHandler)(int) = nullptr;
};

} // namespace

class TestAtomicFile : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void replacesTheWholeFile();
    void failedWriteKeepsTheOldFile();
    void missingFolderNamesTheFile();
    void throwingWriterKeepsTheOldFile();
    void writerReplacesTheFile();
};

void TestAtomicFile::replacesTheWholeFile() {
    const std::string path = alig::test::scratchDir("replace") + "/run.json";
    writeFileAtomically(path, "a much longer first version\n");
    writeFileAtomically(path, "short\n");
    QCOMPARE(contentsOf(path), std::string("short\n"));
    QVERIFY(!fs::exists(path + ".partial"));
}

void TestAtomicFile::failedWriteKeepsTheOldFile() {
    const std::string path = alig::test::scratchDir("full") + "/run.json";
    writeFileAtomically(path, "old\n");
    QString error;
    {
        FileSizeLimit limit(4096);
        error = errorOf([&] { writeFileAtomically(path, std::string(64 * 1024, 'x')); });
    }
    QVERIFY2(error.startsWith(QString::fromStdString(path + ": cannot write (")),
             qPrintable(error));
    QVERIFY2(error.contains("File too large"), qPrintable(error));
    QCOMPARE(contentsOf(path), std::string("old\n"));
    QVERIFY(!fs::exists(path + ".partial"));
}

void TestAtomicFile::missingFolderNamesTheFile() {
    const std::string path = alig::test::scratchDir("missing") + "/no-such-folder/exp.json";
    const QString error = errorOf([&] { writeFileAtomically(path, "{}\n"); });
    QVERIFY2(error == QString::fromStdString(path + ": cannot write (No such file or directory)"),
             qPrintable(error));
}

void TestAtomicFile::throwingWriterKeepsTheOldFile() {
    const std::string path = alig::test::scratchDir("writer-fails") + "/last.pt";
    writeFileAtomically(path, "old checkpoint");
    const QString error = errorOf([&] {
        replaceFileAtomically(path, [](const std::string& temp) {
            std::ofstream(temp) << "half a check";
            throw std::runtime_error("disk quota exceeded");
        });
    });
    QCOMPARE(error, QString::fromStdString(path + ": cannot write (disk quota exceeded)"));
    QCOMPARE(contentsOf(path), std::string("old checkpoint"));
    QVERIFY(!fs::exists(path + ".partial"));
}

void TestAtomicFile::writerReplacesTheFile() {
    const std::string path = alig::test::scratchDir("writer") + "/last.pt";
    writeFileAtomically(path, "old checkpoint");
    std::string tempSeen;
    replaceFileAtomically(path, [&](const std::string& temp) {
        tempSeen = temp;
        std::ofstream(temp) << "new checkpoint";
    });
    QCOMPARE(contentsOf(path), std::string("new checkpoint"));
    // Written beside the file (same folder, so the rename never crosses file systems).
    QCOMPARE(fs::path(tempSeen).parent_path(), fs::path(path).parent_path());
    QVERIFY(!fs::exists(tempSeen));
}

QTEST_GUILESS_MAIN(TestAtomicFile)
#include "tst_atomic_file.moc"
