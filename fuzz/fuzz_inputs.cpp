#include "fuzz_inputs.h"

#include "core/data/cifar_reader.h"
#include "core/data/csv_reader.h"
#include "core/data/idx_reader.h"
#include "core/experiment/experiment_config.h"
#include "core/util/error.h"
#include "fuzz_support.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;

namespace alig::fuzz {

namespace {

// Consumes bytes from the front of an input.
struct Cursor {
    const uint8_t* data;
    size_t size;

    uint64_t take(int bytes) {
        uint64_t v = 0;
        for (int i = 0; i < bytes && size > 0; ++i, ++data, --size)
            v |= uint64_t(*data) << (8 * i);
        return v;
    }
    // At most n bytes; fewer when the input ends.
    std::pair<const uint8_t*, size_t> part(uint64_t n) {
        const size_t k = static_cast<size_t>(std::min<uint64_t>(n, size));
        const auto out = std::make_pair(data, k);
        data += k;
        size -= k;
        return out;
    }
};

// Runs f; an alig::core::Error is an accepted answer, and so is nothing.
template <class F> void expectErrorOrSuccess(F&& f) {
    try {
        f();
    } catch (const core::Error&) {
    }
}

// A fresh folder under the scratch folder.
std::string freshDir(const char* name) {
    const fs::path dir = fs::path(scratchDir()) / name;
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(dir);
    return dir.string();
}

void put(const std::string& dir, const std::string& name, std::pair<const uint8_t*, size_t> p) {
    writeScratch(fs::path(dir).filename().string() + "/" + name, p.first, p.second);
}

} // namespace

void initialize() {
    torch::set_num_threads(1);
}

void feedIdx(const uint8_t* data, size_t size) {
    if (size == 0) return;
    Cursor c{data, size};
    const uint8_t mode = static_cast<uint8_t>(c.take(1));
    if (mode % 2 == 0) {
        const std::string path = writeScratch("input.idx", c.data, c.size);
        expectErrorOrSuccess([&] {
            const torch::Tensor t = core::readIdxFile(path);
            if (t.scalar_type() != torch::kUInt8) std::abort();
        });
        return;
    }
    const std::string dir = freshDir("idx");
    const auto& names = core::idxFileNames();
    for (size_t i = 0; i < names.size(); ++i) {
        const bool last = i + 1 == names.size();
        const auto p = last ? c.part(c.size) : c.part(c.take(2));
        // Odd modes above 2 write the gzip name, so both paths of findIdx are reached.
        put(dir, names[i] + (mode & 2 ? ".gz" : ""), p);
    }
    expectErrorOrSuccess([&] {
        const core::Dataset ds = core::readIdxDataset(dir);
        if (ds.trainX.size(0) != ds.trainY.size(0) || ds.testX.size(0) != ds.testY.size(0))
            std::abort();
    });
}

void feedCifar(const uint8_t* data, size_t size) {
    if (size == 0) return;
    Cursor c{data, size};
    const uint8_t flags = static_cast<uint8_t>(c.take(1));
    const bool hundred = flags & 1;
    const auto train = c.part(c.take(4));
    const auto namesFile = c.part(c.take(2));
    const auto test = c.part(c.size);
    const std::string dir = freshDir("cifar");
    if (hundred) {
        put(dir, "train.bin", train);
        if (flags & 2) put(dir, "fine_label_names.txt", namesFile);
    } else {
        for (int i = 1; i <= 5; ++i)
            put(dir, "data_batch_" + std::to_string(i) + ".bin", train);
        if (flags & 2) put(dir, "batches.meta.txt", namesFile);
    }
    put(dir, hundred ? "test.bin" : "test_batch.bin", test);
    expectErrorOrSuccess([&] {
        const core::Dataset ds = hundred ? core::readCifar100(dir) : core::readCifar10(dir);
        const int64_t classes = hundred ? 100 : 10;
        if (ds.trainY.numel() > 0 && ds.trainY.max().item<int64_t>() >= classes) std::abort();
        if (static_cast<int64_t>(ds.classNames.size()) != classes) std::abort();
    });
}

void feedCsv(const uint8_t* data, size_t size) {
    if (size == 0) return;
    Cursor c{data, size};
    const uint8_t options = static_cast<uint8_t>(c.take(1));
    static const char* headers[] = {"auto", "yes", "no"};
    static const char* labels[] = {"", "0", "label"};
    const std::string header = headers[options % 3];
    const std::string label = labels[(options / 3) % 3];
    const std::string path = writeScratch("input.csv", c.data, c.size);
    expectErrorOrSuccess([&] {
        const core::CsvTable t = core::readCsvTable(path, label, header);
        if (t.features.size(0) != t.rows() || static_cast<int64_t>(t.lines.size()) != t.rows())
            std::abort();
    });
    expectErrorOrSuccess([&] {
        core::DatasetConfig config;
        config.kind = "csv";
        config.path = path;
        config.labelColumn = label;
        config.header = header;
        const core::Dataset ds = core::readCsvDataset(config);
        if (ds.trainX.size(0) != ds.trainY.size(0)) std::abort();
        if (ds.trainY.numel() > 0 &&
            ds.trainY.max().item<int64_t>() >= static_cast<int64_t>(ds.classNames.size()))
            std::abort();
    });
}

void feedConfig(const uint8_t* data, size_t size) {
    const std::string path = writeScratch("config.json", data, size);
    core::ExperimentConfig config;
    try {
        config = core::ExperimentConfig::fromJson(core::readJsonFile(path));
    } catch (const core::Error&) {
        return;
    }
    // What was accepted once must be accepted again, unchanged, from its own JSON: run.json
    // stores toJson() and --resume reads it back.
    const nlohmann::json once = config.toJson();
    core::ExperimentConfig again;
    try {
        again = core::ExperimentConfig::fromJson(once);
    } catch (const core::Error& e) {
        std::fprintf(stderr, "round trip refused: %s\n%s\n", e.what(), once.dump().c_str());
        std::abort();
    }
    if (again.toJson() != once) {
        std::fprintf(stderr, "round trip changed the config:\n%s\n%s\n", once.dump().c_str(),
                     again.toJson().dump().c_str());
        std::abort();
    }
}

} // namespace alig::fuzz
