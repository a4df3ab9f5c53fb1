// The command users run (alig-train, alig-studio): a small program without LibTorch. It puts
// into the environment what LibTorch's OpenMP runtime and OpenBLAS read only when they load
// (core/train/runtime_env.h), then replaces itself with the real program, installed under
// libexec. So LibTorch loads once, whatever the environment; before, the real program set the
// environment itself and re-executed, loading LibTorch twice (0.4-1 s of start-up).
//
// To choose the OpenBLAS kernel it needs what OpenBLAS detects on this CPU, so it loads the
// BLAS LibTorch links (libblas.so.3, which Debian points at OpenBLAS) for a moment; that takes
// milliseconds, LibTorch a few hundred. alig-train's --version is answered here, from that
// same BLAS, without starting the real program at all.
//
// Built once per program (app/launcher/launcher.cmake) with:
//   ALIG_LAUNCH_NAME     the command's name, for messages
//   ALIG_LAUNCH_PATH     the real program, relative to this one's folder
//   ALIG_LAUNCH_VERSION  defined when a lone --version is answered here (alig-train's text)

#include "core/train/runtime_env.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

// Loads the BLAS the real program will load, so that setRuntimeEnvironment() sees the
// kernel OpenBLAS picks here. False when there is no OpenBLAS to ask.
bool loadBlas() {
    for (const char* name : {"libblas.so.3", "libopenblas.so.0"})
        if (void* lib = dlopen(name, RTLD_NOW | RTLD_GLOBAL))
            if (dlsym(lib, "openblas_get_corename")) return true;
    return false;
}

// This program's folder, from /proc/self/exe (so a symbolic link to the command works too).
std::string ownFolder() {
    char path[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0) return {};
    path[n] = '\0';
    std::string folder(path);
    return folder.substr(0, folder.rfind('/'));
}

} // namespace

int main(int argc, char** argv) {
    const bool blasSeen = loadBlas();
    const alig::core::RuntimeEnvironmentChange change = alig::core::setRuntimeEnvironment();
    // Where no OpenBLAS could be asked here, the real program checks the kernel itself.
    if (blasSeen) alig::core::markRuntimeEnvironmentPrepared();
#ifdef ALIG_LAUNCH_VERSION
    // The OpenBLAS loaded here runs the kernel the real program will, unless one was just
    // forced (it applies from the next load only): then the real program answers.
    if (argc == 2 && std::strcmp(argv[1], "--version") == 0 && blasSeen && !change.blasKernel) {
        std::printf("%s\n", alig::core::trainVersionText().c_str());
        return std::fflush(stdout) == 0 ? 0 : 1;
    }
#else
    (void)argc;
    (void)change;
#endif
    const std::string folder = ownFolder();
    if (folder.empty()) {
        std::fprintf(stderr, "%s: cannot find where this program is (/proc/self/exe: %s)\n",
                     ALIG_LAUNCH_NAME, std::strerror(errno));
        return 127;
    }
    const std::string program = folder + "/" + ALIG_LAUNCH_PATH;
    execv(program.c_str(), argv);
    std::fprintf(stderr, "%s: cannot start the program %s: %s (is the installation complete?)\n",
                 ALIG_LAUNCH_NAME, program.c_str(), std::strerror(errno));
    return 127;
}
