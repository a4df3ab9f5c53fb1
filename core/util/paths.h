#pragma once
// Where the program finds its presets and writes its runs (XDG base directories).

#include <string>
#include <vector>

namespace alig::core {

// $XDG_DATA_HOME/alig-studio, or ~/.local/share/alig-studio.
std::string userDataDir();
// The default parent of run directories: userDataDir()/runs.
std::string defaultRunsDir();
// Where datasets that Debian does not package (CIFAR) are looked for by default:
// userDataDir()/datasets.
std::string defaultDatasetsDir();
// A run or experiment name made safe as one folder name: letters, digits, '-', '_' and
// '.' only (anything else, path separators included, becomes '-'), never starting with a
// dot and never holding "..", at most 80 characters; "run" when nothing is left. Names come
// from experiment files written by others, so none may reach outside the runs folder.
std::string safeFolderName(const std::string& name);
// Folders searched for presets, first match wins: $ALIG_PRESET_DIR, the source tree's
// resources/presets (for a build run in place), then the installed share folder.
std::vector<std::string> presetDirs();

} // namespace alig::core
