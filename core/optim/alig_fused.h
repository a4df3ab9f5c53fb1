#pragma once
// Switches AliG::step to the fused CUDA kernels (alig_fused_kernels.cu) where they apply:
// one parameter group, every parameter a contiguous float32 CUDA tensor with a gradient.
// Other steps, and builds against a LibTorch without CUDA, keep the LibTorch path.

namespace alig::core {

// True when this build has the fused kernels (a CUDA LibTorch and nvcc at build time).
bool fusedAligStepAvailable();

// Turns the fused step on or off for every AliG of the process. With `on`, the variable
// ALIG_FUSED_STEP=0 still keeps it off (to compare the two paths). Returns whether it is on.
bool enableFusedAligStep(bool on = true);

} // namespace alig::core
