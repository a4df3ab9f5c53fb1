#pragma once
// Adapts any LibTorch C++ module (a torch::nn::Module with a forward) to the Model interface;
// makeModel() wraps the built-in architectures with it.

#include "core/models/model.h"

#include <functional>
#include <memory>
#include <string>

namespace torch::nn {
class Module;
} // namespace torch::nn

namespace alig::core {

class ModuleModel : public Model {
public:
    using Forward = std::function<torch::Tensor(const torch::Tensor&)>;

    // `forward` calls the module's own forward (torch::nn::Module has no virtual one).
    ModuleModel(std::shared_ptr<torch::nn::Module> module, Forward forward,
                std::string description);

    // Wraps a TORCH_MODULE holder, e.g. ModuleModel::wrap(Mlp(...), "MLP 784-10 (relu)").
    template <typename Holder>
    static std::unique_ptr<ModuleModel> wrap(Holder holder, std::string description) {
        auto impl = holder.ptr();
        return std::make_unique<ModuleModel>(
            impl, [impl](const torch::Tensor& input) { return impl->forward(input); },
            std::move(description));
    }

    torch::Tensor forward(const torch::Tensor& input) override;
    std::vector<torch::Tensor> parameters() override;
    std::vector<torch::Tensor> buffers() override { return m_module->buffers(); }
    void train(bool on = true) override;
    void to(const torch::Device& device) override;
    void save(torch::serialize::OutputArchive& archive) override;
    void load(torch::serialize::InputArchive& archive) override;
    std::string describe() const override;
    // A copy that shares this model's parameters (the same storage, updated with it) but
    // keeps gradients of its own, for training parts of a batch side by side on the CPU;
    // built by the replicate function. nullptr when none was set: where a part would not
    // give the numbers it gives in the whole batch (BatchNorm's batch statistics, dropout).
    std::unique_ptr<Model> replica();
    // How to build the same architecture again (its weights are replaced by this model's).
    void setReplicate(std::function<std::unique_ptr<Model>()> replicate) {
        m_replicate = std::move(replicate);
    }

    torch::nn::Module& module() { return *m_module; }

private:
    std::shared_ptr<torch::nn::Module> m_module;
    Forward m_forward;
    std::string m_description;
    std::function<std::unique_ptr<Model>()> m_replicate;
};

} // namespace alig::core
