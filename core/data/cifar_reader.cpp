#include "core/data/cifar_reader.h"

#include "core/util/error.h"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace alig::core {

namespace {

constexpr int64_t kPixels = 3 * 32 * 32;

// One CIFAR flavour: its files, record layout and where its class names live.
struct CifarFormat {
    std::string name;
    std::string subfolder;
    std::vector<std::string> trainFiles;
    std::string testFile;
    int64_t labelBytes;  // 1 (CIFAR-10) or 2 (CIFAR-100: coarse, fine)
    int64_t labelOffset; // which of the label bytes is the class
    int64_t classes;
    std::string namesFile;
    std::string download;
};

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// The directory that holds the files: dir itself or its usual subfolder.
std::string locate(const CifarFormat& f, const std::string& dir) {
    if (dir.empty()) throw Error(f.name + ": no directory given (" + f.download + ")");
    std::error_code ec;
    for (const fs::path& candidate : {fs::path(dir), fs::path(dir) / f.subfolder}) {
        bool all = fs::is_regular_file(candidate / f.testFile, ec);
        for (const auto& t : f.trainFiles)
            all = all && fs::is_regular_file(candidate / t, ec);
        if (all) return candidate.string();
    }
    std::string files;
    for (const auto& t : f.trainFiles)
        files += t + ", ";
    files += f.testFile;
    throw Error(f.name + " not found in " + dir + ": expected " + files +
                " there or in its subfolder " + f.subfolder + " (" + f.download + ")");
}

// Reads whole records of one file into [records, recordSize] bytes.
torch::Tensor readRecords(const std::string& path, int64_t recordSize) {
    std::error_code ec;
    const uint64_t size = fs::file_size(path, ec);
    if (ec) throw Error(path + ": cannot read its size (" + ec.message() + ")");
    if (size == 0) throw Error(path + ": empty file");
    if (size % recordSize != 0)
        throw Error(path + ": length " + std::to_string(size) + " bytes is not a multiple of the " +
                    std::to_string(recordSize) + "-byte record size: the file is truncated or " +
                    "not in the binary format");
    const int64_t records = static_cast<int64_t>(size / recordSize);
    torch::Tensor out = torch::empty({records, recordSize}, torch::kUInt8);
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(out.data_ptr<uint8_t>()), static_cast<std::streamsize>(size));
    if (!in || static_cast<uint64_t>(in.gcount()) != size) throw Error(path + ": read error");
    return out;
}

std::vector<std::string> readClassNames(const CifarFormat& f, const std::string& dir,
                                        const std::vector<std::string>& fallback) {
    const fs::path path = fs::path(dir) / f.namesFile;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return fallback;
    std::ifstream in(path);
    std::vector<std::string> names;
    for (std::string line; std::getline(in, line);)
        if (auto t = trim(line); !t.empty()) names.push_back(t);
    if (static_cast<int64_t>(names.size()) != f.classes)
        throw Error(path.string() + ": expected " + std::to_string(f.classes) +
                    " class names, one per line, found " + std::to_string(names.size()));
    return names;
}

Dataset readCifar(const CifarFormat& f, const std::string& dir,
                  const std::vector<std::string>& fallbackNames) {
    const std::string base = locate(f, dir);
    const int64_t recordSize = f.labelBytes + kPixels;

    auto load = [&](const std::vector<std::string>& files, torch::Tensor& x, torch::Tensor& y) {
        std::vector<torch::Tensor> parts;
        for (const auto& file : files) {
            const std::string path = (fs::path(base) / file).string();
            torch::Tensor records = readRecords(path, recordSize);
            torch::Tensor labels = records.select(1, f.labelOffset);
            torch::Tensor bad = (labels >= f.classes).nonzero();
            if (bad.size(0) > 0) {
                const int64_t at = bad[0][0].item<int64_t>();
                throw Error(path + ": label " + std::to_string(labels[at].item<int64_t>()) +
                            " in record " + std::to_string(at) + " is out of range: " + f.name +
                            " has " + std::to_string(f.classes) + " classes");
            }
            parts.push_back(std::move(records));
        }
        torch::Tensor all = parts.size() == 1 ? parts[0] : torch::cat(parts);
        parts.clear();
        const int64_t n = all.size(0);
        y = all.select(1, f.labelOffset).to(torch::kInt64);
        // Bytes, as stored (InputTransform scales them when a batch is used).
        x = all.narrow(1, f.labelBytes, kPixels).reshape({n, 3, 32, 32}).contiguous();
    };

    Dataset ds;
    ds.name = f.name;
    ds.source = base;
    load(f.trainFiles, ds.trainX, ds.trainY);
    load({f.testFile}, ds.testX, ds.testY);
    ds.inputShape = {3, 32, 32};
    ds.classNames = readClassNames(f, base, fallbackNames);
    return ds;
}

} // namespace

const std::vector<std::string>& cifar10ClassNames() {
    static const std::vector<std::string> names{"airplane", "automobile", "bird",  "cat",  "deer",
                                                "dog",      "frog",       "horse", "ship", "truck"};
    return names;
}

const std::vector<std::string>& cifar100ClassNames() {
    // The fine labels in the order of fine_label_names.txt (alphabetical).
    static const std::vector<std::string> names{
        "apple",       "aquarium_fish", "baby",      "bear",       "beaver",       "bed",
        "bee",         "beetle",        "bicycle",   "bottle",     "bowl",         "boy",
        "bridge",      "bus",           "butterfly", "camel",      "can",          "castle",
        "caterpillar", "cattle",        "chair",     "chimpanzee", "clock",        "cloud",
        "cockroach",   "couch",         "crab",      "crocodile",  "cup",          "dinosaur",
        "dolphin",     "elephant",      "flatfish",  "forest",     "fox",          "girl",
        "hamster",     "house",         "kangaroo",  "keyboard",   "lamp",         "lawn_mower",
        "leopard",     "lion",          "lizard",    "lobster",    "man",          "maple_tree",
        "motorcycle",  "mountain",      "mouse",     "mushroom",   "oak_tree",     "orange",
        "orchid",      "otter",         "palm_tree", "pear",       "pickup_truck", "pine_tree",
        "plain",       "plate",         "poppy",     "porcupine",  "possum",       "rabbit",
        "raccoon",     "ray",           "road",      "rocket",     "rose",         "sea",
        "seal",        "shark",         "shrew",     "skunk",      "skyscraper",   "snail",
        "snake",       "spider",        "squirrel",  "streetcar",  "sunflower",    "sweet_pepper",
        "table",       "tank",          "telephone", "television", "tiger",        "tractor",
        "train",       "trout",         "tulip",     "turtle",     "wardrobe",     "whale",
        "willow_tree", "wolf",          "woman",     "worm"};
    return names;
}

Dataset readCifar10(const std::string& dir) {
    const CifarFormat f{"CIFAR-10",
                        "cifar-10-batches-bin",
                        {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                         "data_batch_4.bin", "data_batch_5.bin"},
                        "test_batch.bin",
                        1,
                        0,
                        10,
                        "batches.meta.txt",
                        "the 'CIFAR-10 binary version' from the CIFAR website, unpacked"};
    return readCifar(f, dir, cifar10ClassNames());
}

Dataset readCifar100(const std::string& dir) {
    const CifarFormat f{"CIFAR-100",
                        "cifar-100-binary",
                        {"train.bin"},
                        "test.bin",
                        2,
                        1,
                        100,
                        "fine_label_names.txt",
                        "the 'CIFAR-100 binary version' from the CIFAR website, unpacked"};
    return readCifar(f, dir, cifar100ClassNames());
}

} // namespace alig::core
