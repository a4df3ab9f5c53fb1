#include "core/models/module_model.h"

#include "core/models/named_tensors.h"

#include <torch/torch.h>

namespace alig::core {

namespace {

NamedTensors toNamedTensors(const torch::OrderedDict<std::string, torch::Tensor>& dict) {
    NamedTensors result;
    result.reserve(dict.size());
    for (const auto& item : dict)
        result.emplace_back(item.key(), item.value());
    return result;
}

} // namespace

ModuleModel::ModuleModel(std::shared_ptr<torch::nn::Module> module, Forward forward,
                         std::string description)
    : m_module(std::move(module))
    , m_forward(std::move(forward))
    , m_description(std::move(description)) {}

torch::Tensor ModuleModel::forward(const torch::Tensor& input) {
    return m_forward(input);
}

std::unique_ptr<Model> ModuleModel::replica() {
    if (!m_replicate) return nullptr;
    std::unique_ptr<Model> copy = m_replicate();
    std::vector<torch::Tensor> own = parameters(), theirs = copy->parameters();
    if (own.size() != theirs.size()) return nullptr;
    torch::NoGradGuard noGrad;
    for (size_t i = 0; i < own.size(); ++i)
        theirs[i].set_data(own[i]); // the same storage; the copy keeps its own gradient
    return copy;
}

std::vector<torch::Tensor> ModuleModel::parameters() {
    return m_module->parameters();
}

void ModuleModel::train(bool on) {
    m_module->train(on);
}

void ModuleModel::to(const torch::Device& device) {
    m_module->to(device);
}

// Not Module::save/load: Module::load replaces tensors (set_/set_data) without checking their
// shapes and can move a parameter to the archive's device; see readNamedTensors().
void ModuleModel::save(torch::serialize::OutputArchive& archive) {
    writeNamedTensors(archive, toNamedTensors(m_module->named_parameters()),
                      toNamedTensors(m_module->named_buffers()));
}

void ModuleModel::load(torch::serialize::InputArchive& archive) {
    readNamedTensors(archive, toNamedTensors(m_module->named_parameters()),
                     toNamedTensors(m_module->named_buffers()));
}

std::string ModuleModel::describe() const {
    return m_description;
}

} // namespace alig::core
