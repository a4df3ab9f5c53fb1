#include "fuzz_support.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;

namespace alig::fuzz {

const std::string& scratchDir() {
    // Never destroyed: the atexit handler below runs after static destructors would have.
    static const std::string& dir = *[] {
        std::error_code ec;
        const fs::path base =
            fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
        const fs::path d = base / ("alig-fuzz-" + std::to_string(::getpid()));
        fs::create_directories(d);
        // Leave no scratch files behind when the fuzzer exits normally.
        std::atexit([] {
            std::error_code ignored;
            fs::remove_all(scratchDir(), ignored);
        });
        return new std::string(d.string());
    }();
    return dir;
}

std::string writeScratch(const std::string& name, const uint8_t* data, size_t size) {
    const std::string path = scratchDir() + "/" + name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();
    if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
    std::fclose(f);
    return path;
}

} // namespace alig::fuzz
