#include "robustness/bad_input_corpus.h"

#include "common/test_support.h"

#include <nlohmann/json.hpp>
#include <torch/script.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace alig::test {

namespace {

std::string be32(uint32_t v) {
    return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

// An IDX file of unsigned bytes with the given dimensions; `payload` overrides the data.
std::string idx(const std::vector<uint32_t>& dims, const std::string* payload = nullptr) {
    std::string s{0, 0, 8, char(dims.size())};
    uint64_t n = 1;
    for (uint32_t d : dims) {
        s += be32(d);
        n *= d;
    }
    if (payload) return s + *payload;
    for (uint64_t i = 0; i < n; ++i)
        s += char(i % 251);
    return s;
}

// A small, valid MNIST-style folder: 8 training and 4 test images of 4x4, labels 0..3.
void writeIdxSet(const std::string& dir) {
    const std::string train{0, 1, 2, 3, 0, 1, 2, 3}, test{3, 2, 1, 0};
    writeFile(dir + "/train-images-idx3-ubyte", idx({8, 4, 4}));
    writeFile(dir + "/train-labels-idx1-ubyte", idx({8}, &train));
    writeFile(dir + "/t10k-images-idx3-ubyte", idx({4, 4, 4}));
    writeFile(dir + "/t10k-labels-idx1-ubyte", idx({4}, &test));
}

// One CIFAR-10 record per file, labels in range.
void writeCifarSet(const std::string& dir) {
    const std::string record = std::string(1, char(3)) + std::string(3072, char(100));
    for (int i = 1; i <= 5; ++i)
        writeFile(dir + "/data_batch_" + std::to_string(i) + ".bin", record);
    writeFile(dir + "/test_batch.bin", record);
}

// A run of one short epoch; `dataset` and `model` replace the defaults' sections.
json experiment(const std::string& name, json dataset, json model = nullptr) {
    json j = {{"name", name},
              {"dataset", std::move(dataset)},
              {"model", {{"type", "mlp"}, {"hidden", {8}}}},
              {"optimizer", {{"name", "alig"}, {"max_lr", 0.1}}},
              {"training", {{"epochs", 1}, {"batch_size", 4}, {"threads", 1}}}};
    if (!model.is_null()) j["model"] = std::move(model);
    return j;
}

json idxDataset(const std::string& dir) {
    return {{"kind", "idx"}, {"path", dir}};
}

json csvDataset(const std::string& path) {
    return {{"kind", "csv"}, {"path", path}, {"test_fraction", 0.5}};
}

} // namespace

std::vector<BadInput> makeBadInputCorpus(const std::string& root) {
    std::error_code ec;
    fs::remove_all(root, ec);
    fs::create_directories(root);
    std::vector<BadInput> cases;
    // Each case gets its own folder; experiment.json there holds what alig-train reads.
    auto add = [&](const std::string& name, const json& doc, std::vector<std::string> expected) {
        const std::string path = root + "/" + name + "/experiment.json";
        writeFile(path, doc.dump(2));
        cases.push_back({name, path, std::move(expected), false});
    };
    auto addRaw = [&](const std::string& name, const std::string& bytes,
                      std::vector<std::string> expected) {
        const std::string path = root + "/" + name + "/experiment.json";
        writeFile(path, bytes);
        cases.push_back({name, path, std::move(expected), true});
    };
    auto dirOf = [&](const std::string& name) { return root + "/" + name + "/data"; };

    // --- IDX ---------------------------------------------------------------------------
    {
        const std::string d = dirOf("idx-truncated");
        writeIdxSet(d);
        const std::string full = idx({8, 4, 4});
        writeFile(d + "/train-images-idx3-ubyte", full.substr(0, full.size() - 5));
        add("idx-truncated", experiment("idx-truncated", idxDataset(d)),
            {"train-images-idx3-ubyte", "truncated"});
    }
    {
        const std::string d = dirOf("idx-empty");
        writeIdxSet(d);
        writeFile(d + "/t10k-labels-idx1-ubyte", "");
        add("idx-empty", experiment("idx-empty", idxDataset(d)),
            {"t10k-labels-idx1-ubyte", "empty file"});
    }
    {
        const std::string d = dirOf("idx-wrong-magic");
        writeIdxSet(d);
        writeFile(d + "/train-labels-idx1-ubyte", "PK\x03\x04 this is a zip, not IDX");
        add("idx-wrong-magic", experiment("idx-wrong-magic", idxDataset(d)),
            {"train-labels-idx1-ubyte", "wrong magic number"});
    }
    {
        // A header that claims three billion images: refused from the file's size, before
        // anything of that size is allocated.
        const std::string d = dirOf("idx-billions");
        writeIdxSet(d);
        const std::string body(1000, '\x7f');
        writeFile(d + "/train-images-idx3-ubyte", idx({3000000000u, 28, 28}, &body));
        add("idx-billions", experiment("idx-billions", idxDataset(d)),
            {"train-images-idx3-ubyte", "3000000000 images", "truncated"});
    }
    {
        const std::string d = dirOf("idx-billions-gz");
        writeIdxSet(d);
        fs::remove(d + "/train-images-idx3-ubyte");
        const std::string body(1000, '\x7f');
        writeFile(d + "/train-images-idx3-ubyte.gz", gzip(idx({3000000000u, 28, 28}, &body)));
        add("idx-billions-gz", experiment("idx-billions-gz", idxDataset(d)),
            {"train-images-idx3-ubyte.gz", "3000000000 images", "decompresses to at most"});
    }
    {
        const std::string d = dirOf("idx-counts-disagree");
        writeIdxSet(d);
        const std::string seven{0, 1, 2, 3, 0, 1, 2};
        writeFile(d + "/train-labels-idx1-ubyte", idx({7}, &seven));
        add("idx-counts-disagree", experiment("idx-counts-disagree", idxDataset(d)),
            {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "counts disagree"});
    }

    // --- CIFAR ---------------------------------------------------------------------------
    {
        const std::string d = dirOf("cifar-wrong-length");
        writeCifarSet(d);
        writeFile(d + "/data_batch_2.bin", std::string(3073 * 2 + 5, '\x01'));
        add("cifar-wrong-length",
            experiment("cifar-wrong-length", {{"kind", "cifar10"}, {"path", d}}),
            {"data_batch_2.bin", "not a multiple of the 3073-byte record size"});
    }
    {
        const std::string d = dirOf("cifar-missing-file");
        writeCifarSet(d);
        fs::remove(d + "/test_batch.bin");
        add("cifar-missing-file",
            experiment("cifar-missing-file", {{"kind", "cifar10"}, {"path", d}}),
            {"CIFAR-10 not found in", "test_batch.bin"});
    }

    // --- CSV -----------------------------------------------------------------------------
    auto csvCase = [&](const std::string& name, const std::string& text,
                       std::vector<std::string> expected, json extra = json::object()) {
        const std::string path = dirOf(name) + "/table.csv";
        writeFile(path, text);
        json dataset = csvDataset(path);
        dataset.update(extra);
        add(name, experiment(name, dataset), std::move(expected));
    };
    const std::string good = "x,y,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n";
    csvCase("csv-text-in-number", good + "9,ten,0\n",
            {"table.csv:6:", "'ten' in numeric column 'y' is not a number"});
    csvCase("csv-ragged", "x,y,label\n1,2,0\n3,4\n5,6,0\n",
            {"table.csv:3", "expected 3 fields", "found 2"});
    csvCase("csv-missing-label", good, {"table.csv", "no column named 'target'"},
            {{"label_column", "target"}});
    csvCase("csv-label-out-of-range", good + "9,10,123456\n",
            {"table.csv:6", "label 123456 is out of range"});
    csvCase("csv-nan", good + "nan,1,0\n", {"table.csv:6:", "'nan'", "NaN or infinite"});
    csvCase("csv-infinite", good + "1,inf,0\n", {"table.csv:6:", "'inf'", "NaN or infinite"});
    csvCase("csv-empty", "", {"table.csv", "empty file"});

    // --- experiment files ------------------------------------------------------------------
    addRaw("config-wrong-type", R"({"training": {"epochs": "ten"}})",
           {"experiment.json", "training.epochs: must be", "\"ten\""});
    addRaw("config-unknown-key", R"({"optimiser": {"name": "alig"}})",
           {"experiment.json", "optimiser", "unknown key"});
    addRaw("config-out-of-range", R"({"optimizer": {"momentum": 1.5}})",
           {"experiment.json", "optimizer.momentum: must be in [0, 1), got 1.5"});
    addRaw("config-negative-epochs", R"({"training": {"epochs": -3}})",
           {"experiment.json", "training.epochs"});
    addRaw("config-not-json", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16),
           {"experiment.json:1:"});
    // Valid syntax, but a number beyond double's range (found by fuzz_config).
    addRaw("config-number-overflow", R"({"training": {"epochs": 1e999}})",
           {"experiment.json", "number overflow"});
    // Brackets nested 200000 deep: describing the value must not overflow the stack.
    addRaw("config-deep-nesting", std::string(200000, '[') + std::string(200000, ']'),
           {"experiment.json", "top level: must be an object", "[[[[..."});
    addRaw("config-not-an-object", "[1, 2, 3]",
           {"experiment.json", "top level: must be an object", "[1,2,3]"});
    addRaw("config-empty", "", {"experiment.json", "empty file"});
    {
        // Over the 16 MiB limit: refused from its size, not read.
        const std::string path = root + "/config-huge/experiment.json";
        writeFile(path, "{\"name\": \"");
        fs::resize_file(path, 17u * 1024 * 1024);
        cases.push_back({"config-huge", path, {"experiment.json", "too large for a config"}, true});
    }
    // A field left out that this experiment needs: a CSV set without its file.
    // Validation refuses it as the file is read, with the rest of the experiment's checks.
    add("config-missing-path", experiment("config-missing-path", {{"kind", "csv"}}),
        {"dataset.path", "needs the CSV file's path"});
    cases.back().badExperiment = true;

    // --- TorchScript -------------------------------------------------------------------------
    json spirals = {{"kind", "spirals"}, {"samples", 64}};
    {
        const std::string path = dirOf("torchscript-not-a-model") + "/model.pt";
        writeFile(path, "def forward(self, x): return x  # text, not an archive\n");
        add("torchscript-not-a-model",
            experiment("torchscript-not-a-model", spirals,
                       {{"type", "torchscript"}, {"path", path}}),
            {"model.pt", "not a TorchScript archive"});
    }
    {
        const std::string path = dirOf("torchscript-no-parameters") + "/model.pt";
        fs::create_directories(fs::path(path).parent_path());
        torch::jit::Module net("Net");
        net.define("def forward(self, x):\n    return x.flatten(1)\n");
        net.save(path);
        add("torchscript-no-parameters",
            experiment("torchscript-no-parameters", spirals,
                       {{"type", "torchscript"}, {"path", path}}),
            {"model.pt", "has no trainable parameters"});
    }

    // --- output ------------------------------------------------------------------------------
    {
        // A folder that cannot be made: its parent is a file.
        const std::string blocker = root + "/output-unwritable/not-a-folder";
        writeFile(blocker, "a file where a folder should be");
        json doc = experiment("output-unwritable", spirals);
        doc["output"] = {{"dir", blocker + "/run"}};
        add("output-unwritable", doc, {"not-a-folder/run", "cannot create the run folder"});
    }
    return cases;
}

} // namespace alig::test
