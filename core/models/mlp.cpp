#include "core/models/architectures.h"
#include "core/models/module_model.h"
#include "core/util/choice.h"
#include "core/util/error.h"

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
    MlpImpl(int64_t inputs, const std::vector<int64_t>& hidden,
            const std::vector<Activation>& activations, double dropout, int64_t numClasses) {
        layers = register_module("layers", torch::nn::Sequential());
        layers->push_back(torch::nn::Flatten());
        int64_t width = inputs;
        for (size_t i = 0; i < hidden.size(); ++i) {
            const int64_t next = hidden[i];
            layers->push_back(torch::nn::Linear(width, next));
            layers->push_back(activationModule(activations.size() == 1 ? activations.front()
                                                                       : activations.at(i)));
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
    return ModuleModel::wrap(Mlp(inputs, std::vector<int64_t>{},
                                 std::vector<Activation>{Activation::ReLU}, 0.0, numClasses),
                             std::move(description));
}

std::vector<Activation> parseLayerActivations(const std::string& text, size_t layers) {
    std::vector<Activation> out;
    size_t start = 0;
    while (true) {
        const size_t comma = text.find(',', start);
        std::string part = text.substr(start, comma == std::string::npos ? comma : comma - start);
        const size_t a = part.find_first_not_of(" \t"), b = part.find_last_not_of(" \t");
        part = a == std::string::npos ? std::string() : part.substr(a, b - a + 1);
        out.push_back(parseActivation(part));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (out.size() != 1 && out.size() != layers)
        throw Error("model.activation: give one activation for every layer or one per hidden "
                    "layer (" +
                    std::to_string(layers) + "), got " + std::to_string(out.size()) + " in \"" +
                    text + "\"");
    return out;
}

std::unique_ptr<Model> makeMlp(int64_t inputs, const std::vector<int64_t>& hidden,
                               const std::vector<Activation>& activations, double dropout,
                               int64_t numClasses) {
    std::string description = "MLP " + std::to_string(inputs);
    for (int64_t width : hidden)
        description += "-" + std::to_string(width);
    std::string names;
    for (Activation a : activations)
        names += (names.empty() ? "" : ", ") + activationChoices().name(a);
    description += "-" + std::to_string(numClasses) + " (" + names;
    if (dropout > 0.0) {
        std::ostringstream p;
        p << dropout;
        description += ", dropout " + p.str();
    }
    description += ")";
    auto model =
        ModuleModel::wrap(Mlp(inputs, hidden, activations, dropout, numClasses), description);
    // Without dropout a batch can be split across threads: the same layers on a part of it
    // give the same numbers (dropout would draw from one generator in an order that depends on
    // the threads). The copy's own initial weights are replaced by the shared ones.
    if (dropout == 0.0)
        model->setReplicate([=] {
            return ModuleModel::wrap(Mlp(inputs, hidden, activations, 0.0, numClasses),
                                     description);
        });
    return model;
}

} // namespace alig::core
