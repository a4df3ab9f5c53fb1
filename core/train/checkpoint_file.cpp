#include "core/train/checkpoint_file.h"

#include "core/util/write_error.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace alig::core {

void writeCheckpointFile(const std::string& path, const std::string& bytes) {
    const std::string partial = path + ".partial";
    auto fail = [&](int err) {
        ::unlink(partial.c_str());
        throw WriteError(path + ": cannot write the checkpoint (" + std::strerror(err) +
                         "); the previous checkpoint is kept");
    };
    const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail(errno);
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = n < 0 ? errno : ENOSPC;
            ::close(fd);
            fail(err);
        }
        done += static_cast<size_t>(n);
    }
    // On the disk before the rename: a power cut then leaves the old file or the new one.
    if (::fsync(fd) != 0 && errno != EINVAL && errno != EROFS) {
        const int err = errno;
        ::close(fd);
        fail(err);
    }
    if (::close(fd) != 0) fail(errno);
    if (std::rename(partial.c_str(), path.c_str()) != 0) fail(errno);
}

uint64_t checkpointChecksum(const void* data, size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < size; ++i) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

} // namespace alig::core
