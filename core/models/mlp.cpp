#include "core/models/architectures.h"
#include "core/models/module_model.h"
#include "core/util/choice.h"

#include <torch/torch.h>

#include <sstream>

namespace alig::core {

namespace {

torch::nn::AnyModule activationModule(Activation activation) {
    switch (activation) {
    case Activation::ReLU:
        return torch::nn::AnyModule(torch::nn::ReLU());
    case Activation::Tanh:
        return torch::nn::AnyModule(torch::nn::Tanh());
    case Activation::Sigmoid:
        return torch::nn::AnyModule(torch::nn::Sigmoid());
    case Activation::GELU:
        return torch::nn::AnyModule(torch::nn::GELU());
    case Activation::LeakyReLU:
        return torch::nn::AnyModule(torch::nn::LeakyReLU());
    }
    return torch::nn::AnyModule(torch::nn::ReLU());
}

struct MlpImpl : torch::nn::Module {
    MlpImpl(int64_t inputs, const std::vector<int64_t>& hidden, Activation activation,
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

std::unique_ptr<Model> makeLinear(int64_t inputs, int64_t numClasses) {
    std::string description = "Linear " + std::to_string(inputs) + "-" +
                              std::to_string(numClasses) + " (logistic regression)";
    return ModuleModel::wrap(Mlp(inputs, std::vector<int64_t>{}, Activation::ReLU, 0.0, numClasses),
                             std::move(description));
}

std::unique_ptr<Model> makeMlp(int64_t inputs, const std::vector<int64_t>& hidden,
                               Activation activation, double dropout, int64_t numClasses) {
    std::string description = "MLP " + std::to_string(inputs);
    for (int64_t width : hidden)
        description += "-" + std::to_string(width);
    description += "-" + std::to_string(numClasses) + " (" + activationChoices().name(activation);
    if (dropout > 0.0) {
        std::ostringstream p;
        p << dropout;
        description += ", dropout " + p.str();
    }
    description += ")";
    auto model =
        ModuleModel::wrap(Mlp(inputs, hidden, activation, dropout, numClasses), description);
    // Without dropout a batch can be split across threads: the same layers on a part of it
    // give the same numbers (dropout would draw from one generator in an order that depends on
    // the threads). The copy's own initial weights are replaced by the shared ones.
    if (dropout == 0.0)
        model->setReplicate([=] {
            return ModuleModel::wrap(Mlp(inputs, hidden, activation, 0.0, numClasses), description);
        });
    return model;
}

} // namespace alig::core
