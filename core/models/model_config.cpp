#include "core/models/model_config.h"

#include "core/util/choice.h"

namespace alig::core {

const ChoiceTable<ModelType>& modelTypeChoices() {
    static const ChoiceTable<ModelType> table("model.type",
                                              {{"linear", ModelType::Linear},
                                               {"mlp", ModelType::Mlp},
                                               {"cnn", ModelType::Cnn},
                                               {"resnet", ModelType::ResNet},
                                               {"wrn", ModelType::WideResNet},
                                               {"torchscript", ModelType::TorchScript}});
    return table;
}

const ChoiceTable<Activation>& activationChoices() {
    static const ChoiceTable<Activation> table("model.activation",
                                               {{"relu", Activation::ReLU},
                                                {"tanh", Activation::Tanh},
                                                {"sigmoid", Activation::Sigmoid},
                                                {"gelu", Activation::GELU},
                                                {"leaky_relu", Activation::LeakyReLU}});
    return table;
}

ModelType parseModelType(const std::string& text) {
    return modelTypeChoices().parse(text);
}

Activation parseActivation(const std::string& text) {
    return activationChoices().parse(text);
}

const std::vector<std::string>& modelTypes() {
    return modelTypeChoices().names();
}

bool modelTypeReads(ModelType type, const std::string& field) {
    const bool mlp = type == ModelType::Mlp;
    const bool wrn = type == ModelType::WideResNet;
    if (field == "hidden" || field == "activation") return mlp;
    if (field == "dropout") return mlp || wrn;
    if (field == "depth") return type == ModelType::ResNet || wrn;
    if (field == "widen") return wrn;
    if (field == "channels") return type == ModelType::Cnn;
    if (field == "path") return type == ModelType::TorchScript;
    return true; // type
}

} // namespace alig::core
