#include "core/models/architectures.h"
#include "core/models/module_model.h"

#include <torch/torch.h>

namespace alig::core {

namespace {

// conv3x3 (padding 1) keeps H x W, the 2x2 max-pool halves it (floor).
void appendConvBlock(torch::nn::Sequential& layers, int64_t in, int64_t out) {
    layers->push_back(
        torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1).bias(false)));
    layers->push_back(torch::nn::BatchNorm2d(out));
    layers->push_back(torch::nn::ReLU());
    layers->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2)));
}

struct SmallCnnImpl : torch::nn::Module {
    static constexpr int64_t kHiddenWidth = 128;

    SmallCnnImpl(int64_t inChannels, int64_t height, int64_t width, int64_t channels,
                 int64_t numClasses) {
        features = register_module("features", torch::nn::Sequential());
        appendConvBlock(features, inChannels, channels);
        appendConvBlock(features, channels, 2 * channels);
        const int64_t flat = 2 * channels * (height / 4) * (width / 4);
        classifier = register_module(
            "classifier",
            torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(flat, kHiddenWidth),
                                  torch::nn::ReLU(), torch::nn::Linear(kHiddenWidth, numClasses)));
    }

    torch::Tensor forward(const torch::Tensor& input) {
        return classifier->forward(features->forward(input));
    }

    torch::nn::Sequential features{nullptr};
    torch::nn::Sequential classifier{nullptr};
};
TORCH_MODULE(SmallCnn);

} // namespace

std::unique_ptr<Model> makeSmallCnn(const std::vector<int64_t>& imageShape, int64_t channels,
                                    int64_t numClasses) {
    std::string description = "CNN " + std::to_string(channels) + "-" +
                              std::to_string(2 * channels) + " channels, fc " +
                              std::to_string(SmallCnnImpl::kHiddenWidth);
    return ModuleModel::wrap(
        SmallCnn(imageShape.at(0), imageShape.at(1), imageShape.at(2), channels, numClasses),
        std::move(description));
}

} // namespace alig::core
