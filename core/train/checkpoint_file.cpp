#include "core/train/checkpoint_file.h"

#include "core/util/atomic_file.h"
#include "core/util/write_error.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace alig::core {

void writeCheckpointFile(const std::string& path, const std::string& bytes) {
    // The one atomic-write helper: <path>.partial, fsync, rename; the old file stays on failure.
    try {
        writeFileAtomically(path, bytes);
    } catch (const Error& e) {
        throw WriteError(std::string(e.what()) + "; the previous checkpoint is kept");
    }
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
