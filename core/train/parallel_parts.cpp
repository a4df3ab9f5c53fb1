#include "core/train/parallel_parts.h"

#include <ATen/Parallel.h>

namespace alig::core {

void forEachPartInParallel(int64_t parts, const std::function<void(int64_t)>& body) {
    at::parallel_for(0, parts, 1, [&](int64_t begin, int64_t end) {
        for (int64_t k = begin; k < end; ++k)
            body(k);
    });
}

bool partsRunInParallel() {
#ifdef _OPENMP
    return true;
#else
    return false;
#endif
}

} // namespace alig::core
