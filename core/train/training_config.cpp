#include "core/train/training_config.h"

#include "core/util/error.h"

#include <utility>
#include <vector>

namespace alig::core {

namespace {

template <class E>
E parseChoice(const std::vector<std::pair<const char*, E>>& table, const std::string& text,
              const std::string& field) {
    std::string known;
    for (const auto& [name, value] : table) {
        if (text == name) return value;
        known += (known.empty() ? "" : ", ") + std::string(name);
    }
    throw Error(field + ": must be one of " + known + ", got \"" + text + "\"");
}

} // namespace

LossKind parseLoss(const std::string& text) {
    return parseChoice<LossKind>({{"cross_entropy", LossKind::CrossEntropy},
                                  {"multiclass_hinge", LossKind::MulticlassHinge}},
                                 text, "training.loss");
}

AutocastMode parseAutocast(const std::string& text) {
    return parseChoice<AutocastMode>({{"off", AutocastMode::Off}, {"bf16", AutocastMode::BFloat16}},
                                     text, "training.autocast");
}

} // namespace alig::core
