#pragma once
// What an experiment says about its model: plain values, no LibTorch, so that the window's
// panels and records hold it without the engine's headers. makeModel() (model.h) builds it.

#include <cstdint>
#include <string>
#include <vector>

namespace alig::core {

template <class E> class ChoiceTable;

// model.type and model.activation, parsed once (validation, makeModel) so that no step
// compares their text.
enum class ModelType { Linear, Mlp, Cnn, ResNet, WideResNet, TorchScript };
enum class Activation { ReLU, Tanh, Sigmoid, GELU, LeakyReLU };
const ChoiceTable<ModelType>& modelTypeChoices(); // linear | mlp | cnn | resnet | wrn | torchscript
const ChoiceTable<Activation>& activationChoices(); // relu | tanh | sigmoid | gelu | leaky_relu
// Throw alig::core::Error "model.type: must be one of ..., got "x"" (model.activation).
ModelType parseModelType(const std::string& text);
Activation parseActivation(const std::string& text);
// Every type's name, in menu order.
const std::vector<std::string>& modelTypes();
// Whether a model of `type` reads the field (its JSON name in the "model" section, e.g.
// "depth"): the window shows only these, and validation checks only these.
bool modelTypeReads(ModelType type, const std::string& field);

// Parsed and validated by ExperimentConfig; field names follow the "model" JSON section.
struct ModelConfig {
    std::string type = "mlp";              // linear | mlp | cnn | resnet | wrn | torchscript
    std::vector<int64_t> hidden{256, 256}; // mlp: widths of the hidden layers
    std::string activation = "relu";       // mlp: relu | tanh | sigmoid | gelu | leaky_relu
    double dropout = 0.0;                  // mlp and wrn
    int64_t depth = 20;                    // resnet: 6n+2 (20, 32, 44, 56, 110); wrn: 6n+4
    int64_t widen = 4;                     // wrn: widening factor k
    int64_t channels = 32;                 // cnn: channels of the first convolution
    std::string path;                      // torchscript: the .pt file
};

} // namespace alig::core
