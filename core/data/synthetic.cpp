#include "core/data/synthetic.h"

#include "core/util/error.h"

#include <torch/torch.h>

#include <algorithm>

#include <cctype>
#include <cmath>
#include <random>
#include <sstream>

namespace alig::core {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int64_t kMaxSamples = 10'000'000;
constexpr int64_t kMaxClasses = 100;

// Uniform and normal draws built on the raw engine output: the std distributions differ
// between standard libraries, and a seed must give the same set everywhere.
class Rng {
public:
    explicit Rng(uint64_t seed)
        : engine_(seed) {}
    double uniform() { return double(engine_() >> 11) * 0x1.0p-53; } // [0, 1)
    double normal() {                                                // Box-Muller
        if (hasSpare_) {
            hasSpare_ = false;
            return spare_;
        }
        const double r = std::sqrt(-2.0 * std::log(1.0 - uniform()));
        const double a = 2.0 * kPi * uniform();
        spare_ = r * std::sin(a);
        hasSpare_ = true;
        return r * std::cos(a);
    }
    int64_t below(int64_t n) { return static_cast<int64_t>(engine_() % uint64_t(n)); }

private:
    std::mt19937_64 engine_;
    double spare_ = 0;
    bool hasSpare_ = false;
};

void shuffle(std::vector<int64_t>& v, Rng& rng) {
    for (int64_t i = static_cast<int64_t>(v.size()) - 1; i > 0; --i)
        std::swap(v[i], v[rng.below(i + 1)]);
}

std::string displayName(const std::string& kind) {
    if (kind == "xor") return "XOR";
    std::string n = kind;
    n[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(n[0])));
    return n;
}

} // namespace

const std::vector<std::string>& syntheticKinds() {
    static const std::vector<std::string> kinds = [] {
        std::vector<std::string> names;
        for (const std::string& name : datasetKinds())
            if (isSyntheticKind(name)) names.push_back(name);
        return names;
    }();
    return kinds;
}

SyntheticSamples generateSynthetic(const std::string& kind, int64_t samples, double noise,
                                   int64_t classes, uint64_t seed) {
    if (!isSyntheticKind(kind)) throw Error("dataset.kind: '" + kind + "' is not a synthetic set");
    const DatasetKind shape = parseDatasetKind(kind);
    if (!datasetKindReads(shape, "classes")) classes = 2;
    if (classes < 2 || classes > kMaxClasses)
        throw Error("dataset.classes: " + kind + " needs 2 to " + std::to_string(kMaxClasses) +
                    " classes, got " + std::to_string(classes));
    if (samples < 2 * classes || samples > kMaxSamples)
        throw Error("dataset.samples: " + kind + " with " + std::to_string(classes) +
                    " classes needs " + std::to_string(2 * classes) + " to " +
                    std::to_string(kMaxSamples) + " samples, got " + std::to_string(samples));
    if (!(noise >= 0.0) || !std::isfinite(noise))
        throw Error("dataset.noise: must be >= 0, got " + std::to_string(noise));

    Rng rng(seed);
    SyntheticSamples out;
    out.classes = classes;
    out.x = torch::empty({samples, 2}, torch::kFloat32);
    out.y = torch::empty({samples}, torch::kInt64);
    auto x = out.x.accessor<float, 2>();
    auto y = out.y.accessor<int64_t, 1>();
    int64_t i = 0;
    for (int64_t c = 0; c < classes; ++c) {
        const int64_t count = samples / classes + (c < samples % classes ? 1 : 0);
        for (int64_t j = 0; j < count; ++j, ++i) {
            double px = 0, py = 0;
            if (shape == DatasetKind::Spirals) {
                // Arm c starts at angle 2*pi*c/K and turns 1.5 times while r goes 0 -> 1.
                const double t = rng.uniform();
                const double a = 2.0 * kPi * double(c) / double(classes) + 3.0 * kPi * t;
                px = t * std::cos(a);
                py = t * std::sin(a);
            } else if (shape == DatasetKind::Circles) {
                // Class 0 on the unit circle, class 1 inside it at radius 0.5.
                const double r = c == 0 ? 1.0 : 0.5;
                const double a = 2.0 * kPi * rng.uniform();
                px = r * std::cos(a);
                py = r * std::sin(a);
            } else if (shape == DatasetKind::Moons) {
                // scikit-learn's make_moons: an upper half circle and a shifted lower one.
                const double a = kPi * rng.uniform();
                px = c == 0 ? std::cos(a) : 1.0 - std::cos(a);
                py = c == 0 ? std::sin(a) : 0.5 - std::sin(a);
            } else if (shape == DatasetKind::Xor) {
                // Class 0 in quadrants I and III, class 1 in II and IV, alternating, so both
                // quadrants of a class are equally full; magnitudes in (0, 1].
                const double sx = (j % 2 == 0) ? 1.0 : -1.0;
                const double sy = c == 0 ? sx : -sx;
                px = sx * (1.0 - rng.uniform());
                py = sy * (1.0 - rng.uniform());
            } else {
                // Blob centres evenly on a circle of radius 2; noise is the blob's spread.
                const double a = 2.0 * kPi * double(c) / double(classes);
                px = 2.0 * std::cos(a);
                py = 2.0 * std::sin(a);
            }
            if (noise > 0) {
                px += noise * rng.normal();
                py += noise * rng.normal();
            }
            x[i][0] = static_cast<float>(px);
            x[i][1] = static_cast<float>(py);
            y[i] = c;
        }
    }
    return out;
}

Dataset makeSyntheticDataset(const DatasetConfig& config) {
    if (!(config.testFraction >= 0.0 && config.testFraction < 1.0))
        throw Error("dataset.test_fraction: must be in [0, 1), got " +
                    std::to_string(config.testFraction));
    SyntheticSamples all =
        generateSynthetic(config.kind, config.samples, config.noise, config.classes, config.seed);

    // Hold out the same fraction of every class, from its (already random) first samples.
    std::vector<int64_t> trainIdx, testIdx;
    int64_t start = 0;
    for (int64_t c = 0; c < all.classes; ++c) {
        const int64_t count = config.samples / all.classes + (c < config.samples % all.classes);
        const int64_t nTest = std::min<int64_t>(
            count - 1, static_cast<int64_t>(std::llround(double(count) * config.testFraction)));
        for (int64_t j = 0; j < count; ++j)
            (j < nTest ? testIdx : trainIdx).push_back(start + j);
        start += count;
    }
    // A separate stream, so the split never changes the points themselves.
    Rng rng(config.seed ^ 0x9E3779B97F4A7C15ULL);
    shuffle(trainIdx, rng);
    shuffle(testIdx, rng);

    Dataset ds;
    const torch::Tensor trainI = torch::tensor(trainIdx, torch::kInt64);
    const torch::Tensor testI = torch::tensor(testIdx, torch::kInt64);
    ds.trainX = all.x.index_select(0, trainI);
    ds.trainY = all.y.index_select(0, trainI);
    ds.testX = all.x.index_select(0, testI);
    ds.testY = all.y.index_select(0, testI);
    ds.inputShape = {2};
    for (int64_t c = 0; c < all.classes; ++c)
        ds.classNames.push_back(std::to_string(c));
    ds.name = displayName(config.kind);
    std::ostringstream src;
    src << config.kind << ": " << config.samples << " samples, " << all.classes
        << " classes, noise " << config.noise << ", seed " << config.seed;
    ds.source = src.str();
    return ds;
}

} // namespace alig::core
