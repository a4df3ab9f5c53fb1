#include "core/train/blas_kernel.h"

#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace alig::core {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

} // namespace

std::string blasCoreName() {
    // Looked up at run time: with the reference BLAS (no OpenBLAS) the symbol is absent.
    using CoreName = char* (*)();
    if (auto name = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename")))
        return name();
    return {};
}

CpuFeatures cpuFeatures() {
    CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return f;
    const unsigned maxLeaf = a;
    // "AuthenticAMD" / "HygonGenuine": the vendor string is in EBX, EDX, ECX.
    f.amd = (b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163) ||
            (b == 0x6f677948 && d == 0x6e65476e && c == 0x656e6975);
    __get_cpuid(1, &a, &b, &c, &d);
    f.sse3 = c & (1u << 0);
    f.ssse3 = c & (1u << 9);
    f.sse41 = c & (1u << 19);
    f.sse42 = c & (1u << 20);
    const bool fma = c & (1u << 12);
    const bool osxsave = c & (1u << 27);
    const bool avx = c & (1u << 28);
    // Which register states the OS saves (XCR0): SSE and AVX (bits 1, 2); AVX-512 (5, 6, 7).
    unsigned long long xcr0 = 0;
    if (osxsave) {
        unsigned lo = 0, hi = 0;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        xcr0 = (static_cast<unsigned long long>(hi) << 32) | lo;
    }
    const bool osAvx = (xcr0 & 0x6) == 0x6;
    const bool osAvx512 = osAvx && (xcr0 & 0xe0) == 0xe0;
    f.avx = avx && osAvx;
    f.fma = fma && osAvx;
    if (maxLeaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        f.avx2 = (b & (1u << 5)) && osAvx;
        f.avx512f = (b & (1u << 16)) && osAvx512;
        f.avx512dq = (b & (1u << 17)) && osAvx512;
        f.avx512cd = (b & (1u << 28)) && osAvx512;
        f.avx512bw = (b & (1u << 30)) && osAvx512;
        f.avx512vl = (b & (1u << 31)) && osAvx512;
        const unsigned subleaves = a;
        if (subleaves >= 1) {
            __cpuid_count(7, 1, a, b, c, d);
            f.avx512bf16 = (a & (1u << 5)) && osAvx512;
        }
    }
#endif
    return f;
}

int blasKernelLevel(const std::string& kernel) {
    static const std::map<std::string, int> levels{
        {"katmai", 0},        {"coppermine", 0}, {"northwood", 0},   {"banias", 0},
        {"athlon", 0},        {"opteron", 0},    {"prescott", 1},    {"atom", 1},
        {"opteron_sse3", 1},  {"core2", 2},      {"penryn", 2},      {"dunnington", 2},
        {"bobcat", 2},        {"nehalem", 3},    {"barcelona", 3},   {"sandybridge", 4},
        {"bulldozer", 4},     {"piledriver", 4}, {"steamroller", 4}, {"haswell", 5},
        {"zen", 5},           {"excavator", 5},  {"skylakex", 6},    {"cooperlake", 7},
        {"sapphirerapids", 7}};
    const auto it = levels.find(lower(kernel));
    return it == levels.end() ? -1 : it->second;
}

std::string bestBlasKernel(const CpuFeatures& f) {
    const bool avx512 = f.avx512f && f.avx512cd && f.avx512bw && f.avx512dq && f.avx512vl;
    if (avx512 && f.avx512bf16) return "Cooperlake";
    if (avx512) return "SkylakeX";
    if (f.avx2 && f.fma) return f.amd ? "Zen" : "Haswell";
    if (f.avx) return "Sandybridge";
    if (f.sse42 && f.sse41) return "Nehalem";
    if (f.ssse3) return "Core2";
    if (f.sse3) return "Prescott";
    return {};
}

std::string blasKernelToForce(const std::string& detected, const CpuFeatures& features) {
    const std::string best = bestBlasKernel(features);
    const int have = blasKernelLevel(detected);
    const int could = blasKernelLevel(best);
    if (have < 0 || could < 0 || could <= have) return {};
    return best;
}

std::string blasKernelReport() {
    const std::string kernel = blasCoreName();
    if (kernel.empty()) return "none: the reference BLAS (slow; install libopenblas0-pthread)";
    const std::string best = bestBlasKernel(cpuFeatures());
    const char* detectedByOpenBlas = std::getenv("ALIG_BLAS_DETECTED");
    const char* set = std::getenv("OPENBLAS_CORETYPE");
    if (detectedByOpenBlas && set) {
        const bool generic = blasKernelLevel(detectedByOpenBlas) <= 1;
        return kernel + " (chosen at start: OpenBLAS detected " + detectedByOpenBlas +
               (generic ? ", a generic kernel)" : ")");
    }
    if (set && *set) {
        std::string line = kernel + " (set by OPENBLAS_CORETYPE";
        if (blasKernelLevel(best) > blasKernelLevel(kernel))
            line += "; this CPU also supports " + best;
        return line + ")";
    }
    if (!best.empty() && blasKernelLevel(best) > blasKernelLevel(kernel))
        return kernel + " (OpenBLAS's own choice; this CPU also supports " + best + ")";
    return kernel + " (OpenBLAS's own choice, the best this CPU supports)";
}

} // namespace alig::core
