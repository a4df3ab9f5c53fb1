#!/usr/bin/env bash
# One epoch of the default preset (MLP on Fashion-MNIST, ALI-G max_lr 0.5, batch 128) trained
# by alig-train and by PyTorch from Python with the reference ALI-G (alig_reference.py), with
# 1 thread and with every core, same BLAS kernel and OpenMP settings; prints a table.
# Needs Debian's python3-torch (scripts/bench.sh installs it); both use the same LibTorch.
#
# Usage: bench/python/compare.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${1:-${ALIG_BUILD_DIR:-build}}
PYTHON=/usr/bin/python3
if ! $PYTHON -c 'import torch, numpy' 2>/dev/null; then
    echo "compare.sh: $PYTHON has no torch/numpy (apt-get install python3-torch python3-numpy)" >&2
    exit 2
fi
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
threads=(1 "$(nproc)")

echo "one epoch of fashion-mnist-mlp-alig, test set evaluated at its end;"
echo "$("$BUILD_DIR/app/cli/alig-train" --version | tail -1)"
printf '\n%-34s %8s %10s %12s %10s\n' "trainer" "threads" "steps/s" "samples/s" "seconds"
declare -A seconds
for t in "${threads[@]}"; do
    "$BUILD_DIR/app/cli/alig-train" --epochs 1 --threads "$t" --quiet --out "$out/run-$t" >/dev/null
    s=$(awk -F, 'NR==2 {print $8}' "$out/run-$t/epochs.csv")
    steps=$(awk -F, 'NR==2 {print $2}' "$out/run-$t/epochs.csv")
    seconds[alig-$t]=$s
    awk -v t="$t" -v s="$s" -v n="$steps" \
        'BEGIN {printf "%-34s %8d %10.1f %12.0f %10.2f\n", "alig-train (C++, ALI-G)", t, n/s, 60000/s, s}'
done
while read -r t rate samples s acc; do
    [[ "$t" =~ ^[0-9]+$ ]] || continue
    seconds[python-$t]=$s
    printf '%-34s %8d %10.1f %12.0f %10.2f\n' "PyTorch + reference ALI-G (Python)" "$t" "$rate" \
        "$samples" "$s"
done < <($PYTHON bench/python/train_mlp.py /usr/share/datasets/fashion-mnist "${threads[@]}")
echo
for t in "${threads[@]}"; do
    awk -v t="$t" -v a="${seconds[alig-$t]}" -v p="${seconds[python-$t]}" \
        'BEGIN {printf "%d threads: alig-train takes %.2fx the time of the Python reference\n", t, a/p}'
done
