#pragma once
// What our optimizers share: the state-map key that compiles against LibTorch 1.x and 2.x,
// optional and scalar archive fields, the saved layout of groups and per-parameter state,
// and the closure's loss. Used by alig.cpp and the baselines' .cpp files only.

#include "core/util/error.h"

#include <torch/optim/optimizer.h>
#include <torch/serialize/archive.h>
#include <torch/types.h>

#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace alig::core::optim_detail {

// LibTorch 1.x keys optimizer state by the TensorImpl's address as a string, 2.x by the
// address itself; derive the key type from the map so both compile.
template <class Map> typename Map::key_type stateKey(const Map&, const torch::Tensor& p) {
    using Key = typename Map::key_type;
    if constexpr (std::is_same_v<Key, std::string>) {
        std::ostringstream s;
        s << p.unsafeGetTensorImpl();
        return s.str();
    } else {
        return static_cast<Key>(p.unsafeGetTensorImpl());
    }
}

void writeOptional(torch::serialize::OutputArchive& a, const std::string& key,
                   const std::optional<double>& v);
std::optional<double> readOptional(torch::serialize::InputArchive& a, const std::string& key);
double readDouble(torch::serialize::InputArchive& a, const std::string& key);
int64_t readInt(torch::serialize::InputArchive& a, const std::string& key);
bool readBool(torch::serialize::InputArchive& a, const std::string& key);

// Checks every group's options (Options::validate() throws Error), naming the group: the
// constructors' check, so that a bad group is refused before any step.
template <class Options>
void validateGroups(const std::vector<torch::optim::OptimizerParamGroup>& groups) {
    for (size_t g = 0; g < groups.size(); ++g) {
        try {
            static_cast<const Options&>(groups[g].options()).validate();
        } catch (const Error& e) {
            throw Error("param group " + std::to_string(g) + ": " + e.what());
        }
    }
}

// The closure's loss as a 0-dim detached tensor; `method` names the optimizer in errors.
torch::Tensor closureLoss(const torch::optim::Optimizer::LossClosure& closure,
                          const std::string& method);

// The one global ||g||^2 over every parameter with a gradient in every group (docs/alig.md
// step 1; SPS and the Polyak step use the same), as a 0-dim tensor; zeros with the loss's
// options when no parameter has a gradient.
torch::Tensor groupsGradSquaredNorm(const std::vector<torch::optim::OptimizerParamGroup>& groups,
                                    const torch::Tensor& loss);

// p -= step * p.grad for every parameter of the group with a gradient; `step` is a 0-dim
// tensor (moved to the parameters' dtype and device as needed), so nothing syncs with the host.
void descend(torch::optim::OptimizerParamGroup& group, const torch::Tensor& step);

// The SGD step of the Polyak-type methods: per group, step = min(unclipped, its max_lr)
// (no cap when max_lr is unset), then descend(). Returns the mean step over the groups, the
// step size those methods report. Options must have an optional max_lr().
template <class Options>
torch::Tensor descendCapped(std::vector<torch::optim::OptimizerParamGroup>& groups,
                            const torch::Tensor& unclipped) {
    torch::Tensor stepSum = torch::zeros_like(unclipped);
    for (auto& group : groups) {
        const auto& o = static_cast<const Options&>(group.options());
        const torch::Tensor step = o.max_lr() ? unclipped.clamp_max(*o.max_lr()) : unclipped;
        stepSum = stepSum + step;
        descend(group, step);
    }
    return stepSum / static_cast<double>(groups.size());
}

// A tensor of a saved state with its parameter's shape, moved to its device and dtype.
torch::Tensor matchParam(const torch::Tensor& saved, const torch::Tensor& param,
                         const std::string& what);

// A per-parameter state of named tensors, each with its parameter's shape (Prodigy's moments
// and starting point, Schedule-Free's z, x and y, DoG's average...), saved by name.
struct NamedParamState : public torch::optim::OptimizerCloneableParamState<NamedParamState> {
    std::map<std::string, torch::Tensor> tensors;

    torch::Tensor& operator[](const std::string& name) { return tensors[name]; }
    bool has(const std::string& name) const {
        auto it = tensors.find(name);
        return it != tensors.end() && it->second.defined();
    }
    void serialize(torch::serialize::InputArchive& archive) override;
    void serialize(torch::serialize::OutputArchive& archive) const override;
    void matchTo(const torch::Tensor& param, const std::string& what);
};

// The parameter's NamedParamState, made (empty) on first use.
NamedParamState& namedState(torch::optim::Optimizer& optimizer, const torch::Tensor& param);

// A host number as a 0-dim float64 tensor on `like`'s device (for StepReport).
torch::Tensor scalarLike(double value, const torch::Tensor& like);

// The first parameter of the optimizer (its device is the one reports live on).
const torch::Tensor& firstParam(const torch::optim::Optimizer& optimizer);

// Writes `<tag>_format`, the defaults, and every group's options and its parameters' states
// (keyed by position, never by address), the layout AliG introduced.
template <class Options>
void saveGroups(const torch::optim::Optimizer& optimizer, const std::string& tag,
                torch::serialize::OutputArchive& archive) {
    archive.write(tag + "_format", c10::IValue(int64_t{1}));
    torch::serialize::OutputArchive defaultsArchive;
    static_cast<const Options&>(optimizer.defaults()).serialize(defaultsArchive);
    archive.write("defaults", defaultsArchive);
    const auto& groups = optimizer.param_groups();
    const auto& state = optimizer.state();
    archive.write("num_groups", c10::IValue(static_cast<int64_t>(groups.size())));
    for (size_t g = 0; g < groups.size(); ++g) {
        const auto& group = groups[g];
        torch::serialize::OutputArchive groupArchive;
        static_cast<const Options&>(group.options()).serialize(groupArchive);
        groupArchive.write("num_params", c10::IValue(static_cast<int64_t>(group.params().size())));
        for (size_t i = 0; i < group.params().size(); ++i) {
            auto it = state.find(stateKey(state, group.params()[i]));
            if (it == state.end()) continue;
            torch::serialize::OutputArchive paramArchive;
            it->second->serialize(paramArchive);
            groupArchive.write("param_" + std::to_string(i), paramArchive);
        }
        archive.write("group_" + std::to_string(g), groupArchive);
    }
}

// Reads what saveGroups wrote. State must offer `void matchTo(const torch::Tensor& param,
// const std::string& what)`, which checks shapes (throwing Error) and moves its tensors.
template <class Options, class State>
void loadGroups(torch::optim::Optimizer& optimizer, const std::string& tag,
                const std::string& method, torch::serialize::InputArchive& archive) {
    c10::IValue v;
    if (!archive.try_read(tag + "_format", v))
        throw Error("not a saved " + method + " state (no " + tag + "_format entry)");
    torch::serialize::InputArchive defaultsArchive;
    archive.read("defaults", defaultsArchive);
    Options defaults;
    defaults.serialize(defaultsArchive);
    auto& groups = optimizer.param_groups();
    archive.read("num_groups", v);
    if (v.toInt() != static_cast<int64_t>(groups.size()))
        throw Error(method + " state has " + std::to_string(v.toInt()) + " parameter groups, " +
                    "the optimizer has " + std::to_string(groups.size()));
    static_cast<Options&>(optimizer.defaults()) = defaults;
    auto& state = optimizer.state();
    for (size_t g = 0; g < groups.size(); ++g) {
        auto& group = groups[g];
        torch::serialize::InputArchive groupArchive;
        archive.read("group_" + std::to_string(g), groupArchive);
        groupArchive.read("num_params", v);
        if (v.toInt() != static_cast<int64_t>(group.params().size()))
            throw Error(method + " state's group " + std::to_string(g) + " has " +
                        std::to_string(v.toInt()) + " parameters, the optimizer's has " +
                        std::to_string(group.params().size()));
        static_cast<Options&>(group.options()).serialize(groupArchive);
        for (size_t i = 0; i < group.params().size(); ++i) {
            const torch::Tensor& p = group.params()[i];
            torch::serialize::InputArchive paramArchive;
            if (!groupArchive.try_read("param_" + std::to_string(i), paramArchive)) continue;
            auto s = std::make_unique<State>();
            s->serialize(paramArchive);
            s->matchTo(p, method + " state of parameter " + std::to_string(i) + " of group " +
                              std::to_string(g));
            state[stateKey(state, p)] = std::move(s);
        }
    }
}

} // namespace alig::core::optim_detail
