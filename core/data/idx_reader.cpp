#include "core/data/idx_reader.h"

#include "core/util/error.h"

#include <libdeflate.h>
#include <torch/torch.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace alig::core {

namespace {

// Deflate cannot expand data by more than this factor (zlib's technical notes), so a gzip
// file of S bytes never decompresses to more than S * 1032 bytes.
constexpr uint64_t kMaxDeflateRatio = 1032;
constexpr size_t kChunk = size_t(1) << 18;

std::string hex(uint32_t value, int digits) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%0*x", digits, value);
    return buf;
}

// Sequential bytes of a plain or gzip file, so the parser reads both the same way. A gzip file
// of one member is decompressed whole by libdeflate, in one call, into the tensor the parser
// hands out (inMemory(), take()): about three times faster than zlib's inflate, and no copy.
// Anything else (several members, bytes after the member, a damaged or cut stream) is
// streamed by zlib, whose path names what is wrong.
class ByteReader {
public:
    explicit ByteReader(const std::string& path)
        : m_path(path) {
        std::error_code ec;
        if (!fs::is_regular_file(path, ec)) throw Error(path + ": not found or not a regular file");
        m_fileSize = fs::file_size(path, ec);
        m_in.open(path, std::ios::binary);
        if (!m_in || ec) throw Error(path + ": cannot open for reading");
        unsigned char magic[2] = {0, 0};
        m_in.read(reinterpret_cast<char*>(magic), 2);
        m_gzip = m_in.gcount() == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        m_in.clear();
        m_in.seekg(0);
        if (m_gzip) {
            // 15 + 16: a gzip wrapper only, so a raw zlib stream is not silently accepted.
            if (inflateInit2(&m_zs, 15 + 16) != Z_OK)
                throw Error(path + ": cannot initialise zlib");
            m_inBuf.resize(kChunk);
            inflateWhole();
        }
    }
    ~ByteReader() {
        if (m_gzip) inflateEnd(&m_zs);
    }
    ByteReader(const ByteReader&) = delete;
    ByteReader& operator=(const ByteReader&) = delete;

    bool gzip() const { return m_gzip; }
    uint64_t fileSize() const { return m_fileSize; }
    // True when the gzip input ended in the middle of a stream (a cut-off download).
    bool streamCut() const { return m_streamCut; }

    // Reads up to n bytes; fewer only at the end of the (decompressed) data.
    size_t read(uint8_t* dst, size_t n) {
        if (inMemory()) {
            const size_t got = std::min<size_t>(n, remaining());
            if (got > 0) std::memcpy(dst, m_whole.data_ptr<uint8_t>() + m_pos, got);
            m_pos += got;
            return got;
        }
        return m_gzip ? readGzip(dst, n) : readPlain(dst, n);
    }

    // The whole decompressed file is in memory: remaining() bytes are left, and take(n) hands
    // out the next n of them as a uint8 tensor without copying.
    bool inMemory() const { return m_whole.defined(); }
    uint64_t remaining() const { return inMemory() ? uint64_t(m_whole.numel()) - m_pos : 0; }
    torch::Tensor take(size_t n) {
        torch::Tensor part =
            m_whole.narrow(0, static_cast<int64_t>(m_pos), static_cast<int64_t>(n));
        m_pos += n;
        return part;
    }

private:
    // libdeflate needs the whole input and an output of the right size: the gzip trailer
    // gives it (ISIZE, the size modulo 2^32). Only a decompression that uses every input byte
    // and fills exactly that size is kept; otherwise nothing is, and zlib streams the file.
    void inflateWhole() {
        if (m_fileSize < 18) return; // less than a gzip header and trailer
        std::vector<uint8_t> in(static_cast<size_t>(m_fileSize));
        m_in.read(reinterpret_cast<char*>(in.data()), static_cast<std::streamsize>(in.size()));
        const bool whole = static_cast<uint64_t>(m_in.gcount()) == m_fileSize;
        m_in.clear();
        m_in.seekg(0);
        if (!whole) return;
        const uint8_t* t = in.data() + in.size() - 4;
        const uint32_t size = uint32_t(t[0]) | (uint32_t(t[1]) << 8) | (uint32_t(t[2]) << 16) |
                              (uint32_t(t[3]) << 24);
        if (size > m_fileSize * kMaxDeflateRatio) return;
        libdeflate_decompressor* d = libdeflate_alloc_decompressor();
        if (!d) return;
        torch::Tensor out = torch::empty({int64_t(size)}, torch::kUInt8);
        size_t inUsed = 0, outUsed = 0;
        const libdeflate_result r = libdeflate_gzip_decompress_ex(
            d, in.data(), in.size(), out.data_ptr<uint8_t>(), size, &inUsed, &outUsed);
        libdeflate_free_decompressor(d);
        if (r == LIBDEFLATE_SUCCESS && inUsed == in.size() && outUsed == size) m_whole = out;
    }

    size_t readPlain(uint8_t* dst, size_t n) {
        size_t got = 0;
        while (got < n && m_in) {
            const size_t want = std::min(n - got, kChunk * 64);
            m_in.read(reinterpret_cast<char*>(dst + got), static_cast<std::streamsize>(want));
            got += static_cast<size_t>(m_in.gcount());
        }
        return got;
    }

    size_t readGzip(uint8_t* dst, size_t n) {
        size_t got = 0;
        while (got < n && !m_finished) {
            if (m_zs.avail_in == 0) {
                m_in.read(reinterpret_cast<char*>(m_inBuf.data()),
                          static_cast<std::streamsize>(m_inBuf.size()));
                m_zs.next_in = m_inBuf.data();
                m_zs.avail_in = static_cast<uInt>(m_in.gcount());
                if (m_zs.avail_in == 0) {
                    // Running out between members is a clean end; inside one, a cut file.
                    m_streamCut = !(m_atMemberStart && m_members > 0);
                    m_finished = true;
                    break;
                }
            }
            const size_t want = std::min<size_t>(n - got, UINT_MAX);
            m_zs.next_out = dst + got;
            m_zs.avail_out = static_cast<uInt>(want);
            const int rc = inflate(&m_zs, Z_NO_FLUSH);
            got += want - m_zs.avail_out;
            if (rc == Z_STREAM_END) {
                // gzip allows members back to back (cat a.gz b.gz); read on after each.
                ++m_members;
                m_atMemberStart = true;
                inflateReset(&m_zs);
            } else if (rc == Z_OK || rc == Z_BUF_ERROR) {
                m_atMemberStart = false;
            } else if (m_atMemberStart && m_members > 0) {
                // Like gzip(1), ignore non-gzip bytes after the last member.
                m_finished = true;
            } else {
                throw Error(m_path + ": corrupt gzip data (" +
                            std::string(m_zs.msg ? m_zs.msg : "inflate failed") + ")");
            }
        }
        return got;
    }

    std::string m_path;
    std::ifstream m_in;
    uint64_t m_fileSize = 0;
    bool m_gzip = false;
    z_stream m_zs{};
    std::vector<uint8_t> m_inBuf;
    bool m_finished = false;
    bool m_streamCut = false;
    bool m_atMemberStart = true;
    int m_members = 0;
    torch::Tensor m_whole; // the decompressed file, when libdeflate could take it whole
    size_t m_pos = 0;
};

std::string describeItems(uint8_t ndims, const std::vector<uint32_t>& dims, uint64_t bytes) {
    std::string what;
    if (ndims == 1) {
        what = std::to_string(dims[0]) + " labels";
    } else {
        what = std::to_string(dims[0]) + (ndims == 3 ? " images of " : " items of ");
        for (size_t i = 1; i < dims.size(); ++i)
            what += (i > 1 ? "x" : "") + std::to_string(dims[i]);
    }
    return what + " (" + std::to_string(bytes) + " bytes)";
}

// Finds NAME or NAME.gz in dir; empty when neither exists.
std::string findIdx(const fs::path& dir, const std::string& name) {
    std::error_code ec;
    for (const auto& candidate : {dir / name, dir / (name + ".gz")})
        if (fs::is_regular_file(candidate, ec)) return candidate.string();
    return {};
}

} // namespace

torch::Tensor readIdxFile(const std::string& path) {
    ByteReader reader(path);
    if (reader.fileSize() == 0) throw Error(path + ": empty file");
    const std::string where = reader.gzip() ? "the decompressed file holds" : "the file holds";

    uint8_t magic[4];
    const size_t gotMagic = reader.read(magic, 4);
    if (gotMagic < 4)
        throw Error(path + ": truncated: " + where + " " + std::to_string(gotMagic) +
                    " bytes, less than the 4-byte IDX magic number");
    const uint32_t magicValue = (uint32_t(magic[0]) << 24) | (uint32_t(magic[1]) << 16) |
                                (uint32_t(magic[2]) << 8) | magic[3];
    const uint8_t ndims = magic[3];
    if (magic[0] != 0 || magic[1] != 0 || ndims == 0 || ndims > 4)
        throw Error(path + ": not an IDX file: wrong magic number " + hex(magicValue, 8) +
                    " (expected 0x00000801 for labels or 0x00000803 for images)");
    if (magic[2] != 0x08)
        throw Error(path + ": unsupported IDX data type in magic number " + hex(magicValue, 8) +
                    ": only unsigned bytes (type 0x08) are read");

    std::vector<uint8_t> raw(4 * size_t(ndims));
    const size_t headerBytes = 4 + raw.size();
    if (reader.read(raw.data(), raw.size()) < raw.size())
        throw Error(path + ": truncated: the header of " + std::to_string(int(ndims)) +
                    " dimensions needs " + std::to_string(headerBytes) + " bytes");
    std::vector<uint32_t> dims(ndims);
    std::vector<int64_t> sizes(ndims);
    uint64_t total = 1;
    bool overflow = false;
    for (size_t i = 0; i < ndims; ++i) {
        dims[i] = (uint32_t(raw[4 * i]) << 24) | (uint32_t(raw[4 * i + 1]) << 16) |
                  (uint32_t(raw[4 * i + 2]) << 8) | raw[4 * i + 3];
        sizes[i] = dims[i];
        // Four 32-bit dimensions can overflow 64 bits; anything over 2^62 is absurd anyway.
        if (dims[i] != 0 && total > (uint64_t(1) << 62) / dims[i])
            overflow = true;
        else
            total *= dims[i];
    }
    if (overflow)
        throw Error(path + ": corrupt header: the dimensions multiply to more than 2^62 bytes");
    const std::string claim = "header claims " + describeItems(ndims, dims, total);

    if (!reader.gzip()) {
        const uint64_t data = reader.fileSize() - headerBytes;
        if (data != total)
            throw Error(path + ": " + (data < total ? "truncated: " : "trailing data: ") + claim +
                        " but the file holds " + std::to_string(data) + " bytes after the " +
                        std::to_string(headerBytes) + "-byte header");
        torch::Tensor out = torch::empty(sizes, torch::kUInt8);
        if (reader.read(out.data_ptr<uint8_t>(), total) != total)
            throw Error(path + ": read error");
        return out;
    }

    if (total > reader.fileSize() * kMaxDeflateRatio)
        throw Error(path + ": truncated or corrupt: " + claim + " but a gzip file of " +
                    std::to_string(reader.fileSize()) + " bytes decompresses to at most " +
                    std::to_string(reader.fileSize() * kMaxDeflateRatio) + " bytes");
    if (reader.inMemory()) {
        const uint64_t have = reader.remaining();
        if (have < total)
            throw Error(path + ": truncated: " + claim + " but " + where + " " +
                        std::to_string(have) + " bytes after the " + std::to_string(headerBytes) +
                        "-byte header");
        if (have > total)
            throw Error(path + ": trailing data: " + claim + " but " + where + " more (" +
                        std::to_string(have) + " bytes after the " + std::to_string(headerBytes) +
                        "-byte header)");
        return reader.take(total).view(sizes);
    }
    // Grow towards the claim only as real data arrives, so a lying header that passes the
    // ratio check still cannot make us allocate much more than the file really holds.
    std::vector<uint8_t> buf;
    size_t have = 0;
    size_t capacity =
        static_cast<size_t>(std::min<uint64_t>(total, reader.fileSize() * 4 + kChunk));
    while (have < total) {
        if (have == buf.size()) {
            buf.resize(capacity);
            capacity = static_cast<size_t>(std::min<uint64_t>(total, uint64_t(capacity) * 2));
        }
        const size_t got = reader.read(buf.data() + have, buf.size() - have);
        have += got;
        if (got == 0 || (have < buf.size() && have < total)) break;
    }
    if (have < total)
        throw Error(path + ": truncated: " + claim + " but " + where + " " + std::to_string(have) +
                    " bytes after the " + std::to_string(headerBytes) + "-byte header" +
                    (reader.streamCut() ? " (the gzip stream is cut off)" : ""));
    uint8_t extra;
    if (reader.read(&extra, 1) > 0)
        throw Error(path + ": trailing data: " + claim + " but " + where + " more");
    if (reader.streamCut())
        throw Error(path + ": truncated: the gzip stream is cut off after the data");
    torch::Tensor out = torch::empty(sizes, torch::kUInt8);
    if (total > 0) std::memcpy(out.data_ptr<uint8_t>(), buf.data(), total);
    return out;
}

Dataset readIdxDataset(const std::string& dir, const std::vector<std::string>& classNames,
                       const std::string& name) {
    const auto& names = idxFileNames();
    std::string expected;
    for (const auto& n : names)
        expected += (expected.empty() ? "" : ", ") + n + "[.gz]";
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw Error(name + " not found: " + dir + " is not a directory (expected it to hold " +
                    expected + ")");
    std::vector<std::string> paths;
    std::string missing;
    for (const auto& n : names) {
        paths.push_back(findIdx(dir, n));
        if (paths.back().empty()) missing += (missing.empty() ? "" : ", ") + n + "[.gz]";
    }
    if (missing == expected)
        throw Error(name + " not found in " + dir + ": expected " + expected +
                    " (each plain or gzip-compressed)");
    if (!missing.empty())
        throw Error(name + " not found in " + dir + ": missing " + missing +
                    " (looked for each file plain and with .gz)");

    Dataset ds;
    ds.name = name;
    ds.source = dir;
    torch::Tensor sets[2][2];
    for (int s = 0; s < 2; ++s) {
        const std::string& imagePath = paths[2 * s];
        const std::string& labelPath = paths[2 * s + 1];
        torch::Tensor images = readIdxFile(imagePath);
        torch::Tensor labels = readIdxFile(labelPath);
        if (images.dim() != 3)
            throw Error(imagePath + ": expected images (magic 0x00000803, 3 dimensions), found " +
                        std::to_string(images.dim()) + " dimension(s)");
        if (labels.dim() != 1)
            throw Error(labelPath + ": expected labels (magic 0x00000801, 1 dimension), found " +
                        std::to_string(labels.dim()) + " dimensions");
        if (images.size(0) != labels.size(0))
            throw Error(imagePath + " holds " + std::to_string(images.size(0)) + " images but " +
                        labelPath + " holds " + std::to_string(labels.size(0)) +
                        " labels: the counts disagree");
        if (images.size(0) == 0) throw Error(imagePath + ": holds no images");
        if (s == 1 && images.sizes().slice(1) != sets[0][0].sizes().slice(2))
            throw Error(imagePath + ": test images are " + std::to_string(images.size(1)) + "x" +
                        std::to_string(images.size(2)) + " but the training images are " +
                        std::to_string(sets[0][0].size(2)) + "x" +
                        std::to_string(sets[0][0].size(3)));
        if (!classNames.empty()) {
            const int64_t classes = static_cast<int64_t>(classNames.size());
            torch::Tensor bad = (labels >= classes).nonzero();
            if (bad.size(0) > 0) {
                const int64_t at = bad[0][0].item<int64_t>();
                throw Error(labelPath + ": label " + std::to_string(labels[at].item<int64_t>()) +
                            " at index " + std::to_string(at) + " is out of range: " + name +
                            " has " + std::to_string(classes) + " classes (labels 0.." +
                            std::to_string(classes - 1) + ")");
            }
        }
        sets[s][0] = images.unsqueeze(1); // bytes, as stored (InputTransform scales them)
        sets[s][1] = labels.to(torch::kInt64);
    }
    ds.trainX = sets[0][0];
    ds.trainY = sets[0][1];
    ds.testX = sets[1][0];
    ds.testY = sets[1][1];
    ds.inputShape = {1, ds.trainX.size(2), ds.trainX.size(3)};
    if (!classNames.empty()) {
        ds.classNames = classNames;
    } else {
        const int64_t maxLabel =
            std::max(ds.trainY.max().item<int64_t>(), ds.testY.max().item<int64_t>());
        for (int64_t c = 0; c <= maxLabel; ++c)
            ds.classNames.push_back(std::to_string(c));
    }
    return ds;
}

} // namespace alig::core
