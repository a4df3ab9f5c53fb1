#include "core/models/model.h"

#include "core/models/architectures.h"
#include "core/models/script_model.h"
#include "core/util/choice.h"
#include "core/util/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <sstream>

namespace alig::core {

namespace {

std::string shapeText(const std::vector<int64_t>& shape) {
    std::string text = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

std::string numberText(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

const std::vector<int64_t>& imageShape(const std::string& type,
                                       const std::vector<int64_t>& inputShape) {
    if (inputShape.size() != 3)
        throw Error("model.type: " + type + " needs image input [C,H,W], the dataset gives " +
                    shapeText(inputShape));
    return inputShape;
}

void checkDropout(double dropout) {
    // Negated so that NaN fails too.
    if (!(dropout >= 0.0 && dropout < 1.0))
        throw Error("model.dropout: must be in [0, 1), got " + numberText(dropout));
}

std::unique_ptr<Model> makeMlpFrom(const ModelConfig& config, int64_t inputs, int64_t numClasses) {
    for (size_t i = 0; i < config.hidden.size(); ++i) {
        if (config.hidden[i] <= 0)
            throw Error("model.hidden: layer widths must be > 0, got " +
                        std::to_string(config.hidden[i]) + " for hidden layer " +
                        std::to_string(i + 1));
    }
    const std::vector<Activation> activations =
        parseLayerActivations(config.activation, config.hidden.size());
    checkDropout(config.dropout);
    return makeMlp(inputs, config.hidden, activations, config.dropout, numClasses);
}

std::unique_ptr<Model> makeCnnFrom(const ModelConfig& config,
                                   const std::vector<int64_t>& inputShape, int64_t numClasses) {
    const auto& image = imageShape(config.type, inputShape);
    if (image[1] < 4 || image[2] < 4)
        throw Error("model.type: cnn needs images of at least 4x4 pixels (it pools twice), the "
                    "dataset gives " +
                    shapeText(inputShape));
    if (config.channels <= 0)
        throw Error("model.channels: must be > 0, got " + std::to_string(config.channels));
    return makeSmallCnn(image, config.channels, numClasses);
}

std::unique_ptr<Model> makeResNetFrom(const ModelConfig& config,
                                      const std::vector<int64_t>& inputShape, int64_t numClasses) {
    const auto& image = imageShape(config.type, inputShape);
    if (config.depth < 8 || (config.depth - 2) % 6 != 0)
        throw Error("model.depth: a CIFAR ResNet needs depth 6n+2 (20, 32, 44, 56, 110), got " +
                    std::to_string(config.depth));
    return makeCifarResNet(image[0], config.depth, numClasses);
}

std::unique_ptr<Model> makeWideResNetFrom(const ModelConfig& config,
                                          const std::vector<int64_t>& inputShape,
                                          int64_t numClasses) {
    const auto& image = imageShape(config.type, inputShape);
    if (config.depth < 10 || (config.depth - 4) % 6 != 0)
        throw Error("model.depth: a Wide ResNet needs depth 6n+4 (10, 16, 22, 28, 40), got " +
                    std::to_string(config.depth));
    if (config.widen < 1)
        throw Error("model.widen: must be >= 1, got " + std::to_string(config.widen));
    checkDropout(config.dropout);
    return makeWideResNet(image[0], config.depth, config.widen, config.dropout, numClasses);
}

} // namespace

int64_t Model::parameterCount() {
    int64_t count = 0;
    for (const torch::Tensor& p : parameters())
        count += p.numel();
    return count;
}

std::unique_ptr<Model> makeModel(const ModelConfig& config, const std::vector<int64_t>& inputShape,
                                 int64_t numClasses) {
    const ModelType type = parseModelType(config.type);
    if (numClasses < 1)
        throw Error("model: needs at least one class, the dataset gives " +
                    std::to_string(numClasses));
    for (int64_t size : inputShape) {
        if (size <= 0)
            throw Error("model: the input shape " + shapeText(inputShape) +
                        " has an empty dimension");
    }

    // A TorchScript file brings its own architecture: the input shape only serves the check.
    if (type == ModelType::TorchScript) return loadScriptModel(config.path, inputShape, numClasses);

    if (inputShape.empty())
        throw Error("model.type: " + config.type + " needs the input shape of the dataset");
    const int64_t inputs = std::accumulate(inputShape.begin(), inputShape.end(), int64_t{1},
                                           std::multiplies<int64_t>());
    switch (type) {
    case ModelType::Linear:
        return makeLinear(inputs, numClasses);
    case ModelType::Mlp:
        return makeMlpFrom(config, inputs, numClasses);
    case ModelType::Cnn:
        return makeCnnFrom(config, inputShape, numClasses);
    case ModelType::ResNet:
        return makeResNetFrom(config, inputShape, numClasses);
    case ModelType::WideResNet:
    case ModelType::TorchScript: // loaded above
        break;
    }
    return makeWideResNetFrom(config, inputShape, numClasses);
}

} // namespace alig::core
