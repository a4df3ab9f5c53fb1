#include "core/data/dataset.h"

#include "core/data/cifar_reader.h"
#include "core/data/csv_reader.h"
#include "core/data/idx_reader.h"
#include "core/data/svhn_reader.h"
#include "core/data/synthetic.h"
#include "core/util/error.h"
#include "core/util/paths.h"

#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <tuple>

namespace alig::core {

namespace {

const char* const kFashionMnistDefaultPath = "/usr/share/datasets/fashion-mnist";

std::vector<std::string> digitNames() {
    std::vector<std::string> names;
    for (int c = 0; c < 10; ++c)
        names.push_back(std::to_string(c));
    return names;
}

std::string requirePath(const DatasetConfig& config, const std::string& what) {
    if (config.path.empty())
        throw Error("dataset.path: " + config.kind + " needs the directory that holds " + what);
    return config.path;
}

Dataset loadRaw(const DatasetConfig& config) {
    const std::string idxFiles =
        "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
        "t10k-labels-idx1-ubyte (plain or .gz)";
    // CIFAR and SVHN are not packaged and never downloaded: by default they are looked for
    // where the README tells people to unpack them.
    const std::string shipped = config.path.empty() ? defaultDatasetsDir() : config.path;
    switch (parseDatasetKind(config.kind)) {
    case DatasetKind::FashionMnist:
        return readIdxDataset(config.path.empty() ? kFashionMnistDefaultPath : config.path,
                              {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                               "Shirt", "Sneaker", "Bag", "Ankle boot"},
                              "Fashion-MNIST");
    case DatasetKind::Mnist:
        return readIdxDataset(requirePath(config, "MNIST's " + idxFiles), digitNames(), "MNIST");
    case DatasetKind::Kmnist:
        // Kuzushiji-MNIST's classes are these hiragana, in label order (kmnist_classmap.csv).
        return readIdxDataset(requirePath(config, "KMNIST's " + idxFiles),
                              {"o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"},
                              "KMNIST");
    case DatasetKind::Idx:
        return readIdxDataset(requirePath(config, idxFiles), {}, "IDX");
    case DatasetKind::Cifar10:
        return readCifar10(shipped);
    case DatasetKind::Cifar100:
        return readCifar100(shipped);
    case DatasetKind::Svhn:
        return readSvhn(shipped);
    case DatasetKind::Csv:
        return readCsvDataset(config);
    case DatasetKind::Spirals:
    case DatasetKind::Circles:
    case DatasetKind::Moons:
    case DatasetKind::Xor:
    case DatasetKind::Blobs:
        return makeSyntheticDataset(config);
    }
    throw Error("dataset.kind: unhandled kind \"" + config.kind + "\"");
}

void keepFirst(torch::Tensor& x, torch::Tensor& y, int64_t n) {
    if (n > 0 && n < x.size(0)) {
        // Clone so the rest of the full set is freed rather than kept alive by a view.
        x = x.narrow(0, 0, n).clone();
        y = y.narrow(0, 0, n).clone();
    }
}

} // namespace

InputTransform InputTransform::to(const torch::Device& device) const {
    InputTransform t;
    if (mean.defined()) t.mean = mean.to(device);
    if (std.defined()) t.std = std.to(device);
    return t;
}

torch::Tensor InputTransform::operator()(const torch::Tensor& samples) const {
    if (samples.scalar_type() != torch::kUInt8) return samples;
    // The float32 operations, in the order, that were once applied to the whole set.
    torch::Tensor x = samples.to(torch::kFloat32).div_(255.0);
    if (mean.defined()) x.sub_(mean).div_(std);
    return x;
}

std::pair<std::vector<double>, std::vector<double>> byteChannelStats(const torch::Tensor& images) {
    if (images.scalar_type() != torch::kUInt8 || images.dim() < 2)
        throw Error("byteChannelStats: expected uint8 samples [N, C, ...]");
    const torch::Tensor x = images.contiguous();
    const int64_t n = x.size(0), channels = x.size(1);
    const int64_t per = n > 0 && channels > 0 ? x.numel() / (n * channels) : 0;
    std::vector<std::array<uint64_t, 256>> counts(static_cast<size_t>(channels));
    for (auto& c : counts)
        c.fill(0);
    const uint8_t* data = x.data_ptr<uint8_t>();
    for (int64_t i = 0; i < n; ++i)
        for (int64_t c = 0; c < channels; ++c) {
            std::array<uint64_t, 256>& count = counts[static_cast<size_t>(c)];
            const uint8_t* v = data + (i * channels + c) * per;
            for (int64_t j = 0; j < per; ++j)
                ++count[v[j]];
        }
    std::vector<double> means, stddevs;
    for (const auto& count : counts) {
        // Each level as the float32 value x / 255 the model sees, summed in double.
        double total = 0.0, sum = 0.0;
        for (int k = 0; k < 256; ++k) {
            total += static_cast<double>(count[k]);
            sum += static_cast<double>(count[k]) * static_cast<double>(float(k) / 255.0f);
        }
        const double mean = total > 0.0 ? sum / total : 0.0;
        double squares = 0.0;
        for (int k = 0; k < 256; ++k) {
            const double d = static_cast<double>(float(k) / 255.0f) - mean;
            squares += static_cast<double>(count[k]) * d * d;
        }
        means.push_back(mean);
        stddevs.push_back(total > 0.0 ? std::sqrt(squares / total) : 0.0);
    }
    return {means, stddevs};
}

Dataset loadDataset(const DatasetConfig& config) {
    if (config.subset < 0)
        throw Error("dataset.subset: must be >= 0, got " + std::to_string(config.subset));
    if (config.testSubset < 0)
        throw Error("dataset.test_subset: must be >= 0, got " + std::to_string(config.testSubset));
    if (config.cropPadding < 0)
        throw Error("dataset.crop_padding: must be >= 0, got " +
                    std::to_string(config.cropPadding));

    Dataset ds = loadRaw(config);
    if ((config.cropPadding > 0 || config.horizontalFlip) && !ds.isImage())
        throw Error(std::string("dataset.") +
                    (config.cropPadding > 0 ? "crop_padding" : "horizontal_flip") +
                    ": augmentation applies to images only, but " + ds.name + " is tabular");
    keepFirst(ds.trainX, ds.trainY, config.subset);
    keepFirst(ds.testX, ds.testY, config.testSubset);

    if (config.normalize) {
        // Statistics of the training set only, so nothing about the test set leaks in.
        torch::Tensor meanT, stdT;
        if (ds.trainX.scalar_type() == torch::kUInt8) {
            const auto [mean, stddev] = byteChannelStats(ds.trainX);
            meanT = torch::tensor(std::vector<float>(mean.begin(), mean.end()));
            stdT = torch::tensor(std::vector<float>(stddev.begin(), stddev.end()));
        } else {
            const std::vector<int64_t> dims =
                ds.isImage() ? std::vector<int64_t>{0, 2, 3} : std::vector<int64_t>{0};
            std::tie(stdT, meanT) = torch::std_mean(ds.trainX, dims, /*unbiased=*/false);
        }
        // A constant channel (e.g. MNIST's border pixels as features) would divide by zero.
        stdT = torch::where(stdT > 0, stdT, torch::ones_like(stdT));
        std::vector<int64_t> shape(ds.trainX.dim(), 1);
        shape[1] = ds.trainX.size(1);
        if (ds.trainX.scalar_type() == torch::kUInt8) {
            // Byte images stay bytes; each batch is normalised when it is used.
            ds.input.mean = meanT.view(shape);
            ds.input.std = stdT.view(shape);
        } else {
            ds.trainX.sub_(meanT.view(shape)).div_(stdT.view(shape));
            if (ds.testX.numel() > 0) ds.testX.sub_(meanT.view(shape)).div_(stdT.view(shape));
        }
        const torch::Tensor m = meanT.to(torch::kFloat64).contiguous();
        const torch::Tensor s = stdT.to(torch::kFloat64).contiguous();
        ds.mean.assign(m.data_ptr<double>(), m.data_ptr<double>() + m.numel());
        ds.stddev.assign(s.data_ptr<double>(), s.data_ptr<double>() + s.numel());
    }
    ds.augmentation.cropPadding = config.cropPadding;
    ds.augmentation.horizontalFlip = config.horizontalFlip;
    return ds;
}

torch::Tensor augmentBatch(const torch::Tensor& images, const Augmentation& augmentation) {
    if (!augmentation.enabled()) return images;
    if (images.dim() != 4)
        throw Error("augmentBatch: expected images [B, C, H, W], got " +
                    std::to_string(images.dim()) + " dimensions");
    const int64_t b = images.size(0), h = images.size(2), w = images.size(3);
    const auto longs = torch::TensorOptions().dtype(torch::kInt64).device(images.device());
    torch::Tensor out = images;
    if (augmentation.cropPadding > 0) {
        const int64_t p = augmentation.cropPadding;
        // One gather for the whole batch: row and column indices per sample into the padded
        // images, so the cost is a few kernels whatever the batch size (and no host loop).
        const torch::Tensor padded = torch::constant_pad_nd(images, {p, p, p, p}, 0);
        const torch::Tensor dy = torch::randint(0, 2 * p + 1, {b}, longs);
        const torch::Tensor dx = torch::randint(0, 2 * p + 1, {b}, longs);
        const torch::Tensor rows = (dy.view({b, 1}) + torch::arange(h, longs)).view({b, h, 1});
        const torch::Tensor cols = (dx.view({b, 1}) + torch::arange(w, longs)).view({b, 1, w});
        const torch::Tensor batch = torch::arange(b, longs).view({b, 1, 1});
        // [B, H+2p, W+2p, C] indexed by (batch, rows, cols) -> [B, H, W, C]
        out = padded.permute({0, 2, 3, 1})
                  .index({batch, rows, cols})
                  .permute({0, 3, 1, 2})
                  .contiguous();
    }
    if (augmentation.horizontalFlip) {
        const torch::Tensor flip =
            torch::rand({b}, images.options().dtype(torch::kFloat32)).lt(0.5).view({b, 1, 1, 1});
        out = torch::where(flip, out.flip({3}), out);
    }
    return out;
}

} // namespace alig::core
