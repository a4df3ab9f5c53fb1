#pragma once
// The bytes of a checkpoint on their way to and from the disk, apart from what they hold:
// the Trainer serialises into memory, then this writes the file beside and renames it, so
// a full disk or a size limit fails the write with a message and never tears the previous
// checkpoint (LibTorch's own file writer throws from its destructor there, which ends the
// program). The checksum lets a resume tell a damaged file from a good one.

#include <cstddef>
#include <cstdint>
#include <string>

namespace alig::core {

// Writes `bytes` to `path` through `path`.partial (flushed to the disk, then renamed).
// Throws WriteError naming the file and the system's reason; no .partial is left behind.
void writeCheckpointFile(const std::string& path, const std::string& bytes);

// FNV-1a, 64 bits: cheap, and any flipped or shifted byte changes it.
uint64_t checkpointChecksum(const void* data, size_t size);

} // namespace alig::core
