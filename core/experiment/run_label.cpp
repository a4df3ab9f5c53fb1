#include "core/experiment/run_label.h"

#include "core/optim/optimizer_catalogue.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>

namespace alig::core {

namespace {

using nlohmann::json;

// Settings that say where or how fast a run trains, not what it learns.
bool ignored(const std::string& path) {
    static const char* const prefixes[] = {"name",
                                           "description",
                                           "output.",
                                           "training.device",
                                           "training.threads",
                                           "training.eval_batch_size",
                                           "training.metrics_interval"};
    return std::any_of(std::begin(prefixes), std::end(prefixes),
                       [&](const char* p) { return path.rfind(p, 0) == 0; });
}

// "0.05", "5", "sgd", "[5,8]": as a person writes them.
std::string text(const json& j) {
    if (j.is_string()) return j.get<std::string>();
    if (j.is_number_float()) {
        char s[32];
        std::snprintf(s, sizeof s, "%.6g", j.get<double>());
        return s;
    }
    return j.dump();
}

// Every leaf of a document by its dotted path ("optimizer.max_lr"); arrays stay whole. Of
// the optimizer's fields only those its method reads (the catalogue says which) and the
// schedule's: SGD's unused max_lr is not a difference from ALI-G's. Nulls are unset.
void flatten(const json& j, const std::string& prefix, const OptimizerEntry* method,
             std::vector<std::string>& order, std::map<std::string, std::string>& out) {
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it)
            flatten(*it, prefix.empty() ? it.key() : prefix + "." + it.key(), method, order, out);
        return;
    }
    if (ignored(prefix) || j.is_null()) return;
    static const std::string optimizer = "optimizer.";
    if (method && prefix.rfind(optimizer, 0) == 0) {
        const std::string field = prefix.substr(optimizer.size());
        static const char* const schedule[] = {"name",  "schedule",      "milestones",
                                               "gamma", "warmup_epochs", "min_lr_factor"};
        const bool always =
            std::find(std::begin(schedule), std::end(schedule), field) != std::end(schedule);
        if (!always && !method->reads(field)) return;
    }
    out.emplace(prefix, text(j));
    if (std::find(order.begin(), order.end(), prefix) == order.end()) order.push_back(prefix);
}

std::string lastKey(const std::string& path) {
    const auto dot = path.rfind('.');
    return dot == std::string::npos ? path : path.substr(dot + 1);
}

} // namespace

std::vector<std::string> differingLabels(const std::vector<json>& configs) {
    if (configs.size() < 2) return std::vector<std::string>(configs.size());
    std::vector<std::map<std::string, std::string>> leaves(configs.size());
    std::vector<std::string> order, stepFields;
    for (size_t i = 0; i < configs.size(); ++i) {
        const OptimizerEntry* method = nullptr;
        if (configs[i].contains("optimizer") && configs[i]["optimizer"].contains("name") &&
            configs[i]["optimizer"]["name"].is_string())
            method = findOptimizer(configs[i]["optimizer"]["name"].get<std::string>());
        flatten(configs[i], "", method, order, leaves[i]);
        if (method) stepFields.push_back("optimizer." + method->stepField);
    }
    // A path differs when two runs that have it hold different values, or when only some
    // runs have it and it is a method's step size (ALI-G's max_lr beside SGD's lr). Other
    // settings one method has and another lacks (ALI-G's momentum_form) say nothing the
    // method's name does not.
    std::vector<std::string> differing;
    for (const auto& path : order) {
        const std::string* first = nullptr;
        bool missing = false, different = false;
        for (const auto& l : leaves) {
            const auto it = l.find(path);
            if (it == l.end()) {
                missing = true;
                continue;
            }
            if (first && *first != it->second) different = true;
            if (!first) first = &it->second;
        }
        const bool isStep =
            std::find(stepFields.begin(), stepFields.end(), path) != stepFields.end();
        if (different || (missing && isStep)) differing.push_back(path);
    }
    // The method first, the seed last: "sgd lr 0.1 · seed 2".
    std::stable_partition(differing.begin(), differing.end(),
                          [](const std::string& p) { return p == "optimizer.name"; });
    std::stable_partition(differing.begin(), differing.end(),
                          [](const std::string& p) { return p != "training.seed"; });
    std::vector<std::string> labels;
    for (const auto& l : leaves) {
        std::string label;
        for (const auto& path : differing) {
            const auto it = l.find(path);
            if (it == l.end()) continue; // this run's method has no such setting
            std::string part =
                path == "optimizer.name" ? it->second : lastKey(path) + " " + it->second;
            if (label.empty())
                label = part;
            else
                label +=
                    (path == "training.seed" || path.rfind("optimizer.", 0) != 0 ? " · " : " ") +
                    part;
        }
        labels.push_back(label);
    }
    return labels;
}

} // namespace alig::core
