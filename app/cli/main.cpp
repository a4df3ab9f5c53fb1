// alig-train: the headless runner. Parses the command line, builds the experiment's config
// and hands it to core's RunSession; everything else lives in core/.

#include "batch_command.h"
#include "core/distributed/communicator.h"
#include "core/distributed/distributed_env.h"
#include "core/distributed/local_launcher.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/run_session.h"
#include "core/experiment/tensorboard_writer.h"
#include "core/models/model.h"
#include "core/optim/optimizer_catalogue.h"
#include "core/train/blas_kernel.h"
#include "core/train/device.h"
#include "core/train/progress_printer.h"
#include "core/train/runtime_env.h"
#include "core/util/error.h"
#include "core/util/write_error.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <torch/torch.h>
#include <torch/version.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

namespace {

// Exit codes: 0 trained to the end, 1 the run failed or diverged, 2 bad input,
// 130 stopped by Ctrl-C or SIGTERM, 129 by SIGHUP (what was recorded is kept).
constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitInterrupted = 130;
constexpr int kExitHangUp = 129;

// The signal that asked the run to stop (0: none). Set by the handler, read by a watcher
// thread that stops the trainer between steps.
volatile std::sig_atomic_t g_signal = 0;
extern "C" void onSignal(int signal) {
    g_signal = signal;
}

// SIGINT, SIGTERM and SIGHUP stop the run cleanly from the moment this is called (data
// loading included); a closed stdout (`| head`) ends the printing, not the run; a file that
// reaches a size limit (ulimit -f) fails its write with EFBIG, which the run reports.
void installSignalHandlers() {
    struct sigaction stop {};
    stop.sa_handler = onSignal;
    sigemptyset(&stop.sa_mask);
    for (int signal : {SIGINT, SIGTERM, SIGHUP})
        sigaction(signal, &stop, nullptr);
}

std::string versionText() {
    std::string blas = alig::core::blasCoreName();
    return std::string("alig-train ") + ALIG_VERSION + " (LibTorch " + TORCH_VERSION +
           (blas.empty() ? ", reference BLAS" : ", OpenBLAS " + blas) +
           (alig::core::distributedSupported() ? ", data parallel" : "") + ")\nBLAS kernel " +
           alig::core::blasKernelReport();
}

// The command line less --nproc and its value, for the ranks --nproc starts.
std::vector<std::string> argsWithoutNproc(int argc, char** argv) {
    std::vector<std::string> args;
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--nproc") {
            ++i;
            continue;
        }
        if (a.rfind("--nproc=", 0) == 0) continue;
        args.push_back(a);
    }
    return args;
}

// Data parallel: "auto" and "cuda" mean this rank's own GPU (cuda:LOCAL_RANK).
std::string rankDevice(const std::string& spec, const alig::core::DistributedEnv& env) {
    const torch::Device device = alig::core::resolveDevice(spec);
    if (device.is_cuda() && (spec == "auto" || spec == "cuda"))
        return alig::core::resolveDevice("cuda:" + std::to_string(env.localRank)).str();
    return device.str();
}

} // namespace

int main(int argc, char** argv) {
    using namespace alig::core;
    prepareRuntimeEnvironment(argv);
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGXFSZ, SIG_IGN);
    CLI::App app{"Train a model with ALI-G (or a baseline) without a window.\n"
                 "Starts from the default preset (" +
                 std::string(kDefaultPreset) +
                 ") unless a CONFIG\n"
                 "file or --preset is given; --set changes any field."};
    app.set_version_flag("--version", versionText());

    std::string configPath, presetName, outDir, resumeDir, device;
    std::vector<std::string> overrides;
    int64_t epochs = 0, threads = -1, nproc = 0, distTimeout = 0;
    bool quiet = false, listPresetsFlag = false, printConfig = false, repair = false,
         listOptimizersFlag = false, tensorboard = false;
    app.add_option("CONFIG", configPath,
                   "Experiment file (JSON; --print-config writes one with every field)")
        ->type_name("FILE");
    app.add_option("--preset", presetName, "Start from a preset (see --list-presets)")
        ->type_name("NAME");
    app.add_option("--set", overrides,
                   "Change one field: key.path=value (repeatable), "
                   "e.g. --set optimizer.max_lr=0.05")
        ->type_name("KEY=VALUE")
        ->take_all();
    app.add_option("--out", outDir,
                   "Run folder (default: a new one under "
                   "~/.local/share/alig-studio/runs)")
        ->type_name("DIR");
    app.add_option("--epochs", epochs,
                   "Number of epochs, at least 1 (with --resume: train up to epoch N)")
        ->type_name("N")
        ->check(CLI::PositiveNumber.description(""));
    app.add_option("--device", device, "auto, cpu, cuda or cuda:N")->type_name("DEVICE");
    app.add_option("--threads", threads, "CPU threads for LibTorch and OpenBLAS (0: all cores)")
        ->type_name("N")
        ->check(CLI::NonNegativeNumber.description(""));
    app.add_flag("--tensorboard", tensorboard,
                 "Also write TensorBoard events (events.out.tfevents.*) in the run folder "
                 "(output.tensorboard)");
    app.add_flag("--quiet,-q", quiet, "Print only the epoch lines and the summary");
    app.add_option("--resume", resumeDir, "Continue a run folder from its last checkpoint")
        ->type_name("DIR");
    app.add_flag("--repair", repair,
                 "With --resume: when the folder is damaged (a checkpoint that fails its "
                 "checksum, rows missing before it), drop its checkpoint and rows and train "
                 "again from the start, saying what was dropped");
    app.add_option("--nproc", nproc,
                   "Train data parallel in N local processes (torch.distributed, Gloo on CPU, "
                   "NCCL on CUDA); the batch size is per process. torchrun --no-python works too")
        ->type_name("N")
        ->check(CLI::PositiveNumber.description(""));
    app.add_option("--dist-timeout", distTimeout,
                   "Data parallel: seconds to wait for the other processes before giving up "
                   "(default 600)")
        ->type_name("S")
        ->check(CLI::PositiveNumber.description(""));
    app.add_flag("--list-presets", listPresetsFlag, "List the presets and exit");
    app.add_flag("--list-optimizers", listOptimizersFlag,
                 "List the optimizers, each with its step-size option and the fields it reads, "
                 "and exit");
    app.add_flag("--print-config", printConfig,
                 "Print the resolved experiment (every field) and exit");
    BatchOptions compareOptions, sweepOptions;
    CLI::App* compare = app.add_subcommand(
        "compare", "Train several optimizer settings from the same initial weights and data "
                   "order, then summarise (summary.csv and a table)");
    addBatchOptions(compare, compareOptions);
    compare
        ->add_option("--optimizers", compareOptions.optimizers,
                     "Comma-separated settings, each name:key=value:..., e.g. "
                     "alig:max_lr=0.1,sgd:lr=0.1,adam:lr=1e-3")
        ->required();
    CLI::App* sweep = app.add_subcommand(
        "sweep", "Train a grid of values of one setting (and seeds), write summary.csv and "
                 "sweep.csv, and plot the final test accuracy against the value");
    addBatchOptions(sweep, sweepOptions);
    sweepOptions.sweep = true;
    sweep
        ->add_option("--param", sweepOptions.param,
                     "The swept key, e.g. optimizer.max_lr; learning_rate sweeps each "
                     "method's own step-size option (max_lr, lr or alpha: see "
                     "--list-optimizers)")
        ->required();
    sweep
        ->add_option("--values", sweepOptions.values, "Values: 1e-3,1e-2,0.1 or logspace:1e-3:10:9")
        ->required();
    sweep->add_option("--optimizers", sweepOptions.optimizers,
                      "One curve per setting (default: the base experiment's optimizer)");
    std::vector<std::string> exportDirs;
    CLI::App* exportTb = app.add_subcommand(
        "export-tensorboard", "Write TensorBoard events (events.out.tfevents.*.alig-export) "
                              "into run folders recorded without --tensorboard");
    exportTb->add_option("RUN_DIR", exportDirs, "Run folders")->required()->type_name("DIR");

    app.footer("Exit codes: 0 trained to the end, 1 the run failed or diverged, 2 bad input,\n"
               "130 stopped with Ctrl-C or SIGTERM, 129 with SIGHUP (what was recorded is\n"
               "kept). See alig-train(1).");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : kExitBadInput;
    }

    std::optional<DistributedEnv> dist;
    try {
        if (nproc > 0) {
            if (std::getenv("WORLD_SIZE"))
                throw Error("--nproc starts its own processes; it cannot run inside a job that "
                            "already set WORLD_SIZE (torchrun, srun)");
            if (*compare || *sweep || listPresetsFlag || printConfig)
                throw Error("--nproc trains one experiment; compare, sweep, --list-presets and "
                            "--print-config run in one process");
            if (nproc > 1) {
                std::fflush(stdout);
                return launchLocalRanks(argsWithoutNproc(argc, argv), static_cast<int>(nproc));
            }
        }
        dist = distributedEnvFromEnvironment();
        if (dist && distTimeout > 0) dist->timeout = std::chrono::seconds(distTimeout);
        if (dist && (*compare || *sweep))
            throw Error("compare and sweep train in one process; launch them without "
                        "WORLD_SIZE > 1");
    } catch (const Error& e) {
        std::fprintf(stderr, "alig-train: %s\n", e.what());
        return kExitBadInput;
    }
    if (*exportTb) {
        // Every folder is tried; the exit code says whether any failed.
        int status = 0;
        for (const auto& dir : exportDirs) {
            try {
                std::printf("%s\n", exportTensorBoard(dir).c_str());
            } catch (const WriteError& e) {
                std::fprintf(stderr, "alig-train: %s\n", e.what());
                status = kExitFailed;
            } catch (const Error& e) {
                std::fprintf(stderr, "alig-train: %s\n", e.what());
                status = std::max(status, kExitBadInput);
            }
        }
        return status;
    }
    const bool leader = !dist || dist->isLeader();
    const std::string who =
        dist ? std::string("alig-train [") + dist->label() + "]" : std::string("alig-train");
    std::unique_ptr<Communicator> communicator;

    try {
        // Options that do one thing each: refused together rather than one silently ignored.
        if (!resumeDir.empty() && printConfig)
            throw Error("--print-config prints a new experiment; it cannot be combined with "
                        "--resume (the run's config is in " +
                        resumeDir + "/run.json)");
        if (!resumeDir.empty() && listPresetsFlag)
            throw Error("--list-presets cannot be combined with --resume");
        if (repair && resumeDir.empty())
            throw Error("--repair mends a run folder for --resume; give --resume DIR");
        if ((*compare || *sweep) && (!resumeDir.empty() || printConfig || listPresetsFlag))
            throw Error("compare and sweep take no --resume, --print-config or --list-presets");
    } catch (const Error& e) {
        std::fprintf(stderr, "%s: %s\n", who.c_str(), e.what());
        return kExitBadInput;
    }

    // From here a signal stops the run cleanly, even while the data loads: the watcher
    // stops the trainer as soon as there is one.
    std::atomic<Trainer*> trainer{nullptr};
    std::atomic<bool> done{false};
    std::thread watcher;
    const bool single =
        !*compare && !*sweep && !listPresetsFlag && !printConfig && !listOptimizersFlag;
    if (single) {
        installSignalHandlers();
        watcher = std::thread([&] {
            while (!done) {
                Trainer* t = trainer.load();
                if (g_signal != 0 && t) {
                    t->stop();
                    return;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        });
    }
    struct JoinAtExit {
        std::atomic<bool>& done;
        std::thread& t;
        ~JoinAtExit() {
            done = true;
            if (t.joinable()) t.join();
        }
    } joinAtExit{done, watcher};

    try {
        if (*compare) return runBatch(compareOptions);
        if (*sweep) return runBatch(sweepOptions);
        if (listOptimizersFlag) {
            std::printf("%s", optimizerCatalogueMarkdown().c_str());
            return 0;
        }
        if (listPresetsFlag) {
            for (const auto& p : listPresets())
                std::printf("%-28s %s\n", p.name.c_str(), p.description.c_str());
            return 0;
        }

        std::unique_ptr<RunSession> session;
        if (!resumeDir.empty()) {
            if (!configPath.empty() || !presetName.empty() || !overrides.empty() ||
                !outDir.empty() || tensorboard)
                throw Error("--resume continues a run as it was configured: it takes only "
                            "--epochs, --device, --threads, --nproc and --quiet");
            if (dist) {
                if (device.empty()) {
                    const auto info = readJsonFile(resumeDir + "/run.json");
                    device = info.value("config", nlohmann::json::object())
                                 .value("training", nlohmann::json::object())
                                 .value("device", std::string("auto"));
                }
                device = rankDevice(device, *dist);
                if (threads < 0)
                    threads = std::max<int64_t>(1, std::thread::hardware_concurrency() /
                                                       dist->localWorldSize);
                communicator = connectProcessGroup(*dist, resolveDevice(device));
            }
            session = RunSession::resume(
                resumeDir, epochs > 0 ? std::optional<int64_t>(epochs) : std::nullopt,
                device.empty() ? std::nullopt : std::optional<std::string>(device),
                threads >= 0 ? std::optional<int64_t>(threads) : std::nullopt, communicator.get(),
                repair);
        } else {
            if (!configPath.empty() && !presetName.empty())
                throw Error("give either a CONFIG file or --preset, not both");
            nlohmann::json doc = !configPath.empty()
                                     ? readJsonObjectFile(configPath)
                                     : loadPreset(presetName.empty() ? kDefaultPreset : presetName);
            for (const auto& o : overrides)
                applyOverride(doc, o);
            if (epochs > 0) applyOverride(doc, "training.epochs=" + std::to_string(epochs));
            if (!device.empty()) doc["training"]["device"] = device;
            if (threads >= 0) applyOverride(doc, "training.threads=" + std::to_string(threads));
            if (!outDir.empty()) doc["output"]["dir"] = outDir;
            if (tensorboard) doc["output"]["tensorboard"] = true;
            ExperimentConfig config;
            try {
                config = ExperimentConfig::fromJson(doc);
            } catch (const Error& e) {
                throw Error((configPath.empty() ? std::string("preset") : configPath) + ": " +
                            e.what());
            }
            if (printConfig) {
                std::printf("%s\n", config.toJson().dump(2).c_str());
                return 0;
            }
            SessionOptions options;
            if (dist) {
                config.training.device = rankDevice(config.training.device, *dist);
                // The processes of one machine share its cores.
                if (threads < 0 && config.training.threads == 0)
                    config.training.threads = std::max<int64_t>(
                        1, std::thread::hardware_concurrency() / dist->localWorldSize);
                communicator = connectProcessGroup(*dist, resolveDevice(config.training.device));
                options.communicator = communicator.get();
            }
            session = RunSession::create(config, options);
        }

        for (const auto& note : session->notes())
            std::fprintf(stderr, "%s: %s\n", who.c_str(), note.c_str());
        const auto& d = session->dataset();
        // Data parallel: rank 0 alone prints progress (and writes the run folder).
        if (!leader) {
            std::fflush(stdout);
            if (std::freopen("/dev/null", "w", stdout) == nullptr) return kExitFailed;
        }
        std::printf("%s\n", versionText().c_str());
        std::printf("experiment  %s\n", session->config().name.c_str());
        std::printf("dataset     %s: %lld train, %lld test, %lld classes (%s)\n", d.name.c_str(),
                    static_cast<long long>(d.trainSize()), static_cast<long long>(d.testSize()),
                    static_cast<long long>(d.numClasses()), d.source.c_str());
        std::printf("model       %s, %lld parameters\n", session->model().describe().c_str(),
                    static_cast<long long>(session->model().parameterCount()));
        const auto& o = session->config().optimizer;
        std::printf("optimizer   %s\n", describeOptimizer(o).c_str());
        std::printf("training    %lld epochs, batch %lld, seed %llu, %s, %d threads (OpenMP "
                    "wait policy %s)\n",
                    static_cast<long long>(session->config().training.epochs),
                    static_cast<long long>(session->config().training.batchSize),
                    static_cast<unsigned long long>(session->config().training.seed),
                    session->trainer().device().str().c_str(), session->threads(),
                    *ompWaitPolicy() ? ompWaitPolicy() : "default");
        std::printf("blas        %s\n", blasKernelReport().c_str());
        if (communicator)
            std::printf("data par.   %d processes (%s), batch %lld per process = %lld per step\n",
                        communicator->worldSize(), communicator->backend().c_str(),
                        static_cast<long long>(session->config().training.batchSize),
                        static_cast<long long>(session->config().training.batchSize *
                                               communicator->worldSize()));
        std::printf("run folder  %s\n", session->runDir().c_str());
        std::fflush(stdout);

        ProgressPrinter printer(stdout, quiet);
        session->trainer().addObserver(&printer);

        // A signal during start-up: the run stops before its first step, and says so.
        trainer = &session->trainer();
        if (g_signal != 0) session->trainer().stop();
        const RunResult result = session->run();
        done = true;
        if (watcher.joinable()) watcher.join();
        std::printf("run folder  %s\n", session->runDir().c_str());
        std::fflush(stdout);

        switch (result.status) {
        case RunStatus::Completed:
            return 0;
        case RunStatus::Stopped:
            return g_signal == SIGHUP ? kExitHangUp : kExitInterrupted;
        default:
            std::fprintf(stderr, "%s: %s\n", who.c_str(), result.message.c_str());
            return kExitFailed;
        }
    } catch (const WriteError& e) {
        // A full disk or a size limit: the run failed; the input was fine.
        std::fprintf(stderr, "%s: %s\n", who.c_str(), e.what());
        return kExitFailed;
    } catch (const Error& e) {
        std::fprintf(stderr, "%s: %s\n", who.c_str(), e.what());
        // A data-parallel job that lost a process is a failure, not bad input.
        return dist && std::string(e.what()).rfind("data parallel", 0) == 0 ? kExitFailed
                                                                            : kExitBadInput;
    } catch (const c10::Error& e) {
        std::fprintf(stderr, "%s: %s\n", who.c_str(), e.what_without_backtrace());
        return kExitBadInput;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", who.c_str(), e.what());
        return kExitBadInput;
    }
}
