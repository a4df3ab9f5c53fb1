#include "core/util/paths.h"

#include <cctype>
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

std::string safeFolderName(const std::string& name) {
    std::string s;
    for (char c : name) {
        const bool plain = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
        // A dot is kept only after a character that is not a dot: no ".", "..", ".hidden".
        const bool dot = c == '.' && !s.empty() && s.back() != '.' && s.back() != '-';
        s += plain || dot ? c : '-';
        if (s.size() == 80) break;
    }
    return s.empty() ? "run" : s;
}

std::vector<std::string> presetDirs() {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("ALIG_PRESET_DIR"); env && *env) dirs.emplace_back(env);
    dirs.emplace_back(ALIG_PRESET_DIR_BUILD);
    dirs.emplace_back(ALIG_PRESET_DIR_INSTALL);
    return dirs;
}

} // namespace alig::core
