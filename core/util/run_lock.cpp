#include "core/util/run_lock.h"

#include "core/util/error.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace alig::core {

namespace {

std::string hostName() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
    return buf;
}

// What the holder wrote into the lock file: "pid <n> host <name>".
std::string readHolder(int fd) {
    char buf[512] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string text = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    return text;
}

} // namespace

RunLock::RunLock(const std::string& dir)
    : m_dir(dir) {
    const std::string path = dir + "/" + kRunLockFile;
    // O_CLOEXEC: a program the run starts (the sweep's plot) must not keep the lock alive.
    m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0)
        throw Error(path + ": cannot open the run folder's lock (" + std::strerror(errno) + ")");
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        std::string holder = readHolder(m_fd);
        ::close(m_fd);
        m_fd = -1;
        if (err != EWOULDBLOCK)
            throw Error(path + ": cannot lock the run folder (" + std::strerror(err) + ")");
        if (holder.empty()) holder = "another process";
        throw Error(dir + ": the run folder is in use by " + holder +
                    "; only one program may write a run at a time (wait for it to end or stop "
                    "it; watching a run needs no lock)");
    }
    // The lock is ours (a dead holder's lock is released by the kernel): say who holds it now.
    const std::string me =
        "alig pid " + std::to_string(::getpid()) + " on host " + hostName() + "\n";
    if (::ftruncate(m_fd, 0) != 0 || ::pwrite(m_fd, me.data(), me.size(), 0) < 0) {
        // The lock holds without the note; a refusal then names no pid. Not worth failing for.
    }
}

RunLock::~RunLock() {
    if (m_fd >= 0) ::close(m_fd); // releases the flock
}

} // namespace alig::core
