#include "core/optim/optim_support.h"

#include <torch/torch.h>

namespace alig::core::optim_detail {

void writeOptional(torch::serialize::OutputArchive& a, const std::string& key,
                   const std::optional<double>& v) {
    a.write("has_" + key, c10::IValue(v.has_value()));
    a.write(key, c10::IValue(v.value_or(0.0)));
}

std::optional<double> readOptional(torch::serialize::InputArchive& a, const std::string& key) {
    c10::IValue has, value;
    a.read("has_" + key, has);
    a.read(key, value);
    if (!has.toBool()) return std::nullopt;
    return value.toDouble();
}

double readDouble(torch::serialize::InputArchive& a, const std::string& key) {
    c10::IValue v;
    a.read(key, v);
    return v.toDouble();
}

int64_t readInt(torch::serialize::InputArchive& a, const std::string& key) {
    c10::IValue v;
    a.read(key, v);
    return v.toInt();
}

bool readBool(torch::serialize::InputArchive& a, const std::string& key) {
    c10::IValue v;
    a.read(key, v);
    return v.toBool();
}

torch::Tensor closureLoss(const torch::optim::Optimizer::LossClosure& closure,
                          const std::string& method) {
    if (!closure) throw Error(method + " needs a closure that returns the mini-batch loss");
    const torch::Tensor loss = closure();
    if (!loss.defined() || loss.numel() != 1)
        throw Error(method + "'s closure must return the loss as a single number");
    return loss;
}

torch::Tensor matchParam(const torch::Tensor& saved, const torch::Tensor& param,
                         const std::string& what) {
    if (!saved.defined()) return saved;
    if (!saved.sizes().equals(param.sizes()))
        throw Error(what + " does not match its parameter's shape");
    return saved.to(param.options());
}

} // namespace alig::core::optim_detail
