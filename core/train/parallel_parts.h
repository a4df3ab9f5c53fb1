#pragma once
// Work split in parts that run side by side on LibTorch's intra-op threads.

#include <cstdint>
#include <functional>

namespace alig::core {

// Runs body(k) for every k in [0, parts), one part per intra-op thread (at::parallel_for:
// LibTorch's operators called inside a part run inline on that part's thread), and returns
// when all have; an exception thrown by a part reaches the caller. On one thread, or nested
// in a parallel region, the parts run in order on the calling thread.
//
// at::parallel_for is a template whose OpenMP pragma is compiled into the caller: this file
// is built with OpenMP (alig_parallel_source in core/CMakeLists.txt), so that the parts run in
// parallel, whatever flags the rest of the project is built with.
void forEachPartInParallel(int64_t parts, const std::function<void(int64_t)>& body);

// Whether forEachPartInParallel runs parts on more than one thread (an OpenMP build).
bool partsRunInParallel();

} // namespace alig::core
