// fused_cpu_kernels.h compiled with -mavx2 -mfma (see sources.cmake); used only on CPUs with
// both (fused_cpu.cpp checks).
#define ALIG_KERNEL_SET_FUNCTION avx2Kernels
#define ALIG_KERNEL_SET_NAME "AVX2"
#include "core/optim/fused_cpu_kernels.h"
