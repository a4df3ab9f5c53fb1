#include "core/experiment/run_tail.h"

#include "core/experiment/experiment_config.h"
#include "core/util/error.h"

#include <cstdio>
#include <filesystem>
#include <optional>

#include <sys/stat.h>

namespace fs = std::filesystem;

namespace alig::core {

// One CSV file being appended to: where reading stopped, the line not yet ended, and which
// file it was (a replaced file has another inode, or is shorter than what was read).
template <class Row> struct RunTail::File {
    std::string path;
    const std::vector<Column<Row>>& columns;
    long long inode = -1;
    long long offset = 0;
    std::string partial;
    std::optional<CsvRowParser<Row>> parser;

    File(std::string p, const std::vector<Column<Row>>& c)
        : path(std::move(p))
        , columns(c) {}

    // True when the file was replaced since the last read.
    bool replaced() const {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) return inode != -1; // removed
        return inode != -1 && (static_cast<long long>(st.st_ino) != inode || st.st_size < offset);
    }

    void restart() {
        inode = -1;
        offset = 0;
        partial.clear();
        parser.reset();
    }

    // Appends the rows completed since the last read; true when any bytes arrived.
    bool read(std::vector<Row>& rows) {
        std::FILE* f = std::fopen(path.c_str(), "rb");
        if (!f) return false; // not written yet
        struct stat st {};
        if (::fstat(fileno(f), &st) != 0 || std::fseek(f, offset, SEEK_SET) != 0) {
            std::fclose(f);
            return false;
        }
        inode = static_cast<long long>(st.st_ino);
        std::string added;
        char buffer[65536];
        size_t n;
        while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0)
            added.append(buffer, n);
        std::fclose(f);
        offset += static_cast<long long>(added.size());
        partial += added;
        size_t start = 0;
        for (size_t end; (end = partial.find('\n', start)) != std::string::npos; start = end + 1) {
            std::string line = partial.substr(start, end - start);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty()) continue;
            if (!parser) {
                try {
                    parser.emplace(columns, line, path);
                } catch (const Error&) {
                    // Not our header: nothing in this file can be read.
                    parser.reset();
                }
                continue;
            }
            Row row;
            if (parser->parse(line, row)) rows.push_back(row);
        }
        partial.erase(0, start); // the line still being written waits for its end
        return !added.empty();
    }
};

RunTail::RunTail(std::string dir)
    : m_dir(std::move(dir)) {
    if (!fs::is_directory(m_dir)) throw Error(m_dir + ": no such run folder");
    m_steps = std::make_unique<File<StepMetrics>>(m_dir + "/metrics.csv", stepColumns());
    m_epochs = std::make_unique<File<EpochMetrics>>(m_dir + "/epochs.csv", epochColumns());
}

RunTail::~RunTail() = default;

RunTail::Update RunTail::poll() {
    Update u;
    if (m_steps->replaced() || m_epochs->replaced()) {
        m_steps->restart();
        m_epochs->restart();
        u.reset = true;
    }
    const bool steps = m_steps->read(u.steps);
    const bool epochs = m_epochs->read(u.epochs);
    u.grew = steps || epochs;

    // run.json is replaced whole (written beside and renamed): a new stamp, a new version.
    const std::string infoPath = m_dir + "/run.json";
    struct stat st {};
    if (::stat(infoPath.c_str(), &st) == 0) {
        const InfoStamp stamp{static_cast<long long>(st.st_ino), static_cast<long long>(st.st_size),
                              static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL +
                                  st.st_mtim.tv_nsec};
        if (!(stamp == m_infoStamp)) {
            try {
                u.info = readJsonObjectFile(infoPath);
                u.infoChanged = true;
                m_infoStamp = stamp;
            } catch (const Error&) {
                // Caught mid-copy by a sync tool: the next poll reads it whole.
            }
        }
    }
    return u;
}

} // namespace alig::core
