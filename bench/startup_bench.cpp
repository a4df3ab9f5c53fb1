// Start-up time and peak memory, measured from outside as a user meets them: the time from
// starting a program to the line that marks it ready (the window's first paint, alig-train's
// --version), and the peak resident set size (wait4's ru_maxrss) of each program, of the
// default preset trained headless and of the same preset trained in the window.
// Prints a table. The window runs with the platform in QT_QPA_PLATFORM (bench.sh: offscreen).
//
// Usage: bench_startup [repeats (default 5)]

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

struct Measure {
    double readyMs = -1.0; // start to the marker line (-1: never seen)
    double totalMs = 0.0;  // start to exit
    double peakMiB = 0.0;  // ru_maxrss
    int status = -1;
};

std::string g_errorLog = "/dev/null";

// Runs argv, watching its standard output for a line that starts with `marker`; its standard
// error goes to g_errorLog.
Measure runProgram(const std::vector<std::string>& args, const std::string& marker) {
    int pipeFds[2];
    if (pipe(pipeFds) != 0) return {};
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(pipeFds[1], STDOUT_FILENO);
        if (FILE* log = std::fopen(g_errorLog.c_str(), "a")) dup2(fileno(log), STDERR_FILENO);
        close(pipeFds[0]);
        close(pipeFds[1]);
        std::vector<char*> argv;
        for (const auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(pipeFds[1]);
    Measure m;
    std::string line;
    char buffer[4096];
    ssize_t n;
    while ((n = read(pipeFds[0], buffer, sizeof buffer)) > 0) {
        for (ssize_t i = 0; i < n; ++i) {
            if (buffer[i] != '\n') {
                line += buffer[i];
                continue;
            }
            if (m.readyMs < 0 && line.rfind(marker, 0) == 0)
                m.readyMs = std::chrono::duration<double, std::milli>(
                                std::chrono::steady_clock::now() - start)
                                .count();
            line.clear();
        }
    }
    close(pipeFds[0]);
    struct rusage usage {};
    int status = 0;
    wait4(pid, &status, 0, &usage);
    m.totalMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    m.peakMiB = static_cast<double>(usage.ru_maxrss) / 1024.0; // kilobytes on Linux
    m.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return m;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

void printRow(const char* what, const std::vector<Measure>& runs, bool useReady) {
    std::vector<double> times, peaks;
    for (const auto& m : runs) {
        if (m.status != 0 || (useReady && m.readyMs < 0)) {
            std::printf("%-46s  failed (exit status %d)\n", what, m.status);
            return;
        }
        times.push_back(useReady ? m.readyMs : m.totalMs);
        peaks.push_back(m.peakMiB);
    }
    std::printf("%-46s %10.0f %10.0f %12.0f\n", what, median(times),
                *std::min_element(times.begin(), times.end()), median(peaks));
}

} // namespace

int main(int argc, char** argv) {
    const int repeats = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
    const std::string studio = ALIG_STUDIO_PATH, train = ALIG_TRAIN_PATH;
    const auto tmp =
        std::filesystem::temp_directory_path() / ("alig-bench-startup-" + std::to_string(getpid()));
    std::filesystem::create_directories(tmp);
    const std::string runs = (tmp / "runs").string();
    g_errorLog = (tmp / "stderr.log").string();

    std::printf("start-up time and peak memory, median of %d runs (QT_QPA_PLATFORM=%s)\n\n",
                repeats, std::getenv("QT_QPA_PLATFORM") ? std::getenv("QT_QPA_PLATFORM") : "");
    std::printf("%-46s %10s %10s %12s\n", "what", "median ms", "best ms", "peak RSS MiB");

    // The commands are launchers (app/launcher) that set OMP_WAIT_POLICY before LibTorch
    // loads, once: the rows with "preset" (the variable already set) should be the same.
    std::vector<Measure> window, windowPreset, version, versionPreset, oneStep;
    const std::string env = "/usr/bin/env", passive = "OMP_WAIT_POLICY=PASSIVE";
    for (int i = 0; i < repeats; ++i) {
        window.push_back(runProgram({env, "-u", "OMP_WAIT_POLICY", studio, "--fresh", "--runs-dir",
                                     runs, "--startup-probe"},
                                    "first-paint"));
        windowPreset.push_back(
            runProgram({env, passive, studio, "--fresh", "--runs-dir", runs, "--startup-probe"},
                       "first-paint"));
        version.push_back(
            runProgram({env, "-u", "OMP_WAIT_POLICY", train, "--version"}, "alig-train"));
        versionPreset.push_back(runProgram({env, passive, train, "--version"}, "alig-train"));
        // The whole of start-up before a first step (LibTorch, the full data set decoded, the
        // model), then that one step and a small evaluation: an upper bound on the time to
        // the first step.
        oneStep.push_back(
            runProgram({env, "-u", "OMP_WAIT_POLICY", train, "--epochs", "1", "--set",
                        "dataset.subset=128", "--set", "dataset.test_subset=100", "--quiet",
                        "--out", (tmp / ("one-step-" + std::to_string(i))).string()},
                       ""));
    }
    printRow("alig-studio: start to first painted window", window, true);
    printRow("  the same, OMP_WAIT_POLICY preset", windowPreset, true);
    printRow("alig-train --version: start to output", version, true);
    printRow("  the same, OMP_WAIT_POLICY preset", versionPreset, true);
    printRow("alig-train, default preset, one step, total", oneStep, false);

    // The default preset end to end, once each: its peak memory is the figure here.
    std::vector<Measure> headless{
        runProgram({train, "--quiet", "--out", (tmp / "headless").string()}, "")};
    printRow("alig-train, default preset (10 epochs), total", headless, false);
    std::vector<Measure> windowed{runProgram({studio, "--fresh", "--runs-dir", runs, "--screenshot",
                                              (tmp / "shot.png").string(), "--steps", "4690"},
                                             "")};
    printRow("alig-studio, default preset (10 epochs), total", windowed, false);

    std::filesystem::remove_all(tmp);
    return 0;
}
