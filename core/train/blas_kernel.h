#pragma once
// Which OpenBLAS kernel runs, and whether a better one would. Debian 12's OpenBLAS (0.3.21)
// does not recognise some current CPUs and silently falls back to a slow generic kernel;
// OPENBLAS_CORETYPE chooses another, but only before OpenBLAS initialises, which is why
// the programs' launcher (app/launcher) or prepareRuntimeEnvironment() (runtime_env.h) applies
// the choice before OpenBLAS loads. Nothing here needs LibTorch.

#include <string>

namespace alig::core {

// The OpenBLAS kernel in use ("Haswell", ...), or empty when no OpenBLAS is loaded.
std::string blasCoreName();

// The x86-64 instruction-set features OpenBLAS's kernels need, as the CPU and the operating
// system support them (AVX and AVX-512 only count when the OS saves their registers).
struct CpuFeatures {
    bool sse3 = false, ssse3 = false, sse41 = false, sse42 = false;
    bool avx = false, avx2 = false, fma = false;
    bool avx512f = false, avx512cd = false, avx512bw = false, avx512dq = false, avx512vl = false,
         avx512bf16 = false;
    bool amd = false; // AMD or Hygon: OpenBLAS calls their AVX2 kernel "Zen"
};

// This machine's features (all false on a CPU that is not x86-64).
CpuFeatures cpuFeatures();

// The instruction-set level of an OpenBLAS x86-64 kernel name (openblas_get_corename(),
// case-insensitive): 1 SSE3 (Prescott, Atom, Opteron...), 2 SSSE3 (Core2, Penryn...),
// 3 SSE4 (Nehalem, Barcelona), 4 AVX (Sandybridge, Bulldozer...), 5 AVX2 + FMA (Haswell,
// Zen, Excavator), 6 AVX-512 (SkylakeX), 7 AVX-512 with BF16 (Cooperlake, Sapphirerapids).
// -1 for a name it does not know (another architecture, or no OpenBLAS).
int blasKernelLevel(const std::string& kernel);

// The fastest OpenBLAS 0.3.21 kernel the features support ("" when none is known).
std::string bestBlasKernel(const CpuFeatures& features);

// The kernel to force with OPENBLAS_CORETYPE: the best supported one when OpenBLAS detected
// a kernel of a lower level, "" when what it detected is as good (or either is unknown).
std::string blasKernelToForce(const std::string& detected, const CpuFeatures& features);

// One line for logs and the About box: the kernel in use and why, e.g.
// "Cooperlake (OpenBLAS's own choice, the best this CPU supports)",
// "SkylakeX (chosen at start: OpenBLAS detected Prescott, a generic kernel)",
// "Haswell (set by OPENBLAS_CORETYPE; this CPU also supports Cooperlake)", or
// "none: the reference BLAS (slow; install libopenblas0-pthread)".
std::string blasKernelReport();

} // namespace alig::core
