#include "core/train/training_config.h"

#include "core/util/choice.h"

namespace alig::core {

const ChoiceTable<LossKind>& lossChoices() {
    static const ChoiceTable<LossKind> table("training.loss",
                                             {{"cross_entropy", LossKind::CrossEntropy},
                                              {"multiclass_hinge", LossKind::MulticlassHinge}});
    return table;
}

const ChoiceTable<AutocastMode>& autocastChoices() {
    static const ChoiceTable<AutocastMode> table(
        "training.autocast", {{"off", AutocastMode::Off}, {"bf16", AutocastMode::BFloat16}});
    return table;
}

LossKind parseLoss(const std::string& text) {
    return lossChoices().parse(text);
}

AutocastMode parseAutocast(const std::string& text) {
    return autocastChoices().parse(text);
}

} // namespace alig::core
