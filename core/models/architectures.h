#pragma once
// Builders of the built-in architectures, each a LibTorch module wrapped in a ModuleModel.
// makeModel() validates the config and calls them; they expect valid arguments.

#include "core/models/model.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace alig::core {

// Logistic regression: flatten, then one Linear layer.
std::unique_ptr<Model> makeLinear(int64_t inputs, int64_t numClasses);

// Flatten, hidden Linear layers each followed by its activation (`activations`: one for
// every layer, or one per layer) and, when dropout > 0, Dropout; then a Linear layer to the
// classes.
std::unique_ptr<Model> makeMlp(int64_t inputs, const std::vector<int64_t>& hidden,
                               const std::vector<Activation>& activations, double dropout,
                               int64_t numClasses);

// model.activation of an MLP with `layers` hidden layers: one name for every layer ("tanh"),
// or a comma-separated name per layer ("tanh, relu"). Throws alig::core::Error naming
// model.activation for an unknown name or a count that is neither 1 nor `layers`.
std::vector<Activation> parseLayerActivations(const std::string& text, size_t layers);

// Two conv3x3-BatchNorm-ReLU-maxpool blocks (channels, 2*channels) and a two-layer classifier,
// for small images such as 1x28x28 and 3x32x32. imageShape is {C, H, W}, H and W >= 4.
std::unique_ptr<Model> makeSmallCnn(const std::vector<int64_t>& imageShape, int64_t channels,
                                    int64_t numClasses);

// CIFAR ResNet of He et al. 2016, Sec. 4.2: depth 6n+2, basic blocks of 16/32/64 channels,
// option A (parameter-free, zero-padded identity) shortcuts.
std::unique_ptr<Model> makeCifarResNet(int64_t inChannels, int64_t depth, int64_t numClasses);

// WRN-depth-widen of Zagoruyko & Komodakis 2016: depth 6n+4, pre-activation basic blocks with
// dropout between the convolutions, 1x1 convolution shortcuts where the shape changes.
std::unique_ptr<Model> makeWideResNet(int64_t inChannels, int64_t depth, int64_t widen,
                                      double dropout, int64_t numClasses);

} // namespace alig::core
