#include "core/models/architectures.h"
#include "core/models/conv_init.h"
#include "core/models/module_model.h"

#include <torch/torch.h>

#include <sstream>

namespace alig::core {

namespace {

torch::nn::Conv2dOptions conv3x3(int64_t in, int64_t out, int64_t stride) {
    return torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false);
}

// Pre-activation block B(3,3) with dropout between the convolutions (Zagoruyko & Komodakis
// 2016, Sec. 2): BN-ReLU-conv3x3-BN-ReLU-dropout-conv3x3, plus the shortcut.
struct WideBlockImpl : torch::nn::Module {
    WideBlockImpl(int64_t in, int64_t out, int64_t stride, double dropout)
        : bn1(in)
        , conv1(conv3x3(in, out, stride))
        , bn2(out)
        , conv2(conv3x3(out, out, 1))
        , m_dropout(dropout) {
        register_module("bn1", bn1);
        register_module("conv1", conv1);
        register_module("bn2", bn2);
        register_module("conv2", conv2);
        if (in != out || stride != 1)
            shortcut = register_module(
                "shortcut",
                torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)));
    }

    torch::Tensor forward(const torch::Tensor& input) {
        torch::Tensor activated = torch::relu(bn1(input));
        // As in the reference code, the projection sees the pre-activated input.
        torch::Tensor identity = shortcut.is_empty() ? input : shortcut(activated);
        torch::Tensor out = torch::relu(bn2(conv1(activated)));
        if (m_dropout > 0.0) out = torch::dropout(out, m_dropout, is_training());
        return conv2(out) + identity;
    }

    torch::nn::BatchNorm2d bn1;
    torch::nn::Conv2d conv1;
    torch::nn::BatchNorm2d bn2;
    torch::nn::Conv2d conv2;
    torch::nn::Conv2d shortcut{nullptr};
    double m_dropout;
};
TORCH_MODULE(WideBlock);

struct WideResNetImpl : torch::nn::Module {
    WideResNetImpl(int64_t inChannels, int64_t depth, int64_t widen, double dropout,
                   int64_t numClasses)
        : conv1(conv3x3(inChannels, 16, 1))
        , bn(64 * widen)
        , fc(64 * widen, numClasses) {
        const int64_t blocks = (depth - 4) / 6;
        register_module("conv1", conv1);
        layer1 = register_module("layer1", stage(16, 16 * widen, blocks, 1, dropout));
        layer2 = register_module("layer2", stage(16 * widen, 32 * widen, blocks, 2, dropout));
        layer3 = register_module("layer3", stage(32 * widen, 64 * widen, blocks, 2, dropout));
        register_module("bn", bn);
        register_module("fc", fc);
        initConvsKaimingNormal(*this);
    }

    static torch::nn::Sequential stage(int64_t in, int64_t out, int64_t blocks, int64_t stride,
                                       double dropout) {
        torch::nn::Sequential result;
        result->push_back(WideBlock(in, out, stride, dropout));
        for (int64_t i = 1; i < blocks; ++i)
            result->push_back(WideBlock(out, out, 1, dropout));
        return result;
    }

    torch::Tensor forward(const torch::Tensor& input) {
        torch::Tensor x = conv1(input);
        x = layer3->forward(layer2->forward(layer1->forward(x)));
        x = torch::relu(bn(x));
        x = torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
        return fc(x);
    }

    torch::nn::Conv2d conv1;
    torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr};
    torch::nn::BatchNorm2d bn;
    torch::nn::Linear fc;
};
TORCH_MODULE(WideResNet);

} // namespace

std::unique_ptr<Model> makeWideResNet(int64_t inChannels, int64_t depth, int64_t widen,
                                      double dropout, int64_t numClasses) {
    std::string description = "WRN-" + std::to_string(depth) + "-" + std::to_string(widen);
    if (dropout > 0.0) {
        std::ostringstream p;
        p << dropout;
        description += " (dropout " + p.str() + ")";
    }
    return ModuleModel::wrap(WideResNet(inChannels, depth, widen, dropout, numClasses),
                             std::move(description));
}

} // namespace alig::core
