// fused_cpu_kernels.h compiled with AVX-512 F/DQ/BW/VL (see sources.cmake); used only on CPUs
// with all four (fused_cpu.cpp checks).
#define ALIG_KERNEL_SET_FUNCTION avx512Kernels
#define ALIG_KERNEL_SET_NAME "AVX-512"
#include "core/optim/fused_cpu_kernels.h"
