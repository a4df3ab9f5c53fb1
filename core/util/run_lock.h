#pragma once
// One writer per run folder: an advisory lock (flock) on <dir>/writer.lock, held while the
// object lives. The CLI, the window, resume and the compare/sweep runners take it through
// RunSession; readers and watchers need none. The kernel drops the lock when its holder
// dies, so a lock left by a killed run is taken over; the file names the holder (pid, host)
// so that a refusal can say who holds it.

#include <string>

namespace alig::core {

inline constexpr const char* kRunLockFile = "writer.lock";

class RunLock {
public:
    // Takes the lock on `dir` (an existing folder), or throws Error naming the holder's pid
    // and host.
    explicit RunLock(const std::string& dir);
    ~RunLock();
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;

    const std::string& dir() const { return m_dir; }

private:
    std::string m_dir;
    int m_fd = -1;
};

} // namespace alig::core
