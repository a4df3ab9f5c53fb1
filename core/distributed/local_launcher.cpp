#include "core/distributed/local_launcher.h"

#include "core/distributed/distributed_env.h"
#include "core/util/error.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace alig::core {

namespace {

std::atomic<int> g_forwardSignal{0};
extern "C" void rememberSignal(int sig) {
    g_forwardSignal = sig;
}

int statusCode(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}

} // namespace

int launchLocalRanks(const std::vector<std::string>& argv, int nproc) {
    if (nproc < 1) throw Error("--nproc: must be at least 1, got " + std::to_string(nproc));
    if (argv.empty()) throw Error("--nproc: no program to start");
    const int port = freeLocalPort();
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    struct sigaction action {};
    action.sa_handler = rememberSignal;
    sigemptyset(&action.sa_mask);
    struct sigaction oldInt {
    }, oldTerm{};
    sigaction(SIGINT, &action, &oldInt);
    sigaction(SIGTERM, &action, &oldTerm);

    std::vector<pid_t> pids;
    for (int rank = 0; rank < nproc; ++rank) {
        const pid_t pid = fork();
        if (pid < 0) {
            for (pid_t p : pids)
                kill(p, SIGTERM);
            throw Error("--nproc: could not start rank " + std::to_string(rank) + ": " +
                        std::strerror(errno));
        }
        if (pid == 0) {
            sigaction(SIGINT, &oldInt, nullptr);
            sigaction(SIGTERM, &oldTerm, nullptr);
            const std::string r = std::to_string(rank), n = std::to_string(nproc);
            setenv("RANK", r.c_str(), 1);
            setenv("LOCAL_RANK", r.c_str(), 1);
            setenv("WORLD_SIZE", n.c_str(), 1);
            setenv("LOCAL_WORLD_SIZE", n.c_str(), 1);
            setenv("MASTER_ADDR", "127.0.0.1", 1);
            setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
            execv("/proc/self/exe", args.data());
            execvp(args[0], args.data());
            std::fprintf(stderr, "alig-train --nproc: could not start %s: %s\n", args[0],
                         std::strerror(errno));
            _exit(127);
        }
        pids.push_back(pid);
    }

    // Wait for every rank. The first failure ends the others: a rank that lost its peers
    // would otherwise wait for the process group's timeout.
    int result = 0;
    size_t running = pids.size();
    int escalation = 0; // 1: SIGTERM sent, 2: SIGKILL sent
    auto failedAt = std::chrono::steady_clock::time_point{};
    while (running > 0) {
        if (const int sig = g_forwardSignal.exchange(0))
            for (pid_t p : pids)
                if (p > 0) kill(p, sig);
        int status = 0;
        const pid_t done = waitpid(-1, &status, WNOHANG);
        if (done > 0) {
            for (auto& p : pids)
                if (p == done) {
                    p = -1;
                    --running;
                    const int code = statusCode(status);
                    if (code != 0 && result == 0) {
                        result = code;
                        failedAt = std::chrono::steady_clock::now();
                    }
                }
            continue;
        }
        if (done < 0 && errno != EINTR) break;
        if (result != 0 && escalation < 2) {
            // The others get a few seconds to notice and report the lost peer themselves,
            // then a stop request, then the end.
            const auto waited = std::chrono::steady_clock::now() - failedAt;
            const int due = waited > std::chrono::seconds(15)  ? 2
                            : waited > std::chrono::seconds(5) ? 1
                                                               : 0;
            if (due > escalation) {
                escalation = due;
                for (pid_t p : pids)
                    if (p > 0) kill(p, due == 1 ? SIGTERM : SIGKILL);
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    sigaction(SIGINT, &oldInt, nullptr);
    sigaction(SIGTERM, &oldTerm, nullptr);
    return result;
}

} // namespace alig::core
