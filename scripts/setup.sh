#!/usr/bin/env bash
# Installs, only when missing, every Debian package that the build, the tests and the
# default run need. A second run checks with dpkg-query and takes about a second.
set -euo pipefail

PACKAGES=(
    build-essential cmake ninja-build pkg-config
    qt6-base-dev libqcustomplot-dev libqcustomplot2.1-qt6
    libtorch-dev
    # Gloo's headers: alig-train's data-parallel training on CPU (torch.distributed's c10d).
    libgloo-dev
    # Without the pthread OpenBLAS, LibTorch falls back to the reference BLAS (~9x slower).
    libopenblas0-pthread
    nlohmann-json3-dev libcli11-dev zlib1g-dev
    # Decompresses the gzip dataset files whole, about 3x faster than zlib (idx_reader.cpp).
    libdeflate-dev
    # giflib: the window's animations for slides (File > Export Animation, --record).
    libgif-dev
    # Google Benchmark, for bench/ (the optimizer-step benchmark).
    libbenchmark-dev
    # scripts/format-check.sh (.ci/run): the formatter .clang-format is written for.
    clang-format-14
    dataset-fashion-mnist
    xvfb xauth
    # Load for scripts/test.sh --under-load: the suite must pass on a busy machine.
    stress-ng
    # tst_tensorboard_events reads the event files with its own protobuf decoder and CRC-32C;
    # tst_python_logger trains a tiny PyTorch model through python/alig_studio.
    python3 python3-protobuf python3-crcmod python3-torch
)
# Extra packages a caller may ask for (e.g. imagemagick for screenshots).
PACKAGES+=("$@")

missing=()
for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

echo "setup: installing ${missing[*]}" >&2
# Refresh the package lists once when apt cannot find a package (fresh machines ship none).
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
