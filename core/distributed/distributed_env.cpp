#include "core/distributed/distributed_env.h"

#include "core/util/error.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace alig::core {

namespace {

const char* variable(const char* name) {
    const char* v = std::getenv(name);
    return v && *v ? v : nullptr;
}

int intVariable(const char* name, const char* value, int lo, int hi) {
    char* end = nullptr;
    const long v = std::strtol(value, &end, 10);
    if (end == value || *end != '\0' || v < lo || v > hi)
        throw Error(std::string(name) + ": must be an integer in [" + std::to_string(lo) + ", " +
                    std::to_string(hi) + "], got \"" + value + "\"");
    return static_cast<int>(v);
}

} // namespace

std::string DistributedEnv::label() const {
    return "rank " + std::to_string(rank) + "/" + std::to_string(worldSize);
}

std::optional<DistributedEnv> distributedEnvFromEnvironment() {
    // Slurm's srun sets its own names; torch.distributed's take precedence when both exist.
    const char* worldText = variable("WORLD_SIZE");
    const char* rankName = "RANK";
    const char* worldName = "WORLD_SIZE";
    const char* localName = "LOCAL_RANK";
    if (!worldText && variable("SLURM_NTASKS") && variable("MASTER_ADDR")) {
        worldName = "SLURM_NTASKS";
        rankName = "SLURM_PROCID";
        localName = "SLURM_LOCALID";
        worldText = variable(worldName);
    }
    if (!worldText) return std::nullopt;
    DistributedEnv env;
    env.worldSize = intVariable(worldName, worldText, 1, 1 << 20);
    if (env.worldSize == 1) return std::nullopt;

    const char* rankText = variable(rankName);
    if (!rankText)
        throw Error(std::string(worldName) + " is " + worldText + " but " + rankName +
                    " is not set: launch with torchrun, srun or alig-train --nproc N");
    env.rank = intVariable(rankName, rankText, 0, env.worldSize - 1);
    const char* localText = variable(localName);
    env.localRank = localText ? intVariable(localName, localText, 0, env.worldSize - 1) : env.rank;
    if (const char* v = variable("LOCAL_WORLD_SIZE"))
        env.localWorldSize = intVariable("LOCAL_WORLD_SIZE", v, 1, env.worldSize);
    else if (const char* v = variable("SLURM_NTASKS_PER_NODE"); v && worldName[0] == 'S')
        env.localWorldSize = std::max(1, std::atoi(v));
    else
        env.localWorldSize = env.worldSize; // unknown: assume one machine (threads only)

    const char* addr = variable("MASTER_ADDR");
    const char* port = variable("MASTER_PORT");
    if (!addr || !port)
        throw Error("MASTER_ADDR and MASTER_PORT must be set for a job of " +
                    std::to_string(env.worldSize) +
                    " processes (rank 0's address and a free port)");
    env.masterAddr = addr;
    env.masterPort = intVariable("MASTER_PORT", port, 1, 65535);
    if (const char* v = variable("TORCHELASTIC_USE_AGENT_STORE"))
        env.agentStore = std::string(v) == "True" || std::string(v) == "1";
    const char* restart = variable("TORCHELASTIC_RESTART_COUNT");
    env.storePrefix = std::string("alig/") + (restart ? restart : "0") + "/";
    if (const char* v = variable("ALIG_DIST_TIMEOUT"))
        env.timeout = std::chrono::seconds(intVariable("ALIG_DIST_TIMEOUT", v, 1, 86400 * 7));
    return env;
}

int freeLocalPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw Error("could not open a socket to find a free port");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    int port = -1;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    ::close(fd);
    if (port <= 0) throw Error("could not find a free TCP port on 127.0.0.1");
    return port;
}

} // namespace alig::core
