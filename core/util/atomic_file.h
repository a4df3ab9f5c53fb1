#pragma once
// Replacing a file so that it is always either its old or its new version, never a torn one
// (a crash, a kill, a full disk): the new bytes go to <path>.partial in the same folder, are
// flushed to the disk (fsync), and the temporary file is renamed over <path>. Every file the
// programs replace goes through here: run.json, checkpoints, saved experiments, summaries.

#include <functional>
#include <string>
#include <string_view>

namespace alig::core {

// Replaces `path` with `contents`. On failure throws alig::core::Error
// "<path>: cannot write (<strerror>)", removes the temporary file and leaves `path` as it was.
void writeFileAtomically(const std::string& path, std::string_view contents);

// The same for writers that take a file name (a LibTorch archive's save_to): `write` writes
// the new version to the temporary path it is given; whatever it throws is reported as
// above (its message in place of strerror) after the temporary file is removed.
void replaceFileAtomically(const std::string& path,
                           const std::function<void(const std::string& tempPath)>& write);

} // namespace alig::core
