#include "core/data/svhn_reader.h"

#include "core/util/error.h"

#include <torch/torch.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

namespace fs = std::filesystem;

namespace alig::core {

namespace {

const char* const kTrainFile = "train_32x32.mat";
const char* const kTestFile = "test_32x32.mat";
const char* const kSubfolder = "svhn";
const char* const kDownload = "the 'Format 2: cropped digits' .mat files from the SVHN website, "
                              "http://ufldl.stanford.edu/housenumbers/";

// MAT-file v5 data types and array classes used here.
enum : uint32_t {
    miINT8 = 1,
    miUINT8 = 2,
    miINT16 = 3,
    miUINT16 = 4,
    miINT32 = 5,
    miUINT32 = 6,
    miSINGLE = 7,
    miDOUBLE = 9,
    miINT64 = 12,
    miUINT64 = 13,
    miMATRIX = 14,
    miCOMPRESSED = 15,
};
constexpr uint32_t mxDOUBLE_CLASS = 6;
constexpr uint32_t mxUINT64_CLASS = 15;

uint32_t u32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

uint64_t pad8(uint64_t n) {
    return (n + 7) / 8 * 8;
}

// The size in bytes of one number of a numeric data type, 0 for anything else.
size_t typeSize(uint32_t type) {
    switch (type) {
    case miINT8:
    case miUINT8:
        return 1;
    case miINT16:
    case miUINT16:
        return 2;
    case miINT32:
    case miUINT32:
    case miSINGLE:
        return 4;
    case miDOUBLE:
    case miINT64:
    case miUINT64:
        return 8;
    default:
        return 0;
    }
}

double numberAt(uint32_t type, const uint8_t* p) {
    switch (type) {
    case miINT8:
        return double(int8_t(*p));
    case miUINT8:
        return double(*p);
    case miINT16: {
        int16_t v;
        std::memcpy(&v, p, 2);
        return double(v);
    }
    case miUINT16: {
        uint16_t v;
        std::memcpy(&v, p, 2);
        return double(v);
    }
    case miINT32: {
        int32_t v;
        std::memcpy(&v, p, 4);
        return double(v);
    }
    case miUINT32: {
        uint32_t v;
        std::memcpy(&v, p, 4);
        return double(v);
    }
    case miSINGLE: {
        float v;
        std::memcpy(&v, p, 4);
        return double(v);
    }
    case miDOUBLE: {
        double v;
        std::memcpy(&v, p, 8);
        return v;
    }
    case miINT64: {
        int64_t v;
        std::memcpy(&v, p, 8);
        return double(v);
    }
    case miUINT64: {
        uint64_t v;
        std::memcpy(&v, p, 8);
        return double(v);
    }
    default:
        return 0.0;
    }
}

// One data element: its type and where its bytes are. `next` is the offset after it.
struct Element {
    uint32_t type = 0;
    const uint8_t* data = nullptr;
    uint64_t bytes = 0;
    uint64_t next = 0;
};

// Reads the element at offset `at` of [base, base + size). Throws when the tag or the data
// it announces runs past the end. what: where this is, for messages.
Element readElement(const uint8_t* base, uint64_t size, uint64_t at, const std::string& what) {
    if (size - at < 8)
        throw Error(what + ": truncated: a data element's tag at byte " + std::to_string(at) +
                    " is cut off");
    Element e;
    const uint32_t w0 = u32(base + at);
    if ((w0 >> 16) != 0) {
        // Small element: the byte count in the upper half, the data in the tag's last 4 bytes.
        e.type = w0 & 0xffff;
        e.bytes = w0 >> 16;
        if (e.bytes > 4)
            throw Error(what + ": a small data element at byte " + std::to_string(at) + " claims " +
                        std::to_string(e.bytes) +
                        " bytes (at most 4 fit): " + "the file is damaged");
        e.data = base + at + 4;
        e.next = at + 8;
        return e;
    }
    e.type = w0;
    e.bytes = u32(base + at + 4);
    if (e.bytes > size - at - 8)
        throw Error(what + ": truncated: a data element at byte " + std::to_string(at) +
                    " claims " + std::to_string(e.bytes) + " bytes but only " +
                    std::to_string(size - at - 8) + " follow");
    e.data = base + at + 8;
    // Compressed elements are not padded; the others are padded to 8 bytes (the last one
    // of a file may lack its padding).
    const uint64_t len = e.type == miCOMPRESSED ? e.bytes : pad8(e.bytes);
    e.next = std::min<uint64_t>(size, at + 8 + len);
    return e;
}

// Inflates a miCOMPRESSED element's zlib stream. The output grows only as the stream
// produces data, and stops at the size the inner element's tag announces.
std::string inflateElement(const uint8_t* src, uint64_t n, const std::string& what) {
    z_stream zs{};
    if (inflateInit(&zs) != Z_OK) throw Error(what + ": cannot start zlib decompression");
    struct Guard {
        z_stream* z;
        ~Guard() { inflateEnd(z); }
    } guard{&zs};
    std::string out;
    uint64_t have = 0, limit = UINT64_MAX, fed = 0;
    for (;;) {
        if (zs.avail_in == 0 && fed < n) {
            const uint64_t chunk = std::min<uint64_t>(n - fed, UINT_MAX);
            zs.next_in = const_cast<Bytef*>(src + fed);
            zs.avail_in = static_cast<uInt>(chunk);
            fed += chunk;
        }
        if (have >= limit) break;
        if (have == out.size()) {
            const uint64_t grow = std::max<uint64_t>(have, uint64_t(1) << 16);
            out.resize(std::min<uint64_t>(limit, have + grow));
        }
        const uint64_t room = std::min<uint64_t>(out.size() - have, UINT_MAX);
        zs.next_out = reinterpret_cast<Bytef*>(&out[have]);
        zs.avail_out = static_cast<uInt>(room);
        const int ret = inflate(&zs, Z_NO_FLUSH);
        have += room - zs.avail_out;
        if (limit == UINT64_MAX && have >= 8) {
            const uint32_t w0 = u32(reinterpret_cast<const uint8_t*>(out.data()));
            limit = (w0 >> 16) != 0
                        ? 8
                        : 8 + pad8(u32(reinterpret_cast<const uint8_t*>(out.data()) + 4));
            // Checked before memory is taken for it: deflate gives at most about 1032 bytes
            // per compressed byte, and no SVHN variable holds more than 2 GiB (extra's X is
            // 1.6 GB), so a larger claim is damage, not data.
            const uint64_t claimed = limit - 8;
            const uint64_t most = std::min<uint64_t>(n * 1032 + 64, uint64_t(2) << 30);
            if (claimed > most)
                throw Error(what + ": claims " + std::to_string(claimed) +
                            " bytes once inflated, more than its " + std::to_string(n) +
                            " compressed bytes can hold (at most " + std::to_string(most) +
                            "): the file is damaged");
        }
        if (ret == Z_STREAM_END) break;
        if (ret == Z_OK) continue;
        if (ret == Z_BUF_ERROR && zs.avail_in == 0 && fed == n)
            throw Error(what + ": truncated: the compressed data ends after " +
                        std::to_string(have) + " bytes of output");
        if (ret == Z_BUF_ERROR) continue;
        throw Error(what + ": corrupt compressed data (zlib: " +
                    (zs.msg ? std::string(zs.msg) : std::to_string(ret)) + ")");
    }
    out.resize(std::min<uint64_t>(have, limit));
    return out;
}

// A numeric MATLAB variable: its name, dimensions and real part.
struct Variable {
    std::string name;
    std::vector<int64_t> dims;
    uint32_t type = 0; // data type of the real part
    const uint8_t* data = nullptr;
    uint64_t bytes = 0;
    std::shared_ptr<const std::string> owner; // the inflated buffer, when compressed
};

std::string dimsText(const std::vector<int64_t>& dims) {
    std::string s;
    for (size_t i = 0; i < dims.size(); ++i)
        s += (i ? "x" : "") + std::to_string(dims[i]);
    return s;
}

// Parses the content of a miMATRIX element. Returns false for what is not a named numeric
// array (cells, structs, ...), which the reader skips.
bool parseMatrix(const Element& m, const std::string& path, Variable& v) {
    const std::string what = path + ": matrix element";
    uint64_t at = 0;
    const Element flags = readElement(m.data, m.bytes, at, what);
    if (flags.type != miUINT32 || flags.bytes != 8)
        throw Error(what + ": expected array flags (8 bytes of miUINT32) first, found type " +
                    std::to_string(flags.type) + " of " + std::to_string(flags.bytes) + " bytes");
    const uint32_t cls = u32(flags.data) & 0xff;
    const Element dims = readElement(m.data, m.bytes, flags.next, what);
    if (dims.type != miINT32 || dims.bytes % 4 != 0 || dims.bytes < 8)
        throw Error(what + ": expected dimensions (miINT32, at least 2) after the array flags");
    const Element name = readElement(m.data, m.bytes, dims.next, what);
    if (name.type != miINT8)
        throw Error(what + ": expected the array name (miINT8) after the dimensions");
    v.name.assign(reinterpret_cast<const char*>(name.data), name.bytes);
    if (cls < mxDOUBLE_CLASS || cls > mxUINT64_CLASS) return false;
    for (uint64_t i = 0; i < dims.bytes / 4; ++i) {
        int32_t d;
        std::memcpy(&d, dims.data + 4 * i, 4);
        if (d < 0) throw Error(what + " '" + v.name + "': negative dimension " + std::to_string(d));
        v.dims.push_back(d);
    }
    at = name.next;
    if (at >= m.bytes) {
        // An empty array may have no real part.
        v.type = miUINT8;
        v.data = m.data + at;
        v.bytes = 0;
        return true;
    }
    const Element real = readElement(m.data, m.bytes, at, what + " '" + v.name + "'");
    v.type = real.type;
    v.data = real.data;
    v.bytes = real.bytes;
    return true;
}

// Reads the variables X and y of a v5 MAT-file. `file` keeps the raw bytes alive.
struct MatFile {
    std::shared_ptr<const std::string> file;
    std::optional<Variable> x, y;
};

MatFile readMat(const std::string& path) {
    std::error_code ec;
    const uint64_t size = fs::file_size(path, ec);
    if (ec) throw Error(path + ": cannot read its size (" + ec.message() + ")");
    auto buffer = std::make_shared<std::string>();
    buffer->resize(size);
    {
        std::ifstream in(path, std::ios::binary);
        in.read(buffer->data(), static_cast<std::streamsize>(size));
        if (!in || static_cast<uint64_t>(in.gcount()) != size) throw Error(path + ": read error");
    }
    const auto* bytes = reinterpret_cast<const uint8_t*>(buffer->data());
    const std::string expected =
        "expected a MATLAB level-5 MAT-file (" + std::string(kDownload) + ")";
    if (size >= 8 && std::memcmp(bytes, "\x89HDF\r\n\x1a\n", 8) == 0)
        throw Error(path + ": this is an HDF5 file (MATLAB v7.3); " + expected +
                    ", which scipy.io.savemat writes and MATLAB saves with -v7 or -v6");
    if (size < 128 || std::memcmp(bytes, "MATLAB", 6) != 0)
        throw Error(path + ": not a MAT-file (" +
                    (size < 128 ? "shorter than the 128-byte header"
                                : "the header does not start with "
                                  "'MATLAB'") +
                    "); " + expected);
    const bool hdf5 = std::memcmp(bytes, "MATLAB 7.3", 10) == 0 ||
                      (size >= 520 && std::memcmp(bytes + 512, "\x89HDF\r\n\x1a\n", 8) == 0);
    if (hdf5)
        throw Error(path + ": this is a MATLAB v7.3 MAT-file, which is HDF5; " + expected +
                    " (version 5, as on the SVHN website; scipy.io.savemat writes one)");
    if (bytes[126] == 'M' && bytes[127] == 'I')
        throw Error(path + ": a big-endian MAT-file, which is not supported; " + expected +
                    " written on a little-endian machine");
    if (bytes[126] != 'I' || bytes[127] != 'M')
        throw Error(path + ": not a MAT-file (no endian indicator 'IM' at bytes 126-127); " +
                    expected);

    MatFile mat;
    mat.file = buffer;
    uint64_t at = 128;
    while (at < size) {
        const Element e = readElement(bytes, size, at, path);
        at = e.next;
        Element m = e;
        std::shared_ptr<const std::string> owner = buffer;
        if (e.type == miCOMPRESSED) {
            auto inflated = std::make_shared<const std::string>(
                inflateElement(e.data, e.bytes, path + ": compressed element"));
            const auto* ib = reinterpret_cast<const uint8_t*>(inflated->data());
            m = readElement(ib, inflated->size(), 0, path + ": compressed element");
            owner = inflated;
        }
        if (m.type != miMATRIX) continue;
        Variable v;
        if (!parseMatrix(m, path, v)) continue;
        v.owner = owner;
        if (v.name == "X" && !mat.x)
            mat.x = std::move(v);
        else if (v.name == "y" && !mat.y)
            mat.y = std::move(v);
    }
    return mat;
}

// Images and labels of one SVHN file.
void readSvhnFile(const std::string& path, torch::Tensor& x, torch::Tensor& y) {
    MatFile mat = readMat(path);
    if (!mat.x || !mat.y)
        throw Error(path + ": no variable '" + std::string(!mat.x ? "X" : "y") +
                    "' (SVHN's cropped-digit files hold X, the images, and y, the labels)");
    const Variable& vx = *mat.x;
    const Variable& vy = *mat.y;
    if (vx.dims.size() != 4 || vx.dims[0] != 32 || vx.dims[1] != 32 || vx.dims[2] != 3)
        throw Error(path + ": X has dimensions " + dimsText(vx.dims) +
                    ", expected 32x32x3xN (32x32 RGB images)");
    const int64_t n = vx.dims[3];
    if (n == 0) throw Error(path + ": X holds no images");
    if (vx.type != miUINT8)
        throw Error(path + ": X holds data of MAT type " + std::to_string(vx.type) +
                    ", expected uint8 pixels (miUINT8)");
    const uint64_t pixels = uint64_t(n) * 3072;
    if (vx.bytes != pixels)
        throw Error(path + ": truncated or damaged: X holds " + std::to_string(vx.bytes) +
                    " bytes of pixels, expected " + std::to_string(pixels) + " for " +
                    std::to_string(n) + " images");
    if (vy.dims.size() != 2 || std::min(vy.dims[0], vy.dims[1]) != 1)
        throw Error(path + ": y has dimensions " + dimsText(vy.dims) + ", expected Nx1");
    const int64_t labels = std::max(vy.dims[0], vy.dims[1]);
    if (labels != n)
        throw Error(path + ": count mismatch: X holds " + std::to_string(n) + " images but y " +
                    std::to_string(labels) + " labels");
    const size_t ts = typeSize(vy.type);
    if (ts == 0)
        throw Error(path + ": y holds data of MAT type " + std::to_string(vy.type) +
                    ", expected numbers");
    if (vy.bytes != uint64_t(labels) * ts)
        throw Error(path + ": truncated or damaged: y holds " + std::to_string(vy.bytes) +
                    " bytes, expected " + std::to_string(uint64_t(labels) * ts) + " for " +
                    std::to_string(labels) + " labels");

    y = torch::empty({n}, torch::kInt64);
    int64_t* out = y.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
        const double v = numberAt(vy.type, vy.data + ts * i);
        if (!(v >= 1 && v <= 10) || v != std::floor(v)) {
            std::ostringstream s;
            s << v;
            throw Error(path + ": label " + s.str() + " of image " + std::to_string(i) +
                        " is out of range: SVHN's labels are 1..10 (10 is the digit 0)");
        }
        out[i] = int64_t(v) % 10;
    }
    // Column-major 32x32x3xN: element (r, c, ch, n) at r + 32c + 1024ch + 3072n, which is a
    // row-major [N, 3, 32 (c), 32 (r)] array; swap the last two for [N, 3, r, c].
    torch::Tensor raw =
        torch::from_blob(const_cast<uint8_t*>(vx.data), {n, 3, 32, 32}, torch::kUInt8);
    // Bytes, as stored (InputTransform scales them when a batch is used); a copy.
    x = raw.transpose(2, 3).contiguous();
}

std::string locate(const std::string& dir) {
    if (dir.empty()) throw Error(std::string("SVHN: no directory given (") + kDownload + ")");
    std::error_code ec;
    for (const fs::path& candidate : {fs::path(dir), fs::path(dir) / kSubfolder})
        if (fs::is_regular_file(candidate / kTrainFile, ec) &&
            fs::is_regular_file(candidate / kTestFile, ec))
            return candidate.string();
    throw Error("SVHN not found in " + dir + ": expected " + kTrainFile + " and " + kTestFile +
                "; put them in " + dir + " or in its subfolder " + kSubfolder + " (" + kDownload +
                ")");
}

} // namespace

Dataset readSvhn(const std::string& dir) {
    const std::string base = locate(dir);
    Dataset ds;
    ds.name = "SVHN";
    ds.source = base;
    readSvhnFile((fs::path(base) / kTrainFile).string(), ds.trainX, ds.trainY);
    readSvhnFile((fs::path(base) / kTestFile).string(), ds.testX, ds.testY);
    ds.inputShape = {3, 32, 32};
    for (int c = 0; c < 10; ++c)
        ds.classNames.push_back(std::to_string(c));
    return ds;
}

} // namespace alig::core
