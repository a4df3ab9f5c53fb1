#include "core/optim/dog.h"

#include "core/optim/optim_support.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace alig::core {

using namespace optim_detail;

DogOptions::DogOptions(double lr)
    : lr_(lr) {}

void DogOptions::validate() const {
    auto positive = [](const char* name, double v) {
        if (!(v > 0.0) || std::isinf(v))
            throw Error(std::string(name) + ": must be > 0, got " + formatNumber(v));
    };
    positive("lr", lr_);
    positive("reps_rel", reps_rel_);
    if (!(eps_ > 0.0) || std::isinf(eps_))
        throw Error("eps: must be > 0, got " + formatNumber(eps_));
    if (!(weight_decay_ >= 0.0) || std::isinf(weight_decay_))
        throw Error("weight_decay: must be >= 0, got " + formatNumber(weight_decay_));
    if (init_eta_) positive("init_eta", *init_eta_);
    if (!(average_gamma_ >= 0.0) || std::isinf(average_gamma_))
        throw Error("average_gamma: must be >= 0, got " + formatNumber(average_gamma_));
}

void DogOptions::serialize(torch::serialize::OutputArchive& archive) const {
    archive.write("lr", c10::IValue(lr_));
    archive.write("reps_rel", c10::IValue(reps_rel_));
    archive.write("eps", c10::IValue(eps_));
    archive.write("weight_decay", c10::IValue(weight_decay_));
    writeOptional(archive, "init_eta", init_eta_);
    archive.write("average", c10::IValue(average_));
    archive.write("average_gamma", c10::IValue(average_gamma_));
}

void DogOptions::serialize(torch::serialize::InputArchive& archive) {
    lr_ = readDouble(archive, "lr");
    reps_rel_ = readDouble(archive, "reps_rel");
    eps_ = readDouble(archive, "eps");
    weight_decay_ = readDouble(archive, "weight_decay");
    init_eta_ = readOptional(archive, "init_eta");
    average_ = readBool(archive, "average");
    average_gamma_ = readDouble(archive, "average_gamma");
}

Dog::Dog(std::vector<torch::optim::OptimizerParamGroup> paramGroups, DogOptions defaults)
    : Optimizer(std::move(paramGroups), std::make_unique<DogOptions>(defaults)) {
    defaults.validate();
    validateGroups<DogOptions>(param_groups_);
    m_rbar.assign(param_groups_.size(), 0.0);
    m_G.assign(param_groups_.size(), 0.0);
}

Dog::Dog(std::vector<torch::Tensor> params, DogOptions defaults)
    : Dog({torch::optim::OptimizerParamGroup(std::move(params))}, std::move(defaults)) {}

torch::Tensor Dog::step(LossClosure closure) {
    if (m_evalMode)
        throw Error("DoG: step() while the parameters hold the averaged weights (swap back to "
                    "the training weights first)");
    torch::NoGradGuard noGrad;
    torch::Tensor loss;
    if (closure) {
        torch::AutoGradMode enableGrad(true);
        loss = closure();
    }
    const auto& global = static_cast<const DogOptions&>(defaults());
    const bool firstStep = m_t == 0;
    double etaSum = 0.0;
    for (size_t gi = 0; gi < param_groups_.size(); ++gi) {
        auto& group = param_groups_[gi];
        const auto& o = static_cast<const DogOptions&>(group.options());
        const auto sumOptions = firstParam(*this).options().dtype(torch::kFloat64);
        torch::Tensor distSq = torch::zeros({}, sumOptions);
        torch::Tensor gradSq = torch::zeros({}, sumOptions);
        std::vector<torch::Tensor> grads;
        for (auto& p : group.params()) {
            NamedParamState& s = namedState(*this, p);
            if (firstStep) s["x0"] = p.detach().clone();
            // ||x_0|| on the first step, ||x_t - x_0|| after.
            distSq += (firstStep ? p * p : (p - s["x0"]).square()).sum().to(torch::kFloat64);
            if (!p.grad().defined()) {
                grads.emplace_back();
                continue;
            }
            torch::Tensor g =
                global.weight_decay() > 0.0 ? p.grad().add(p, global.weight_decay()) : p.grad();
            gradSq += g.square().sum().to(torch::kFloat64);
            grads.push_back(g);
        }
        const double dist = std::sqrt(distSq.item<double>());
        if (firstStep) {
            m_rbar[gi] = global.reps_rel() * (1.0 + dist);
            m_G[gi] = gradSq.item<double>() + global.eps();
        } else {
            m_rbar[gi] = std::max(m_rbar[gi], dist);
            m_G[gi] += gradSq.item<double>();
        }
        double eta = o.lr() * m_rbar[gi] / std::sqrt(m_G[gi]);
        if (firstStep && global.init_eta()) eta = *global.init_eta();
        etaSum += eta;
        for (size_t i = 0; i < group.params().size(); ++i)
            if (grads[i].defined()) group.params()[i].add_(grads[i], -eta);
    }
    ++m_t;
    if (global.average()) {
        const double t = static_cast<double>(m_t), gamma = global.average_gamma();
        const double w = (1.0 + gamma) / (t + gamma);
        for (auto& group : param_groups_)
            for (auto& p : group.params()) {
                NamedParamState& s = namedState(*this, p);
                if (!s.has("average"))
                    s["average"] = p.detach().clone();
                else
                    s["average"].mul_(1.0 - w).add_(p, w);
            }
    }
    m_stepSize = scalarLike(etaSum / static_cast<double>(param_groups_.size()), firstParam(*this));
    return loss;
}

StepReport Dog::lastStepReport() const {
    StepReport r;
    r.stepSize = m_stepSize;
    r.unclipped = m_stepSize;
    if (m_stepSize.defined()) {
        r.extras.emplace_back("rbar", scalarLike(m_rbar.front(), m_stepSize));
        r.extras.emplace_back("grad_sum_sq", scalarLike(m_G.front(), m_stepSize));
    }
    return r;
}

void Dog::swapToEvalWeights() {
    if (m_evalMode) return;
    torch::NoGradGuard noGrad;
    for (auto& group : param_groups_)
        for (auto& p : group.params()) {
            NamedParamState& s = namedState(*this, p);
            if (!s.has("average")) continue;
            s["train"] = p.detach().clone();
            p.copy_(s["average"]);
        }
    m_evalMode = true;
}

void Dog::swapToTrainWeights() {
    if (!m_evalMode) return;
    torch::NoGradGuard noGrad;
    for (auto& group : param_groups_)
        for (auto& p : group.params()) {
            NamedParamState& s = namedState(*this, p);
            if (!s.has("train")) continue;
            p.copy_(s["train"]);
            s.tensors.erase("train");
        }
    m_evalMode = false;
}

void Dog::save(torch::serialize::OutputArchive& archive) const {
    saveGroups<DogOptions>(*this, "dog", archive);
    archive.write("t", c10::IValue(m_t));
    archive.write("eval_mode", c10::IValue(m_evalMode));
    for (size_t g = 0; g < m_rbar.size(); ++g) {
        archive.write("rbar_" + std::to_string(g), c10::IValue(m_rbar[g]));
        archive.write("G_" + std::to_string(g), c10::IValue(m_G[g]));
    }
}

void Dog::load(torch::serialize::InputArchive& archive) {
    loadGroups<DogOptions, NamedParamState>(*this, "dog", "DoG", archive);
    m_t = readInt(archive, "t");
    m_evalMode = readBool(archive, "eval_mode");
    for (size_t g = 0; g < m_rbar.size(); ++g) {
        m_rbar[g] = readDouble(archive, "rbar_" + std::to_string(g));
        m_G[g] = readDouble(archive, "G_" + std::to_string(g));
    }
}

} // namespace alig::core
