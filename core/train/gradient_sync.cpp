#include "core/train/gradient_sync.h"

#include "core/distributed/communicator.h"
#include "core/models/model.h"
#include "core/util/error.h"

#include <torch/torch.h>

#include <string>

namespace alig::core {

namespace {

torch::Tensor correctOf(const LocalBatch& b) {
    return (b.logits.detach().argmax(1) == b.labels).sum();
}

class LocalSync final : public GradientSync {
public:
    int worldSize() const override { return 1; }
    int rank() const override { return 0; }
    void start(Model&) override {}
    SyncedBatch sync(const std::vector<torch::Tensor>&, const LocalBatch& b, bool, bool) override {
        return {b.loss.detach(), correctOf(b)};
    }
    bool mustStop(bool localStop) const override { return localStop; }
    bool followsLocalControl() const override { return true; }
    void endEpoch(Model&, int64_t) override {}
};

class DataParallelSync final : public GradientSync {
public:
    DataParallelSync(Communicator& comm, torch::Device device)
        : m_comm(comm)
        , m_device(device) {}

    int worldSize() const override { return m_comm.worldSize(); }
    int rank() const override { return m_comm.rank(); }

    // Rank 0's weights and buffers to every rank.
    void start(Model& model) override {
        m_groupStop = false;
        torch::NoGradGuard noGrad;
        std::vector<torch::Tensor> tensors = model.parameters();
        for (const auto& b : model.buffers())
            tensors.push_back(b);
        m_comm.broadcast(tensors, 0);
    }

    // Gradients, loss and correct count summed over the ranks in one bucketed all-reduce, each
    // rank weighted by its share of the batch: every rank then holds the batch's mean gradient
    // and loss, takes the same step, and keeps the same weights.
    SyncedBatch sync(const std::vector<torch::Tensor>& params, const LocalBatch& b, bool stopAsked,
                     bool decide) override {
        torch::NoGradGuard noGrad;
        const double share = static_cast<double>(b.samples) / static_cast<double>(b.stepSamples);
        std::vector<torch::Tensor> reduced;
        for (const auto& w : params) {
            if (!w.grad().defined()) w.mutable_grad() = torch::zeros_like(w);
            reduced.push_back(w.grad());
        }
        if (share != 1.0) torch::_foreach_mul_(reduced, share);
        const auto options = torch::TensorOptions(torch::kFloat64).device(m_device);
        torch::Tensor stats = torch::zeros({3}, options);
        if (b.samples > 0) {
            stats[0] = b.loss.detach().to(torch::kFloat64) * share;
            stats[1] = correctOf(b).to(torch::kFloat64);
        }
        if (stopAsked) stats[2] = 1.0;
        reduced.push_back(stats);
        m_comm.allReduceSum(reduced);
        if (decide) m_groupStop = stats[2].item<double>() > 0.0;
        return {stats[0], stats[1]};
    }

    bool mustStop(bool) const override { return m_groupStop; }
    bool followsLocalControl() const override { return false; }

    // Rank 0's buffers (BatchNorm statistics) to every rank, then a checksum of every rank's
    // weights, compared across ranks; throws Error when one differs.
    void endEpoch(Model& model, int64_t epoch) override {
        torch::NoGradGuard noGrad;
        std::vector<torch::Tensor> buffers = model.buffers();
        if (!buffers.empty()) m_comm.broadcast(buffers, 0);
        // Two numbers per rank: the sum of the weights and the sum of their bit patterns
        // (exact, so any difference in any bit of a weight shows unless it cancels out).
        const int world = m_comm.worldSize(), rank = m_comm.rank();
        auto values = torch::zeros({world}, torch::TensorOptions(torch::kFloat64).device(m_device));
        auto bits = torch::zeros({world}, torch::TensorOptions(torch::kLong).device(m_device));
        for (const auto& p : model.parameters()) {
            auto flat = p.detach().contiguous().view({-1});
            const auto asInt = flat.element_size() == 8   ? torch::kLong
                               : flat.element_size() == 4 ? torch::kInt
                               : flat.element_size() == 2 ? torch::kShort
                                                          : torch::kChar;
            values[rank] += flat.to(torch::kFloat64).sum();
            bits[rank] += flat.view(asInt).to(torch::kLong).sum();
        }
        std::vector<torch::Tensor> sums{values, bits};
        m_comm.allReduceSum(sums);
        const auto v = values.cpu(), b = bits.cpu();
        for (int r = 1; r < world; ++r)
            if (b[r].item<int64_t>() != b[0].item<int64_t>() ||
                v[r].item<double>() != v[0].item<double>())
                throw Error("data parallel: after epoch " + std::to_string(epoch) +
                            " the weights of rank " + std::to_string(r) +
                            " differ from rank 0's (weight sums " +
                            std::to_string(v[r].item<double>()) + " and " +
                            std::to_string(v[0].item<double>()) + "): the replicas drifted apart");
    }

private:
    Communicator& m_comm;
    torch::Device m_device;
    bool m_groupStop = false; // some rank asked to stop; all stop now
};

} // namespace

std::unique_ptr<GradientSync> makeLocalSync() {
    return std::make_unique<LocalSync>();
}

std::unique_ptr<GradientSync> makeDataParallelSync(Communicator& communicator,
                                                   torch::Device device) {
    return std::make_unique<DataParallelSync>(communicator, device);
}

} // namespace alig::core
