#include "batch_command.h"

#include "core/experiment/comparison.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/run_store.h"
#include "core/util/error.h"
#include "core/util/paths.h"
#include "core/util/run_lock.h"

#include <nlohmann/json.hpp>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>

namespace fs = std::filesystem;
using namespace alig::core;

extern char** environ;

namespace {

std::string defaultParent(const std::string& name, const char* kind) {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    return (fs::path(defaultRunsDir()) /
            (std::string(stamp) + "-" + kind + "-" + safeFolderName(name)))
        .string();
}

std::string percent(double v) {
    if (std::isnan(v)) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * v);
    return buf;
}

void printTable(const std::vector<RunSummary>& runs, double target) {
    int w = 3;
    for (const auto& r : runs)
        w = std::max(w, static_cast<int>(r.label.size()));
    std::printf("\n%-*s %-10s %9s %9s %9s %10s %8s\n", w, "run", "status", "final acc", "best acc",
                "time s", "steps to", "clipped");
    std::printf("%-*s %-10s %9s %9s %9s %10s %8s\n", w, "", "", "(test)", "(test)", "",
                percent(target).c_str(), "");
    for (const auto& r : runs)
        std::printf("%-*s %-10s %9s %9s %9.1f %10s %8s\n", w, r.label.c_str(),
                    runStatusName(r.status).c_str(), percent(r.finalTestAccuracy).c_str(),
                    percent(r.bestTestAccuracy).c_str(), r.seconds,
                    r.stepsToTarget >= 0 ? std::to_string(r.stepsToTarget).c_str() : "-",
                    percent(r.clippedFraction).c_str());
}

// Per setting over its seeds: mean ± sample standard deviation.
void printGroups(const std::vector<RunSummary>& runs) {
    const auto groups = summarizeGroups(runs);
    int w = 7;
    auto name = [](const GroupSummary& g) {
        if (g.param.empty() || std::isnan(g.value)) return g.group;
        char value[32];
        std::snprintf(value, sizeof value, "%g", g.value);
        return g.group + " " + g.param + "=" + value;
    };
    for (const auto& g : groups)
        w = std::max(w, static_cast<int>(name(g).size()));
    std::printf("\n%-*s %5s %20s %20s\n", w, "setting", "runs", "final test acc", "best test acc");
    for (const auto& g : groups) {
        auto pm = [](double mean, double sd) {
            if (std::isnan(mean)) return std::string("-");
            char buf[48];
            std::snprintf(buf, sizeof buf, "%.2f ± %.2f %%", 100.0 * mean, 100.0 * sd);
            return std::string(buf);
        };
        std::printf("%-*s %2d/%-2d %20s %20s\n", w, name(g).c_str(), g.completed, g.runs,
                    pm(g.meanFinalTestAccuracy, g.stdFinalTestAccuracy).c_str(),
                    pm(g.meanBestTestAccuracy, g.stdBestTestAccuracy).c_str());
    }
}

// The sweep plot is drawn by alig-studio (QCustomPlot, offscreen) when it is installed
// beside alig-train: the runner itself stays free of Qt.
void renderSweepPlot(const std::string& csv, const std::string& base) {
    const fs::path self = fs::canonical("/proc/self/exe");
    fs::path studio;
    // The window's program sits beside this one (libexec/alig-studio, app/launcher).
    for (const fs::path& candidate : {self.parent_path() / "alig-studio-program"})
        if (fs::exists(candidate)) {
            studio = candidate;
            break;
        }
    if (studio.empty()) {
        std::printf("plot        not drawn: alig-studio is not installed beside alig-train "
                    "(draw it later with: alig-studio --plot-sweep %s)\n",
                    csv.c_str());
        return;
    }
    setenv("QT_QPA_PLATFORM", "offscreen", 0);
    std::vector<std::string> args{studio.string(), "--plot-sweep", csv, "--plot-out", base};
    std::vector<char*> argvv;
    for (auto& a : args)
        argvv.push_back(a.data());
    argvv.push_back(nullptr);
    pid_t pid = 0;
    int status = 0;
    if (posix_spawn(&pid, argvv[0], nullptr, nullptr, argvv.data(), environ) != 0 ||
        waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "alig-train: drawing the sweep plot failed\n");
        return;
    }
    std::printf("plot        %s.png, %s.pdf\n", base.c_str(), base.c_str());
}

} // namespace

void addBatchOptions(CLI::App* c, BatchOptions& o) {
    c->add_option("CONFIG", o.configPath, "Base experiment (JSON); default: the default preset");
    c->add_option("--preset", o.presetName, "Base experiment from a preset");
    c->add_option("--set", o.overrides, "Change one field of the base: key.path=value")->take_all();
    c->add_option("--epochs", o.epochs, "Epochs of every run")->check(CLI::PositiveNumber);
    c->add_option("--threads", o.threads, "CPU threads (0: all cores)")
        ->check(CLI::NonNegativeNumber);
    c->add_option("--out", o.outDir, "Folder for the runs and the summary");
    c->add_option("--seeds", o.seeds, "Runs per setting, with seeds seed, seed+1, ...")
        ->check(CLI::PositiveNumber);
    c->add_option("--parallel", o.parallel,
                  "Runs training at once (1: one after another, fully reproducible; more: "
                  "same data order and initial weights, but dropout and augmentation draw "
                  "from a shared generator)")
        ->check(CLI::PositiveNumber);
    c->add_option("--target-accuracy", o.targetAccuracy,
                  "Training accuracy whose first epoch is reported as 'steps to'")
        ->check(CLI::Range(0.0, 1.0));
}

int runBatch(const BatchOptions& o) {
    if (!o.configPath.empty() && !o.presetName.empty())
        throw Error("give either a CONFIG file or --preset, not both");
    nlohmann::json base = !o.configPath.empty()
                              ? readJsonObjectFile(o.configPath)
                              : loadPreset(o.presetName.empty() ? kDefaultPreset : o.presetName);
    for (const auto& s : o.overrides)
        applyOverride(base, s);
    if (o.epochs > 0) applyOverride(base, "training.epochs=" + std::to_string(o.epochs));
    if (o.threads >= 0) applyOverride(base, "training.threads=" + std::to_string(o.threads));
    base["output"]["dir"] = "";
    const ExperimentConfig baseConfig = ExperimentConfig::fromJson(base);

    const std::vector<OptimizerSpec> specs =
        o.optimizers.empty() ? std::vector<OptimizerSpec>{} : parseOptimizerSpecs(o.optimizers);
    if (!o.sweep && specs.empty())
        throw Error("compare: --optimizers is required, e.g. "
                    "--optimizers alig:max_lr=0.1,sgd:lr=0.1,adam:lr=1e-3");
    std::vector<double> values;
    if (o.sweep) values = parseSweepValues(o.values);
    const std::string parent = !o.outDir.empty()
                                   ? o.outDir
                                   : defaultParent(baseConfig.name, o.sweep ? "sweep" : "compare");
    if (fs::exists(fs::path(parent) / "summary.csv"))
        throw Error(parent + ": already holds a comparison; choose another --out");
    const auto plan = planRuns(base, specs, o.param, values, o.seeds, parent);
    fs::create_directories(parent);
    // One batch per folder: a second compare on the same --out is refused while this one
    // runs, and checked again under the lock once this one is done.
    const RunLock lock(parent);
    if (fs::exists(fs::path(parent) / "summary.csv"))
        throw Error(parent + ": already holds a comparison; choose another --out");
    // The window reopens the folder as a batch (View > Open Batch, or at its next start).
    writeBatchRecord(parent,
                     {{"kind", o.sweep ? "sweep" : "compare"},
                      {"optimizers", o.optimizers},
                      {"param", o.sweep ? o.param : std::string()},
                      {"values", o.sweep ? o.values : std::string()},
                      {"seeds", o.seeds},
                      {"parallel", o.parallel},
                      {"target_accuracy", o.targetAccuracy}},
                     base, plan);

    std::printf("%s %zu runs of %s into %s (%d at a time)\n",
                o.sweep ? "sweep:" : "compare:", plan.size(), baseConfig.name.c_str(),
                parent.c_str(), o.parallel);
    std::fflush(stdout);
    const auto runs =
        runAll(plan, o.parallel, o.targetAccuracy, [&](const RunSummary& r, size_t done) {
            std::printf("[%zu/%zu] %-40s %-9s final test acc %s in %.1f s\n", done, plan.size(),
                        r.label.c_str(), runStatusName(r.status).c_str(),
                        percent(r.finalTestAccuracy).c_str(), r.seconds);
            std::fflush(stdout);
        });
    const std::string summary = (fs::path(parent) / "summary.csv").string();
    writeSummaryCsv(summary, runs);
    const std::string groups = (fs::path(parent) / "groups.csv").string();
    writeGroupsCsv(groups, runs);
    printTable(runs, o.targetAccuracy);
    if (o.seeds > 1) printGroups(runs);
    std::printf("\nsummary     %s\ngroups      %s\n", summary.c_str(), groups.c_str());
    if (o.sweep) {
        const std::string sweepCsv = (fs::path(parent) / "sweep.csv").string();
        writeSweepCsv(sweepCsv, runs);
        std::printf("sweep       %s\n", sweepCsv.c_str());
        renderSweepPlot(sweepCsv, (fs::path(parent) / "sweep").string());
    }
    bool allCompleted = true;
    for (const auto& r : runs) {
        allCompleted = allCompleted && r.status == RunStatus::Completed;
        if (r.status == RunStatus::Failed || r.status == RunStatus::Diverged)
            std::fprintf(stderr, "alig-train: %s: %s\n", r.label.c_str(), r.message.c_str());
    }
    return allCompleted ? 0 : 1;
}
