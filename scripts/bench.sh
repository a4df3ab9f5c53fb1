#!/usr/bin/env bash
# Builds and runs every benchmark in bench/; each prints its own table. The window's
# benchmarks run offscreen.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's PyTorch (the same LibTorch) for the comparison with the Python reference ALI-G.
./scripts/setup.sh python3-torch python3-numpy
./scripts/build.sh
BUILD_DIR=${ALIG_BUILD_DIR:-build}
"$BUILD_DIR/bench/bench_optimizer_step"
echo
"$BUILD_DIR/bench/bench_training_throughput"
echo
"$BUILD_DIR/bench/bench_sgemm"
if [[ -x "$BUILD_DIR/bench/bench_plot_replot" ]]; then
    echo
    QT_QPA_PLATFORM=offscreen "$BUILD_DIR/bench/bench_plot_replot"
    echo
    QT_QPA_PLATFORM=offscreen "$BUILD_DIR/bench/bench_gui_overhead"
    echo
    QT_QPA_PLATFORM=offscreen "$BUILD_DIR/bench/bench_startup"
fi
echo
bench/python/compare.sh "$BUILD_DIR"
