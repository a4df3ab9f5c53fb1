#include "core/models/script_model.h"

#include "core/models/named_tensors.h"
#include "core/util/error.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <filesystem>
#include <sstream>

namespace alig::core {

namespace {

std::string firstLine(const std::string& text) {
    const auto start = text.find_first_not_of("\r\n");
    if (start == std::string::npos) return text;
    return text.substr(start, text.find_first_of("\r\n", start) - start);
}

// The TorchScript interpreter reports errors as a multi-line traceback whose last line is
// the actual error ("RuntimeError: mat1 and mat2 shapes cannot be multiplied ...").
std::string lastLine(const std::string& text) {
    const auto end = text.find_last_not_of("\r\n ");
    if (end == std::string::npos) return text;
    const auto newline = text.find_last_of("\r\n", end);
    const size_t start = newline == std::string::npos ? 0 : newline + 1;
    return text.substr(start, end + 1 - start);
}

std::string sizesText(torch::IntArrayRef sizes) {
    std::ostringstream out;
    out << sizes;
    return out.str();
}

template <typename Slots> NamedTensors toNamedTensors(const Slots& slots) {
    NamedTensors result;
    for (const auto& slot : slots)
        result.emplace_back(slot.name, slot.value);
    return result;
}

// Runs forward and reports a failure as Error(reason) in one readable line: LibTorch's own
// messages carry a C++ backtrace or a TorchScript traceback.
torch::Tensor scriptForward(torch::jit::Module& module, const torch::Tensor& input) {
    torch::jit::IValue output;
    try {
        output = module.forward({input});
    } catch (const c10::Error& e) {
        throw Error(firstLine(e.msg()));
    } catch (const std::exception& e) {
        throw Error(lastLine(e.what()));
    }
    if (!output.isTensor()) throw Error("returned a " + output.tagKind() + ", not a tensor");
    return output.toTensor();
}

std::vector<torch::Tensor> trainableParameters(const torch::jit::Module& module) {
    std::vector<torch::Tensor> result;
    for (const torch::Tensor& p : module.parameters())
        if (p.requires_grad()) result.push_back(p);
    return result;
}

// Module::train() asserts that every submodule has a "training" attribute; modules scripted in
// Python do, modules assembled in C++ need not.
void setTraining(torch::jit::Module& module, bool on) {
    for (torch::jit::Module child : module.modules()) {
        if (child.hasattr("training")) child.setattr("training", on);
    }
}

// A TorchScript module behind the Model interface. Its parameters are the module's own
// tensors, so optimizers update the module in place.
class ScriptModel : public Model {
public:
    ScriptModel(torch::jit::Module module, std::string fileName)
        : m_module(std::move(module))
        , m_fileName(std::move(fileName)) {}

    torch::Tensor forward(const torch::Tensor& input) override {
        try {
            return scriptForward(m_module, input);
        } catch (const Error& e) {
            throw Error(describe() + ": forward failed: " + e.what());
        }
    }

    // Only the tensors that require gradients: frozen ones are not the optimizer's.
    std::vector<torch::Tensor> parameters() override { return trainableParameters(m_module); }
    std::vector<torch::Tensor> buffers() override {
        std::vector<torch::Tensor> result;
        for (const torch::Tensor& b : m_module.buffers())
            result.push_back(b);
        return result;
    }

    void train(bool on) override { setTraining(m_module, on); }

    void to(const torch::Device& device) override { m_module.to(device); }

    void save(torch::serialize::OutputArchive& archive) override {
        writeNamedTensors(archive, toNamedTensors(m_module.named_parameters()),
                          toNamedTensors(m_module.named_buffers()));
    }

    void load(torch::serialize::InputArchive& archive) override {
        readNamedTensors(archive, toNamedTensors(m_module.named_parameters()),
                         toNamedTensors(m_module.named_buffers()));
    }

    std::string describe() const override { return "TorchScript " + m_fileName; }

private:
    torch::jit::Module m_module;
    std::string m_fileName;
};

} // namespace

std::unique_ptr<Model> loadScriptModel(const std::string& path,
                                       const std::vector<int64_t>& inputShape, int64_t numClasses) {
    namespace fs = std::filesystem;
    const std::string where = "model.path: '" + path + "'";
    if (path.empty()) throw Error("model.path: a torchscript model needs the path of a .pt file");
    std::error_code ec;
    if (!fs::exists(path, ec)) throw Error(where + ": no such file");
    if (fs::is_directory(path, ec)) throw Error(where + ": is a folder, not a TorchScript file");

    torch::jit::Module module;
    try {
        // Onto the CPU like the built-in models; the trainer moves it with to().
        module = torch::jit::load(path, torch::Device(torch::kCPU));
    } catch (const c10::Error& e) {
        throw Error(where + ": not a TorchScript archive (" + firstLine(e.msg()) + ")");
    } catch (const std::exception& e) {
        throw Error(where + ": not a TorchScript archive (" + lastLine(e.what()) + ")");
    }

    if (trainableParameters(module).empty()) {
        const auto all = static_cast<int64_t>(module.parameters().size());
        throw Error(where + ": has no trainable parameters" +
                    (all > 0 ? " (none of its " + std::to_string(all) + " requires gradients)"
                             : std::string()));
    }

    if (!inputShape.empty()) {
        std::vector<int64_t> batchShape{2};
        batchShape.insert(batchShape.end(), inputShape.begin(), inputShape.end());
        // Eval mode and no gradients: the check must not move BatchNorm statistics. Zeros, not
        // random input, so that the check draws nothing from the seeded generator.
        const bool wasTraining = module.is_training();
        setTraining(module, false);
        torch::Tensor output;
        try {
            torch::NoGradGuard noGrad;
            output = scriptForward(module, torch::zeros(batchShape));
        } catch (const Error& e) {
            throw Error(where + ": fails on a batch of shape " + sizesText(batchShape) + ": " +
                        e.what());
        }
        setTraining(module, wasTraining);
        if (output.dim() != 2 || output.size(0) != 2 || output.size(1) != numClasses)
            throw Error(where + ": returns shape " + sizesText(output.sizes()) +
                        " for a batch of shape " + sizesText(batchShape) + ", expected [2, " +
                        std::to_string(numClasses) + "] (batch, classes)");
    }
    return std::make_unique<ScriptModel>(std::move(module), fs::path(path).filename().string());
}

} // namespace alig::core
