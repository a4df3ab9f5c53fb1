#include "common/test_support.h"

#include "core/experiment/experiment_config.h"

#include <torch/torch.h>
#include <zlib.h>

#include <sys/mount.h>

#include <QCoreApplication>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace alig::test {

std::string scratchDir(const std::string& name) {
    const char* env = std::getenv("ALIG_TEST_BUILD_DIR");
    fs::path base = env ? fs::path(env) : fs::temp_directory_path() / "alig-tests";
    const std::string suite = QCoreApplication::applicationName().toStdString();
    fs::path dir = base / "scratch" / (suite.empty() ? "suite" : suite) / name;
    // A run of the suite that was killed may have left a SmallFileSystem mounted here.
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (ec) {
        std::ifstream mounts("/proc/mounts");
        std::string device, point, rest;
        while (mounts >> device >> point && std::getline(mounts, rest))
            if (point.rfind(dir.string() + "/", 0) == 0) ::umount2(point.c_str(), MNT_DETACH);
    }
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir.string();
}

QString scratchPath(const std::string& name) {
    return QString::fromStdString(scratchDir(name));
}

void isolateSettings() {
    qputenv("XDG_CONFIG_HOME", scratchPath("config").toUtf8());
    QCoreApplication::setOrganizationName("alig-studio-tests");
}

core::ExperimentConfig smallSpirals(int64_t epochs, int64_t samples) {
    core::ExperimentConfig c =
        core::ExperimentConfig::fromJson(core::loadPreset("spirals-mlp-alig"));
    c.dataset.samples = samples;
    c.training.epochs = epochs;
    c.training.threads = 1;
    return c;
}

bool near(double a, double b, double rtol, double atol) {
    if (std::isnan(a) || std::isnan(b)) return false;
    return std::abs(a - b) <= atol + rtol * std::abs(b);
}

void writeFile(const std::string& path, const std::string& bytes) {
    fs::path p(path);
    if (p.has_parent_path()) fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path);
}

std::vector<torch::Tensor> snapshot(const std::vector<torch::Tensor>& tensors) {
    std::vector<torch::Tensor> copies;
    copies.reserve(tensors.size());
    for (const auto& t : tensors)
        copies.push_back(t.detach().clone());
    return copies;
}

std::string gzip(const std::string& bytes) {
    z_stream zs{};
    if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("deflateInit2 failed");
    std::string out(deflateBound(&zs, bytes.size()) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    zs.avail_in = static_cast<uInt>(bytes.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
    out.resize(zs.total_out);
    return out;
}

SmallFileSystem::SmallFileSystem(const std::string& dir, const std::string& options)
    : m_dir(dir) {
    std::filesystem::create_directories(dir);
    m_mounted = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) == 0;
}

SmallFileSystem::~SmallFileSystem() {
    if (m_mounted) ::umount2(m_dir.c_str(), MNT_DETACH);
}

} // namespace alig::test
