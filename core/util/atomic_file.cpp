#include "core/util/atomic_file.h"

#include "core/util/error.h"
#include "core/util/write_error.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

namespace alig::core {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& reason) {
    throw WriteError(path + ": cannot write (" + reason + ")");
}

std::string tempPathFor(const std::string& path) {
    return path + ".partial";
}

// Flushes an already written file to the disk.
void syncFile(const std::string& tempPath, const std::string& path) {
    const int fd = ::open(tempPath.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(path, std::strerror(errno));
    const int rc = ::fsync(fd);
    const int syncErrno = errno;
    ::close(fd);
    if (rc != 0) fail(path, std::strerror(syncErrno));
}

// Makes the rename itself durable; a folder that cannot be synced (some file systems refuse)
// does not fail the write, which is complete by then.
void syncFolder(const std::string& path) {
    std::filesystem::path folder = std::filesystem::path(path).parent_path();
    if (folder.empty()) folder = ".";
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

void renameOver(const std::string& tempPath, const std::string& path) {
    if (std::rename(tempPath.c_str(), path.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        std::remove(tempPath.c_str());
        fail(path, reason);
    }
    syncFolder(path);
}

} // namespace

void writeFileAtomically(const std::string& path, std::string_view contents) {
    const std::string tempPath = tempPathFor(path);
    const int fd = ::open(tempPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail(path, std::strerror(errno));
    const char* data = contents.data();
    size_t left = contents.size();
    int error = 0;
    while (left > 0) {
        const ssize_t n = ::write(fd, data, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            error = errno;
            break;
        }
        data += n;
        left -= static_cast<size_t>(n);
    }
    if (error == 0 && ::fsync(fd) != 0) error = errno;
    if (::close(fd) != 0 && error == 0) error = errno;
    if (error != 0) {
        std::remove(tempPath.c_str());
        fail(path, std::strerror(error));
    }
    renameOver(tempPath, path);
}

void replaceFileAtomically(const std::string& path,
                           const std::function<void(const std::string& tempPath)>& write) {
    const std::string tempPath = tempPathFor(path);
    try {
        write(tempPath);
        syncFile(tempPath, path);
    } catch (const Error&) {
        std::remove(tempPath.c_str());
        throw;
    } catch (const std::exception& e) {
        std::remove(tempPath.c_str());
        fail(path, e.what());
    }
    renameOver(tempPath, path);
}

} // namespace alig::core
