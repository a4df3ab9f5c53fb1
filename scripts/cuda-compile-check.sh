#!/usr/bin/env bash
# Compiles the fused CUDA ALI-G kernels (core/optim/alig_fused_kernels.cu) with nvcc against
# whatever LibTorch is installed, CPU-only included, so that a machine without a GPU still
# catches their compile errors. Skips, saying so, where there is no nvcc. CI runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
NVCC=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
if [[ ! -x "$NVCC" ]]; then
    echo "cuda-compile-check: no nvcc here (set CUDACXX); skipped" >&2
    exit 0
fi
BUILD=${ALIG_CUDA_CHECK_DIR:-build-cuda-check}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DALIG_BUILD_GUI=OFF \
    -DALIG_BUILD_TESTS=OFF -DALIG_BUILD_BENCH=OFF -DALIG_BUILD_CUDA_KERNELS=ON \
    -DCMAKE_CUDA_COMPILER="$NVCC" -DCMAKE_CUDA_ARCHITECTURES="80;90" >/dev/null
cmake --build "$BUILD" --target alig_cuda_kernels
echo "cuda-compile-check: the fused CUDA kernels compile with $("$NVCC" --version | tail -1)"
