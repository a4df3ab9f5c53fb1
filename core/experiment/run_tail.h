#pragma once
// Follows a run folder that another process is writing: alig-train in another terminal, a
// torchrun job's rank 0, the Python logger, or a machine that shares or syncs the folder.
// Each poll() returns the rows completed since the last one; a last line still being
// written is kept back until its line end arrives, so a row is never seen half written.
// RunTail only reads: it writes nothing into the folder and takes no lock. The window's
// watched runs (ui/run/run_watcher.h) poll one on a timer.

#include "core/experiment/run_schema.h"
#include "core/train/metrics.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace alig::core {

class RunTail {
public:
    struct Update {
        // The files were replaced (a resume drops the rows after its checkpoint and writes
        // them again): forget every row received so far; `steps` and `epochs` start over.
        bool reset = false;
        std::vector<StepMetrics> steps;
        std::vector<EpochMetrics> epochs;
        bool infoChanged = false;
        nlohmann::json info; // run.json, when infoChanged
        // Bytes arrived since the last poll (rows, or part of one): the writer is alive.
        bool grew = false;
    };

    // Errors name the folder when it is not there.
    explicit RunTail(std::string dir);
    ~RunTail();
    RunTail(const RunTail&) = delete;
    RunTail& operator=(const RunTail&) = delete;

    // Reads what was added since the last call. Never throws for what another process is
    // doing to the files (not there yet, replaced, a row that does not parse: skipped).
    Update poll();
    const std::string& dir() const { return m_dir; }

private:
    template <class Row> struct File;
    std::string m_dir;
    std::unique_ptr<File<StepMetrics>> m_steps;
    std::unique_ptr<File<EpochMetrics>> m_epochs;
    struct InfoStamp {
        long long inode = -1, size = -1, mtimeNs = -1;
        bool operator==(const InfoStamp& o) const {
            return inode == o.inode && size == o.size && mtimeNs == o.mtimeNs;
        }
    } m_infoStamp;
};

} // namespace alig::core
