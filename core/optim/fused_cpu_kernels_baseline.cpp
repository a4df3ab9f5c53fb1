// fused_cpu_kernels.h compiled for the baseline instruction set of the target.
#define ALIG_KERNEL_SET_FUNCTION baselineKernels
#define ALIG_KERNEL_SET_NAME "baseline"
#include "core/optim/fused_cpu_kernels.h"
