#!/usr/bin/env bash
# alig-train against PyTorch from Python with the reference ALI-G, as whole processes (start-up,
# data loading and every epoch's test evaluation included): MLP 784-512-512-10 on Fashion-MNIST,
# batch 128, ALI-G max_lr 0.1, momentum 0.9, 2 epochs, with 1 thread and with every core. The
# runs alternate (alig-train, Python, alig-train, ...) so that a machine whose speed drifts
# affects both alike; the table has each side's median of RUNS runs and their ratio.
#
# The Python side uses the authors' ALI-G when ALIG_REFERENCE names their file (oval-group/ali-g's
# alig/th/alig.py; it is never part of this project), else our Python ALI-G (alig_reference.py).
# Needs Debian's python3-torch (scripts/bench.sh installs it): the same LibTorch and BLAS.
#
# Usage: [ALIG_REFERENCE=/path/to/alig.py] [RUNS=3] bench/python/compare.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${1:-${ALIG_BUILD_DIR:-build}}
RUNS=${RUNS:-3}
PYTHON=/usr/bin/python3
TRAIN="$BUILD_DIR/app/cli/alig-train"
if ! $PYTHON -c 'import torch, numpy' 2>/dev/null; then
    echo "compare.sh: PyTorch is not installed for $PYTHON (no 'import torch'), so there is" >&2
    echo "nothing to compare with here. On Debian: apt-get install python3-torch python3-numpy;" >&2
    echo "or run this script on a machine that has it." >&2
    exit 2
fi
[[ -x "$TRAIN" ]] || { echo "compare.sh: $TRAIN not built (./scripts/build.sh)" >&2; exit 2; }
if [[ -n "${ALIG_REFERENCE:-}" && ! -f "$ALIG_REFERENCE" ]]; then
    echo "compare.sh: ALIG_REFERENCE=$ALIG_REFERENCE: no such file" >&2
    exit 2
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

now() { date +%s.%N; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

echo "MLP 784-512-512-10, Fashion-MNIST, batch 128, ALI-G max_lr 0.1 momentum 0.9, 2 epochs,"
echo "test set evaluated each epoch; whole processes, median of $RUNS alternating runs"
"$TRAIN" --version | tail -1
$PYTHON bench/python/train_mlp.py --describe
printf '\n%-36s %8s %10s %10s\n' "trainer" "threads" "seconds" "vs Python"
for t in 1 "$(nproc)"; do
    : >"$out/alig-$t" && : >"$out/python-$t"
    for ((r = 0; r < RUNS; ++r)); do
        start=$(now)
        "$TRAIN" --preset fashion-mnist-mlp-alig --set 'model.hidden=[512,512]' \
            --set optimizer.max_lr=0.1 --set optimizer.momentum=0.9 --epochs 2 --threads "$t" \
            --quiet --out "$out/run-$t-$r" >/dev/null
        awk -v a="$(now)" -v b="$start" 'BEGIN {print a - b}' >>"$out/alig-$t"
        start=$(now)
        $PYTHON bench/python/train_mlp.py --threads "$t" --epochs 2 >"$out/py.log"
        awk -v a="$(now)" -v b="$start" 'BEGIN {print a - b}' >>"$out/python-$t"
    done
    a=$(median <"$out/alig-$t")
    p=$(median <"$out/python-$t")
    printf '%-36s %8d %10.2f %9.2fx\n' "alig-train (C++, ALI-G)" "$t" "$a" \
        "$(awk -v a="$a" -v p="$p" 'BEGIN {print a / p}')"
    printf '%-36s %8d %10.2f %9.2fx\n' "PyTorch + reference ALI-G (Python)" "$t" "$p" 1
done
echo
echo "targets: alig-train at most 0.77x of Python's time with 1 thread, 0.67x with $(nproc)"
