#pragma once
// Running alig-train as a child process, for the suites that try it as a user would (crash
// recovery, faults): its environment, waiting for its end, and reading what it left. Header
// only: each suite defines ALIG_TRAIN_PATH, the program under test.

#include "common/test_support.h"
#include "core/experiment/run_store.h"

#include <QProcess>
#include <QtTest/QtTest>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>

namespace alig::test {

// The user's environment with the data folder in the test's scratch and one OpenMP thread.
inline QProcessEnvironment trainEnvironment(const std::string& scratch) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_DATA_HOME", QString::fromStdString(scratch + "/xdg"));
    env.insert("OMP_NUM_THREADS", "1");
    return env;
}

struct Finished {
    int exitCode = -1; // -1: killed by a signal; -2: did not end in time
    QString out, err;
};

// Waits for the process to end (a condition), killing it after `timeoutMs`.
inline Finished finish(QProcess& p, int timeoutMs = kPatienceMs) {
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return {-2, {}, "timed out"};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

// Runs `program` with `args` to its end; `childSetup` runs in the child before exec (limits).
inline Finished runProcess(const QString& program, const QStringList& args,
                           const std::string& scratch, std::function<void()> childSetup = {}) {
    QProcess p;
    p.setProcessEnvironment(trainEnvironment(scratch));
    if (childSetup) p.setChildProcessModifier(childSetup);
    p.start(program, args);
    return finish(p);
}

// Lines in a file (0 when it is not there yet).
inline int64_t linesOf(const std::filesystem::path& p) {
    std::ifstream in(p);
    return std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n');
}

// A file's size (-1 when it is not there).
inline int64_t sizeOf(const std::filesystem::path& p) {
    std::error_code ec;
    const auto s = std::filesystem::file_size(p, ec);
    return ec ? -1 : static_cast<int64_t>(s);
}

// Rows are the steps 1..n and the epochs 1..k, in order, and every recorded epoch's steps
// are all there: a kill or a fault may cut the last row short, never leave a hole.
inline void checkConsistent(const core::RunRecord& r) {
    for (size_t i = 0; i < r.steps.size(); ++i)
        QCOMPARE(r.steps[i].step, static_cast<int64_t>(i + 1));
    for (size_t i = 0; i < r.epochs.size(); ++i) {
        QCOMPARE(r.epochs[i].epoch, static_cast<int64_t>(i + 1));
        QVERIFY(r.epochs[i].step <= static_cast<int64_t>(r.steps.size()));
    }
}

} // namespace alig::test
