#include "core/distributed/communicator.h"

#include "core/util/error.h"

#include <torch/torch.h>
#include <torch/version.h>

#if defined(ALIG_HAVE_C10D)
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if defined(ALIG_HAVE_C10D_NCCL)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#endif

#include <map>
#include <utility>

namespace alig::core {

#if defined(ALIG_HAVE_C10D)

namespace {

std::string messageOf(const std::exception& e) {
    if (const auto* c10error = dynamic_cast<const c10::Error*>(&e))
        return c10error->what_without_backtrace();
    return e.what();
}

// The c10d process group of one backend. LibTorch 1.13's ProcessGroupGloo and
// ProcessGroupNCCL derive from c10d::ProcessGroup, 2.x's from c10d::Backend; both keep
// the methods used here (allreduce, broadcast, barrier returning a c10d::Work), so the
// concrete class is held and called directly.
template <class Group> class ProcessGroupCommunicator : public Communicator {
public:
    ProcessGroupCommunicator(c10::intrusive_ptr<Group> group, DistributedEnv env,
                             std::string backend)
        : m_group(std::move(group))
        , m_env(std::move(env))
        , m_backend(std::move(backend)) {}

    int rank() const override { return m_env.rank; }
    int worldSize() const override { return m_env.worldSize; }
    std::string backend() const override { return m_backend; }

    void broadcast(std::vector<torch::Tensor>& tensors, int root) override {
        bucketed(tensors, "broadcast", [&](std::vector<at::Tensor>& flat) {
            c10d::BroadcastOptions options;
            options.rootRank = root;
            return m_group->broadcast(flat, options);
        });
    }

    void allReduceSum(std::vector<torch::Tensor>& tensors) override {
        bucketed(tensors, "all-reduce", [&](std::vector<at::Tensor>& flat) {
            c10d::AllreduceOptions options;
            options.reduceOp = c10d::ReduceOp::SUM;
            return m_group->allreduce(flat, options);
        });
    }

    void barrier() override {
        guarded("barrier", [&] { m_group->barrier()->wait(); });
    }

private:
    template <class F> void guarded(const char* what, F&& f) {
        try {
            f();
        } catch (const std::exception& e) {
            throw Error("data parallel, " + m_env.label() + ": " + what +
                        " failed: another process exited or did not answer within " +
                        std::to_string(m_env.timeout.count()) + " s (" + messageOf(e) + ")");
        }
    }

    // Packs the tensors into flat buckets (one dtype and device each, at most about
    // bucketBytes()), runs `op` on every bucket without waiting, then waits for all and
    // copies the results back. A lone contiguous tensor travels as it is.
    template <class Op>
    void bucketed(std::vector<torch::Tensor>& tensors, const char* what, Op op) {
        struct Bucket {
            std::vector<size_t> members;
            size_t bytes = 0;
            std::vector<at::Tensor> flat;
        };
        std::vector<Bucket> buckets;
        std::map<std::pair<int, std::string>, size_t> open;
        for (size_t i = 0; i < tensors.size(); ++i) {
            const auto& t = tensors[i];
            if (!t.defined())
                throw Error(std::string("data parallel: ") + what + " of an undefined tensor");
            const auto key = std::make_pair(static_cast<int>(t.scalar_type()), t.device().str());
            const size_t bytes = t.numel() * t.element_size();
            auto it = open.find(key);
            if (it == open.end() || buckets[it->second].bytes + bytes > bucketBytes()) {
                buckets.emplace_back();
                it = open.insert_or_assign(key, buckets.size() - 1).first;
            }
            buckets[it->second].members.push_back(i);
            buckets[it->second].bytes += bytes;
        }
        guarded(what, [&] {
            std::vector<c10::intrusive_ptr<c10d::Work>> works;
            for (auto& b : buckets) {
                if (b.members.size() == 1 && tensors[b.members[0]].is_contiguous()) {
                    b.flat = {tensors[b.members[0]]};
                } else {
                    std::vector<torch::Tensor> parts;
                    for (size_t i : b.members)
                        parts.push_back(tensors[i].reshape({-1}));
                    b.flat = {torch::cat(parts)};
                }
                works.push_back(op(b.flat));
            }
            // NCCL's wait() only orders the current CUDA stream after the collective; with a
            // timeout it would block the host until the GPU is done, once per step.
            for (auto& w : works)
                if (m_backend == "nccl")
                    w->wait();
                else
                    w->wait(m_env.timeout);
        });
        torch::NoGradGuard noGrad;
        for (auto& b : buckets) {
            if (b.flat.front().is_same(tensors[b.members[0]])) continue;
            int64_t offset = 0;
            for (size_t i : b.members) {
                auto& t = tensors[i];
                t.copy_(b.flat.front().slice(0, offset, offset + t.numel()).view_as(t));
                offset += t.numel();
            }
        }
    }

    c10::intrusive_ptr<Group> m_group;
    DistributedEnv m_env;
    std::string m_backend;
};

c10::intrusive_ptr<c10d::Store> rendezvous(const DistributedEnv& env) {
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(env.masterPort);
    options.isServer = env.rank == 0 && !env.agentStore;
    options.numWorkers = static_cast<std::size_t>(env.worldSize);
    options.waitWorkers = !env.agentStore;
    options.timeout = env.timeout;
    c10::intrusive_ptr<c10d::Store> store;
    try {
        store = c10::make_intrusive<c10d::TCPStore>(env.masterAddr, options);
    } catch (const std::exception& e) {
        throw Error("data parallel, " + env.label() + ": the rendezvous at " + env.masterAddr +
                    ":" + std::to_string(env.masterPort) + " failed (" +
                    (options.isServer ? "is the port free, and did all " +
                                            std::to_string(env.worldSize) + " processes start?"
                                      : std::string("is rank 0 running and reachable?")) +
                    "): " + messageOf(e));
    }
    store->setTimeout(env.timeout);
    return c10::make_intrusive<c10d::PrefixStore>(env.storePrefix, store);
}

bool isLoopback(const std::string& addr) {
    return addr == "localhost" || addr.rfind("127.", 0) == 0 || addr == "::1";
}

} // namespace

bool distributedSupported() {
    return true;
}

std::unique_ptr<Communicator> connectProcessGroup(const DistributedEnv& env,
                                                  const torch::Device& device) {
    auto store = rendezvous(env);
    try {
        if (device.is_cuda()) {
#if defined(ALIG_HAVE_C10D_NCCL)
            auto options = c10d::ProcessGroupNCCL::Options::create();
            options->timeout = env.timeout;
            auto group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, env.rank, env.worldSize,
                                                                     options);
            return std::make_unique<ProcessGroupCommunicator<c10d::ProcessGroupNCCL>>(
                std::move(group), env, "nccl");
#else
            throw Error(
                "data parallel on CUDA needs NCCL, and this build has no NCCL process "
                "group (build against a CUDA LibTorch with NCCL, or train on --device cpu)");
#endif
        }
        auto options = c10d::ProcessGroupGloo::Options::create(env.timeout);
        // Gloo's own choice of interface first (GLOO_SOCKET_IFNAME), as torch.distributed does.
        if (const char* iface = std::getenv("GLOO_SOCKET_IFNAME"); iface && *iface)
            options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(iface));
        else if (isLoopback(env.masterAddr))
            options->devices.push_back(
                c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
        else
            options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
        options->threads = 2;
        auto group =
            c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.worldSize, options);
        return std::make_unique<ProcessGroupCommunicator<c10d::ProcessGroupGloo>>(std::move(group),
                                                                                  env, "gloo");
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error("data parallel, " + env.label() +
                    ": could not create the process group: " + messageOf(e));
    }
}

#else // no c10d in this build

bool distributedSupported() {
    return false;
}

std::unique_ptr<Communicator> connectProcessGroup(const DistributedEnv& env, const torch::Device&) {
    throw Error("data parallel (" + env.label() +
                "): this alig-train was built without torch.distributed's c10d process groups "
                "(the Gloo headers were missing; install libgloo-dev and rebuild)");
}

#endif

} // namespace alig::core
