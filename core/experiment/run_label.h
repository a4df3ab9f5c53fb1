#pragma once
// Labels that tell runs apart by what differs between them, as TensorBoard's hparams diff
// does: of a set of run configs, each run's label lists only the settings whose values are
// not the same in every run ("max_lr 0.05", "sgd lr 0.1 · seed 2"). The window labels the
// runs on show with it; a set of one (or of identical configs) gives empty labels.

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace alig::core {

// One label per config (ExperimentConfig::toJson() documents), in their order. The method's
// name comes first (bare: "sgd"), the seed last; other settings by their last key, in the
// document's order. Names, output and device settings never count: they do not change what
// is learned.
std::vector<std::string> differingLabels(const std::vector<nlohmann::json>& configs);

} // namespace alig::core
