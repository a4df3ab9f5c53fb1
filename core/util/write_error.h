#pragma once
// A file the run must write could not be written (a full disk, a size limit, a lost
// permission). It is an Error, so every boundary that catches Error still catches it, but
// front ends tell it apart: the run failed (exit 1); the input was not bad (exit 2).

#include "core/util/error.h"

namespace alig::core {

class WriteError : public Error {
public:
    using Error::Error;
};

} // namespace alig::core
