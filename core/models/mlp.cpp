#include "core/models/architectures.h"
#include "core/models/module_model.h"

#include <torch/torch.h>

#include <sstream>
#include <stdexcept>

namespace alig::core {

namespace {

torch::nn::AnyModule activationModule(const std::string& name) {
    if (name == "relu") return torch::nn::AnyModule(torch::nn::ReLU());
    if (name == "tanh") return torch::nn::AnyModule(torch::nn::Tanh());
    if (name == "sigmoid") return torch::nn::AnyModule(torch::nn::Sigmoid());
    if (name == "gelu") return torch::nn::AnyModule(torch::nn::GELU());
    if (name == "leaky_relu") return torch::nn::AnyModule(torch::nn::LeakyReLU());
    // makeModel() validates the name; reaching this is a programming error.
    throw std::invalid_argument("unknown activation " + name);
}

struct MlpImpl : torch::nn::Module {
    MlpImpl(int64_t inputs, const std::vector<int64_t>& hidden, const std::string& activation,
            double dropout, int64_t numClasses) {
        layers = register_module("layers", torch::nn::Sequential());
        layers->push_back(torch::nn::Flatten());
        int64_t width = inputs;
        for (int64_t next : hidden) {
            layers->push_back(torch::nn::Linear(width, next));
            layers->push_back(activationModule(activation));
            if (dropout > 0.0) layers->push_back(torch::nn::Dropout(dropout));
            width = next;
        }
        layers->push_back(torch::nn::Linear(width, numClasses));
    }

    torch::Tensor forward(const torch::Tensor& input) { return layers->forward(input); }

    torch::nn::Sequential layers{nullptr};
};
TORCH_MODULE(Mlp);

} // namespace

const std::vector<std::string>& mlpActivations() {
    static const std::vector<std::string> names{"relu", "tanh", "sigmoid", "gelu", "leaky_relu"};
    return names;
}

std::unique_ptr<Model> makeLinear(int64_t inputs, int64_t numClasses) {
    std::string description = "Linear " + std::to_string(inputs) + "-" +
                              std::to_string(numClasses) + " (logistic regression)";
    return ModuleModel::wrap(Mlp(inputs, std::vector<int64_t>{}, "relu", 0.0, numClasses),
                             std::move(description));
}

std::unique_ptr<Model> makeMlp(int64_t inputs, const std::vector<int64_t>& hidden,
                               const std::string& activation, double dropout, int64_t numClasses) {
    std::string description = "MLP " + std::to_string(inputs);
    for (int64_t width : hidden)
        description += "-" + std::to_string(width);
    description += "-" + std::to_string(numClasses) + " (" + activation;
    if (dropout > 0.0) {
        std::ostringstream p;
        p << dropout;
        description += ", dropout " + p.str();
    }
    description += ")";
    return ModuleModel::wrap(Mlp(inputs, hidden, activation, dropout, numClasses),
                             std::move(description));
}

} // namespace alig::core
