#include "core/util/paths.h"

#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

namespace alig::core {

std::string userDataDir() {
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
        return (fs::path(xdg) / "alig-studio").string();
    const char* home = std::getenv("HOME");
    fs::path base = home && *home ? fs::path(home) : fs::temp_directory_path();
    return (base / ".local" / "share" / "alig-studio").string();
}

std::string defaultRunsDir() {
    return (fs::path(userDataDir()) / "runs").string();
}

std::string defaultDatasetsDir() {
    return (fs::path(userDataDir()) / "datasets").string();
}

std::vector<std::string> presetDirs() {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("ALIG_PRESET_DIR"); env && *env) dirs.emplace_back(env);
    dirs.emplace_back(ALIG_PRESET_DIR_BUILD);
    dirs.emplace_back(ALIG_PRESET_DIR_INSTALL);
    return dirs;
}

} // namespace alig::core
