#!/usr/bin/env bash
# Configures (once) and builds the project into build/ (Release). Extra arguments go to
# CMake's configure step, e.g. scripts/build.sh -DALIG_BUILD_GUI=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${ALIG_BUILD_DIR:-build}
generator=()
if command -v ninja >/dev/null 2>&1 && [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
    generator=(-G Ninja)
fi
if [[ ! -f "$BUILD_DIR/CMakeCache.txt" || $# -gt 0 ]]; then
    cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "$@"
fi
cmake --build "$BUILD_DIR" --parallel "$(nproc)"
