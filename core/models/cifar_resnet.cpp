#include "core/models/architectures.h"
#include "core/models/conv_init.h"
#include "core/models/module_model.h"

#include <torch/torch.h>

namespace alig::core {

namespace {

torch::nn::Conv2dOptions conv3x3(int64_t in, int64_t out, int64_t stride) {
    return torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false);
}

// conv-BN-ReLU-conv-BN, plus the shortcut, then ReLU (He et al. 2016, Fig. 2).
struct BasicBlockImpl : torch::nn::Module {
    BasicBlockImpl(int64_t in, int64_t out, int64_t stride)
        : conv1(conv3x3(in, out, stride))
        , bn1(out)
        , conv2(conv3x3(out, out, 1))
        , bn2(out)
        , m_stride(stride)
        , m_extraChannels(out - in) {
        register_module("conv1", conv1);
        register_module("bn1", bn1);
        register_module("conv2", conv2);
        register_module("bn2", bn2);
    }

    torch::Tensor forward(const torch::Tensor& input) {
        torch::Tensor out = torch::relu(bn1(conv1(input)));
        out = bn2(conv2(out));
        return torch::relu(out + shortcut(input));
    }

    // Option A (Sec. 4.2): subsample and zero-pad the new channels, so the CIFAR ResNets keep
    // the published parameter counts (ResNet-20: 0.27M).
    torch::Tensor shortcut(const torch::Tensor& input) const {
        if (m_stride == 1 && m_extraChannels == 0) return input;
        using torch::indexing::None;
        using torch::indexing::Slice;
        torch::Tensor sub = input.index(
            {Slice(), Slice(), Slice(None, None, m_stride), Slice(None, None, m_stride)});
        const int64_t before = m_extraChannels / 2;
        const int64_t after = m_extraChannels - before;
        return torch::nn::functional::pad(
            sub, torch::nn::functional::PadFuncOptions({0, 0, 0, 0, before, after}));
    }

    torch::nn::Conv2d conv1;
    torch::nn::BatchNorm2d bn1;
    torch::nn::Conv2d conv2;
    torch::nn::BatchNorm2d bn2;
    int64_t m_stride;
    int64_t m_extraChannels;
};
TORCH_MODULE(BasicBlock);

struct CifarResNetImpl : torch::nn::Module {
    CifarResNetImpl(int64_t inChannels, int64_t depth, int64_t numClasses)
        : conv1(conv3x3(inChannels, 16, 1))
        , bn1(16)
        , fc(64, numClasses) {
        const int64_t blocks = (depth - 2) / 6;
        register_module("conv1", conv1);
        register_module("bn1", bn1);
        layer1 = register_module("layer1", stage(16, 16, blocks, 1));
        layer2 = register_module("layer2", stage(16, 32, blocks, 2));
        layer3 = register_module("layer3", stage(32, 64, blocks, 2));
        register_module("fc", fc);
        initConvsKaimingNormal(*this);
    }

    static torch::nn::Sequential stage(int64_t in, int64_t out, int64_t blocks, int64_t stride) {
        torch::nn::Sequential result;
        result->push_back(BasicBlock(in, out, stride));
        for (int64_t i = 1; i < blocks; ++i)
            result->push_back(BasicBlock(out, out, 1));
        return result;
    }

    torch::Tensor forward(const torch::Tensor& input) {
        torch::Tensor x = torch::relu(bn1(conv1(input)));
        x = layer3->forward(layer2->forward(layer1->forward(x)));
        x = torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
        return fc(x);
    }

    torch::nn::Conv2d conv1;
    torch::nn::BatchNorm2d bn1;
    torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr};
    torch::nn::Linear fc;
};
TORCH_MODULE(CifarResNet);

} // namespace

std::unique_ptr<Model> makeCifarResNet(int64_t inChannels, int64_t depth, int64_t numClasses) {
    return ModuleModel::wrap(CifarResNet(inChannels, depth, numClasses),
                             "ResNet-" + std::to_string(depth));
}

} // namespace alig::core
