#pragma once
// Shared by the libFuzzer targets: the readers take paths, so each input is written to a
// private scratch folder (in /dev/shm when there is one) and read back from there. An
// alig::core::Error is the expected answer to a bad input; anything else (a crash, a
// sanitizer report, another exception type escaping) is a finding.

#include <cstddef>
#include <cstdint>
#include <string>

namespace alig::fuzz {

// This process's scratch folder, created on first use.
const std::string& scratchDir();

// Writes bytes to scratchDir()/name and returns the path.
std::string writeScratch(const std::string& name, const uint8_t* data, size_t size);

} // namespace alig::fuzz
