#include "core/experiment/comparison.h"

#include "core/experiment/run_session.h"
#include "core/experiment/run_store.h"
#include "core/optim/optimizer_catalogue.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/format.h"
#include "core/util/paths.h"
#include "core/util/write_error.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <tuple>

namespace fs = std::filesystem;
using nlohmann::json;

namespace alig::core {

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> parts;
    std::stringstream in(text);
    std::string part;
    while (std::getline(in, part, sep))
        parts.push_back(part);
    if (!text.empty() && text.back() == sep) parts.emplace_back();
    return parts;
}

// Splits at `sep` outside brackets, so a list value ("milestones=[5,8]") stays whole.
std::vector<std::string> splitTopLevel(const std::string& text, char sep) {
    std::vector<std::string> parts(1);
    int depth = 0;
    for (char c : text) {
        depth += c == '[' ? 1 : c == ']' ? -1 : 0;
        if (c == sep && depth == 0)
            parts.emplace_back();
        else
            parts.back() += c;
    }
    return parts;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// A folder name from a label ("alig:max_lr=0.1" gives "alig_max_lr_0.1"), safe as one
// folder name whatever the label holds.
std::string slug(const std::string& label) {
    std::string s;
    for (char c : label)
        s += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '_';
    // A folder name holds 80 characters: a longer label keeps its start and its end (the
    // value and the seed), with a hash of the whole between them, so that the seeds of a long
    // label never share one folder.
    constexpr size_t kMax = 80, kTail = 16;
    if (s.size() > kMax) {
        uint32_t h = 2166136261u; // FNV-1a: the same name on every run and machine
        for (char c : label)
            h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
        char hash[12];
        std::snprintf(hash, sizeof hash, "_%08x_", h);
        s = s.substr(0, kMax - kTail - 10) + hash + s.substr(s.size() - kTail);
    }
    return safeFolderName(s);
}

double parseNumber(const std::string& text, const std::string& what) {
    try {
        size_t used = 0;
        const double v = std::stod(text, &used);
        if (used != text.size()) throw std::invalid_argument(text);
        return v;
    } catch (const std::exception&) {
        throw Error(what + ": \"" + text + "\" is not a number");
    }
}

constexpr const char* kLearningRate = "learning_rate";

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s)
        q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

std::string csvNumber(double v) {
    if (std::isnan(v)) return "";
    std::ostringstream s;
    s.precision(10);
    s << v;
    return s.str();
}

} // namespace

std::vector<OptimizerSpec> parseOptimizerSpecs(const std::string& text) {
    std::vector<OptimizerSpec> specs;
    for (const std::string& raw : splitTopLevel(text, ',')) {
        const std::string entry = trim(raw);
        if (entry.empty()) throw Error("--optimizers: empty entry in \"" + text + "\"");
        const auto parts = split(entry, ':');
        OptimizerSpec spec;
        const std::string name = trim(parts[0]);
        optimizerEntry(name, "--optimizers: \"" + entry + "\": ");
        spec.label = name;
        spec.overrides.push_back("optimizer.name=" + name);
        for (size_t i = 1; i < parts.size(); ++i) {
            const std::string kv = trim(parts[i]);
            const auto eq = kv.find('=');
            if (eq == std::string::npos || eq == 0)
                throw Error("--optimizers: \"" + entry + "\": expected key=value, got \"" + kv +
                            "\"");
            const std::string key = kv.substr(0, eq);
            // A bare key is an optimizer field; a dotted one names any field.
            spec.overrides.push_back((key.find('.') == std::string::npos ? "optimizer." : "") + kv);
            spec.label += " " + kv;
        }
        specs.push_back(spec);
    }
    return specs;
}

std::vector<double> parseSweepValues(const std::string& text) {
    std::vector<double> values;
    if (text.rfind("logspace:", 0) == 0) {
        const auto parts = split(text, ':');
        if (parts.size() != 4)
            throw Error("--values: expected logspace:FROM:TO:COUNT, got \"" + text + "\"");
        const double from = parseNumber(parts[1], "--values"),
                     to = parseNumber(parts[2], "--values");
        const double count = parseNumber(parts[3], "--values");
        if (!(from > 0) || !(to > 0) || count < 2 || count != std::floor(count) || count > 1000)
            throw Error(
                "--values: logspace needs FROM and TO > 0 and a COUNT of 2 to 1000, got \"" + text +
                "\"");
        const int n = static_cast<int>(count);
        for (int i = 0; i < n; ++i)
            values.push_back(from * std::pow(to / from, static_cast<double>(i) / (n - 1)));
        return values;
    }
    for (const std::string& part : split(text, ','))
        values.push_back(parseNumber(trim(part), "--values"));
    if (values.empty()) throw Error("--values: no values given");
    return values;
}

std::vector<PlannedRun> planRuns(const json& base, const std::vector<OptimizerSpec>& specs,
                                 const std::string& param, const std::vector<double>& values,
                                 int seeds, const std::string& parentDir) {
    if (seeds < 1) throw Error("--seeds: must be >= 1, got " + std::to_string(seeds));
    const std::vector<OptimizerSpec> groups =
        specs.empty() ? std::vector<OptimizerSpec>{{"", {}}} : specs;
    const std::vector<double> sweep = param.empty() ? std::vector<double>{std::nan("")} : values;
    const ExperimentConfig baseConfig = ExperimentConfig::fromJson(base);
    std::vector<PlannedRun> plan;
    for (const auto& spec : groups) {
        for (double value : sweep) {
            for (int k = 0; k < seeds; ++k) {
                json doc = base;
                for (const auto& o : spec.overrides)
                    applyOverride(doc, o);
                PlannedRun run;
                run.group = spec.label.empty() ? baseConfig.optimizer.name : spec.label;
                run.seed = baseConfig.training.seed + static_cast<uint64_t>(k);
                run.param = param;
                run.value = value;
                if (param == kLearningRate) {
                    // Each method's own step-size option (max_lr, lr, or L4's alpha).
                    const std::string& field =
                        optimizerEntry(ExperimentConfig::fromJson(doc).optimizer.name).stepField;
                    applyOverride(doc, "optimizer." + field + "=" + csvNumber(value));
                } else if (!param.empty()) {
                    applyOverride(doc, param + "=" + csvNumber(value));
                }
                applyOverride(doc, "training.seed=" + std::to_string(run.seed));
                run.label = run.group +
                            (param.empty() ? "" : " " + param + "=" + csvNumber(value)) + " seed " +
                            std::to_string(run.seed);
                applyOverride(doc,
                              "output.dir=" + (fs::path(parentDir) / slug(run.label)).string());
                doc["name"] = baseConfig.name + " " + run.label;
                try {
                    run.config = ExperimentConfig::fromJson(doc);
                } catch (const Error& e) {
                    throw Error(run.label + ": " + e.what());
                }
                plan.push_back(std::move(run));
            }
        }
    }
    return plan;
}

RunSummary summarize(const RunRecord& record, double targetAccuracy) {
    RunSummary s;
    s.dir = record.dir;
    s.status = runStatusFromName(record.info.value("status", std::string("failed")));
    s.message = record.info.value("message", std::string());
    if (!record.steps.empty()) {
        s.steps = record.steps.back().step;
        s.seconds = record.steps.back().elapsed;
    }
    if (!record.epochs.empty()) {
        s.finalTestAccuracy = record.epochs.back().testAccuracy;
        s.finalTrainLoss = record.epochs.back().trainLoss;
        s.bestTestAccuracy = 0.0;
        for (const auto& e : record.epochs) {
            s.bestTestAccuracy = std::max(s.bestTestAccuracy, e.testAccuracy);
            if (s.stepsToTarget < 0 && e.trainAccuracy >= targetAccuracy) s.stepsToTarget = e.step;
        }
        s.seconds = std::max(s.seconds, record.epochs.back().elapsed);
    }
    // The share of clipped steps, for the methods that report clips (ALI-G).
    const OptimizerEntry* method = nullptr;
    if (record.info.contains("config") && record.info["config"].contains("optimizer") &&
        record.info["config"]["optimizer"].contains("name") &&
        record.info["config"]["optimizer"]["name"].is_string())
        method = findOptimizer(record.info["config"]["optimizer"]["name"].get<std::string>());
    if (method && method->reports.clip && !record.steps.empty()) {
        int64_t clipped = 0;
        for (const auto& m : record.steps)
            clipped += m.clipped ? 1 : 0;
        s.clippedFraction = static_cast<double>(clipped) / static_cast<double>(record.steps.size());
    }
    return s;
}

std::vector<RunSummary> runAll(const std::vector<PlannedRun>& plan, int parallel,
                               double targetAccuracy,
                               const std::function<void(const RunSummary&, size_t)>& onDone) {
    std::vector<RunSummary> summaries(plan.size());
    std::atomic<size_t> next{0};
    std::mutex mutex;
    size_t done = 0;
    auto worker = [&] {
        for (size_t i = next++; i < plan.size(); i = next++) {
            const PlannedRun& p = plan[i];
            RunSummary s;
            try {
                auto session = RunSession::create(p.config);
                session->run();
                s = summarize(readRun(session->runDir()), targetAccuracy);
            } catch (const std::exception& e) {
                s.status = RunStatus::Failed;
                s.message = e.what();
                s.dir = p.config.output.dir;
            }
            s.label = p.label;
            s.group = p.group;
            s.param = p.param;
            s.value = p.value;
            s.seed = p.seed;
            std::lock_guard<std::mutex> lock(mutex);
            summaries[i] = s;
            ++done;
            if (onDone) onDone(s, done);
        }
    };
    const int n = std::max(1, std::min<int>(parallel, static_cast<int>(plan.size())));
    std::vector<std::thread> threads;
    for (int t = 1; t < n; ++t)
        threads.emplace_back(worker);
    worker();
    for (auto& t : threads)
        t.join();
    return summaries;
}

void writeBatchRecord(const std::string& dir, json request, const json& base,
                      const std::vector<PlannedRun>& plan) {
    json runs = json::array();
    for (const auto& p : plan)
        runs.push_back({{"label", p.label},
                        {"group", p.group},
                        {"param", p.param},
                        {"value", std::isnan(p.value) ? json(nullptr) : json(p.value)},
                        {"seed", p.seed},
                        {"dir", fs::path(p.config.output.dir).filename().string()}});
    request["base"] = base;
    request["runs"] = std::move(runs);
    writeFileAtomically((fs::path(dir) / "batch.json").string(), request.dump(2) + '\n');
}

void writeSummaryCsv(const std::string& path, const std::vector<RunSummary>& runs) {
    std::ostringstream out;
    out << "label,group,param,value,seed,status,steps,seconds,final_test_accuracy,"
           "best_test_accuracy,final_train_loss,steps_to_target,clipped_fraction,dir,message\n";
    for (const auto& r : runs)
        out << csvField(r.label) << ',' << csvField(r.group) << ',' << csvField(r.param) << ','
            << csvNumber(r.value) << ',' << r.seed << ',' << runStatusName(r.status) << ','
            << r.steps << ',' << csvNumber(r.seconds) << ',' << csvNumber(r.finalTestAccuracy)
            << ',' << csvNumber(r.bestTestAccuracy) << ',' << csvNumber(r.finalTrainLoss) << ','
            << (r.stepsToTarget >= 0 ? std::to_string(r.stepsToTarget) : std::string()) << ','
            << csvNumber(r.clippedFraction) << ',' << csvField(r.dir) << ',' << csvField(r.message)
            << '\n';
    writeFileAtomically(path, out.str());
}

namespace {

// The mean and the sample standard deviation (0 with a single value); NaN for none.
std::pair<double, double> meanAndStd(const std::vector<double>& list) {
    if (list.empty()) return {std::nan(""), std::nan("")};
    double mean = 0.0;
    for (double a : list)
        mean += a / static_cast<double>(list.size());
    double sd = 0.0;
    for (double a : list)
        sd += (a - mean) * (a - mean);
    sd = list.size() > 1 ? std::sqrt(sd / static_cast<double>(list.size() - 1)) : 0.0;
    return {mean, sd};
}

} // namespace

std::vector<GroupSummary> summarizeGroups(const std::vector<RunSummary>& runs) {
    std::vector<std::string> groups; // in order of first appearance
    std::map<std::pair<std::string, double>, std::vector<const RunSummary*>> members;
    for (const auto& r : runs) {
        if (std::find(groups.begin(), groups.end(), r.group) == groups.end())
            groups.push_back(r.group);
        // NaN is not ordered: a compare's runs (no value) share the key -inf.
        members[{r.group, std::isnan(r.value) ? -HUGE_VAL : r.value}].push_back(&r);
    }
    std::vector<GroupSummary> out;
    for (const auto& g : groups) {
        for (const auto& [key, list] : members) {
            if (key.first != g) continue;
            GroupSummary s;
            s.group = g;
            s.param = list.front()->param;
            s.value = list.front()->value;
            s.runs = static_cast<int>(list.size());
            std::vector<double> finals, bests, seconds, steps;
            for (const RunSummary* r : list) {
                if (r->status != RunStatus::Completed || std::isnan(r->finalTestAccuracy)) continue;
                ++s.completed;
                finals.push_back(r->finalTestAccuracy);
                bests.push_back(r->bestTestAccuracy);
                seconds.push_back(r->seconds);
                if (r->stepsToTarget >= 0) steps.push_back(static_cast<double>(r->stepsToTarget));
            }
            std::tie(s.meanFinalTestAccuracy, s.stdFinalTestAccuracy) = meanAndStd(finals);
            std::tie(s.meanBestTestAccuracy, s.stdBestTestAccuracy) = meanAndStd(bests);
            s.meanSeconds = meanAndStd(seconds).first;
            s.reachedTarget = static_cast<int>(steps.size());
            if (!steps.empty()) s.meanStepsToTarget = meanAndStd(steps).first;
            out.push_back(s);
        }
    }
    return out;
}

void writeGroupsCsv(const std::string& path, const std::vector<RunSummary>& runs) {
    std::ostringstream out;
    out << "group,param,value,runs,completed,mean_final_test_accuracy,std_final_test_accuracy,"
           "mean_best_test_accuracy,std_best_test_accuracy,mean_seconds,reached_target,"
           "mean_steps_to_target\n";
    for (const GroupSummary& g : summarizeGroups(runs))
        out << csvField(g.group) << ',' << csvField(g.param) << ',' << csvNumber(g.value) << ','
            << g.runs << ',' << g.completed << ',' << csvNumber(g.meanFinalTestAccuracy) << ','
            << csvNumber(g.stdFinalTestAccuracy) << ',' << csvNumber(g.meanBestTestAccuracy) << ','
            << csvNumber(g.stdBestTestAccuracy) << ',' << csvNumber(g.meanSeconds) << ','
            << g.reachedTarget << ','
            << (g.meanStepsToTarget >= 0 ? csvNumber(g.meanStepsToTarget) : std::string()) << '\n';
    writeFileAtomically(path, out.str());
}

void writeSweepCsv(const std::string& path, const std::vector<RunSummary>& runs) {
    std::ostringstream out;
    out << "group,param,value,mean_final_test_accuracy,std_final_test_accuracy,runs\n";
    for (const GroupSummary& g : summarizeGroups(runs))
        out << csvField(g.group) << ',' << csvField(g.param) << ',' << csvNumber(g.value) << ','
            << csvNumber(g.meanFinalTestAccuracy) << ',' << csvNumber(g.stdFinalTestAccuracy) << ','
            << g.completed << '\n';
    writeFileAtomically(path, out.str());
}

} // namespace alig::core
