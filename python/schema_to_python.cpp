// Writes python/alig_studio/_schema.py from the run schema (core/experiment/run_schema.cpp)
// and the run folder's lock (core/util/run_lock.h) at build time, so that the Python logger
// writes the very columns alig-train writes without a second list of them.
//   alig_schema_to_python OUT.py

#include "core/experiment/run_schema.h"
#include "core/util/run_lock.h"

#include <cstdio>
#include <string>

namespace {

const char* formatName(alig::core::ColumnFormat format) {
    switch (format) {
    case alig::core::ColumnFormat::Integer:
        return "integer";
    case alig::core::ColumnFormat::Flag:
        return "flag";
    case alig::core::ColumnFormat::Real:
        return "real";
    case alig::core::ColumnFormat::Seconds:
        return "seconds";
    }
    return "real";
}

template <class Row>
std::string columnsList(const char* name, const std::vector<alig::core::Column<Row>>& columns) {
    std::string text = std::string(name) + " = [\n";
    for (const auto& c : columns)
        text += std::string("    (\"") + c.name + "\", \"" + formatName(c.format) + "\"),\n";
    return text + "]\n";
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUT.py\n", argv[0]);
        return 2;
    }
    const std::string text =
        "# Generated at build time from core/experiment/run_schema.cpp and core/util/run_lock.h\n"
        "# by python/schema_to_python.cpp: do not edit.\n"
        "# (name, format): integer as is, flag 0 or 1, real with 17 significant digits,\n"
        "# seconds with 6 decimals. The first column is the row's key.\n" +
        columnsList("STEP_COLUMNS", alig::core::stepColumns()) +
        columnsList("EPOCH_COLUMNS", alig::core::epochColumns()) + "RUN_LOCK_FILE = \"" +
        alig::core::kRunLockFile + "\"\nVERSION = \"" + ALIG_VERSION + "\"\n";
    std::FILE* f = std::fopen(argv[1], "w");
    if (!f || std::fputs(text.c_str(), f) < 0 || std::fclose(f) != 0) {
        std::fprintf(stderr, "%s: cannot write %s\n", argv[0], argv[1]);
        return 1;
    }
    return 0;
}
