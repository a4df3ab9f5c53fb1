#include "core/optim/optim_support.h"

#include "core/optim/grad_norm.h"

#include <torch/torch.h>

namespace alig::core::optim_detail {

void writeOptional(torch::serialize::OutputArchive& a, const std::string& key,
                   const std::optional<double>& v) {
    a.write("has_" + key, c10::IValue(v.has_value()));
    a.write(key, c10::IValue(v.value_or(0.0)));
}

std::optional<double> readOptional(torch::serialize::InputArchive& a, const std::string& key) {
    c10::IValue has, value;
    a.read("has_" + key, has);
    a.read(key, value);
    if (!has.toBool()) return std::nullopt;
    return value.toDouble();
}

double readDouble(torch::serialize::InputArchive& a, const std::string& key) {
    c10::IValue v;
    a.read(key, v);
    return v.toDouble();
}

int64_t readInt(torch::serialize::InputArchive& a, const std::string& key) {
    c10::IValue v;
    a.read(key, v);
    return v.toInt();
}

bool readBool(torch::serialize::InputArchive& a, const std::string& key) {
    c10::IValue v;
    a.read(key, v);
    return v.toBool();
}

torch::Tensor closureLoss(const torch::optim::Optimizer::LossClosure& closure,
                          const std::string& method) {
    if (!closure) throw Error(method + " needs a closure that returns the mini-batch loss");
    const torch::Tensor loss = closure();
    if (!loss.defined() || loss.numel() != 1)
        throw Error(method + "'s closure must return the loss as a single number");
    return loss;
}

torch::Tensor groupsGradSquaredNorm(const std::vector<torch::optim::OptimizerParamGroup>& groups,
                                    const torch::Tensor& loss) {
    std::vector<torch::Tensor> grads;
    for (const auto& group : groups)
        for (const auto& p : group.params())
            if (p.grad().defined()) grads.push_back(p.grad());
    const torch::Tensor gsq = squaredNorm(grads);
    return gsq.defined() ? gsq : torch::zeros({}, loss.options());
}

void descend(torch::optim::OptimizerParamGroup& group, const torch::Tensor& step) {
    torch::Tensor negStep = -step;
    for (auto& p : group.params()) {
        if (!p.grad().defined()) continue;
        if (negStep.scalar_type() != p.scalar_type() || negStep.device() != p.device())
            negStep = negStep.to(p.options());
        p.addcmul_(p.grad(), negStep);
    }
}

torch::Tensor matchParam(const torch::Tensor& saved, const torch::Tensor& param,
                         const std::string& what) {
    if (!saved.defined()) return saved;
    if (!saved.sizes().equals(param.sizes()))
        throw Error(what + " does not match its parameter's shape");
    return saved.to(param.options());
}

void NamedParamState::serialize(torch::serialize::OutputArchive& archive) const {
    int64_t n = 0;
    for (const auto& [name, t] : tensors) {
        if (!t.defined()) continue;
        archive.write("name_" + std::to_string(n), c10::IValue(name));
        archive.write("tensor_" + std::to_string(n), t, /*is_buffer=*/true);
        ++n;
    }
    archive.write("count", c10::IValue(n));
}

void NamedParamState::serialize(torch::serialize::InputArchive& archive) {
    tensors.clear();
    const int64_t n = readInt(archive, "count");
    for (int64_t i = 0; i < n; ++i) {
        c10::IValue name;
        archive.read("name_" + std::to_string(i), name);
        torch::Tensor t;
        archive.read("tensor_" + std::to_string(i), t, /*is_buffer=*/true);
        tensors[name.toStringRef()] = t;
    }
}

void NamedParamState::matchTo(const torch::Tensor& param, const std::string& what) {
    for (auto& [name, t] : tensors)
        t = matchParam(t, param, what + ": " + name);
}

NamedParamState& namedState(torch::optim::Optimizer& optimizer, const torch::Tensor& param) {
    auto& state = optimizer.state();
    auto key = stateKey(state, param);
    auto it = state.find(key);
    if (it == state.end()) it = state.emplace(key, std::make_unique<NamedParamState>()).first;
    return static_cast<NamedParamState&>(*it->second);
}

torch::Tensor scalarLike(double value, const torch::Tensor& like) {
    return torch::full({}, value, torch::TensorOptions(torch::kFloat64).device(like.device()));
}

const torch::Tensor& firstParam(const torch::optim::Optimizer& optimizer) {
    for (const auto& group : optimizer.param_groups())
        if (!group.params().empty()) return group.params().front();
    throw Error("the optimizer has no parameters");
}

} // namespace alig::core::optim_detail
