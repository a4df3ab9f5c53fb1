#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer and UBSan) in build-fuzz/ and runs
# each for a given time, one after the other, from a seed corpus that fuzz/make_seeds.py
# writes (nothing is downloaded). Findings land in build-fuzz/findings/<target>/; copy each
# into fuzz/regressions/<target>/ so that tst_fuzz_regressions replays it from then on.
#   scripts/fuzz.sh                 # 60 s per target
#   scripts/fuzz.sh 600             # 10 minutes per target
#   scripts/fuzz.sh 600 csv config  # only these targets
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(idx cifar csv config)
./scripts/setup.sh clang libclang-rt-14-dev python3
BUILD_DIR=${ALIG_FUZZ_BUILD_DIR:-build-fuzz}
if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
    CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_CXX_FLAGS_RELEASE="-O1 -gline-tables-only" -DALIG_BUILD_FUZZ=ON \
        -DALIG_BUILD_GUI=OFF -DALIG_BUILD_TESTS=OFF -DALIG_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" --parallel "$(nproc)" --target "${targets[@]/#/fuzz_}"

python3 fuzz/make_seeds.py "$BUILD_DIR/seeds"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OMP_NUM_THREADS=1
status=0
for t in "${targets[@]}"; do
    corpus="$BUILD_DIR/corpus/$t"
    findings="$BUILD_DIR/findings/$t"
    mkdir -p "$corpus" "$findings"
    dict=()
    [[ -f "fuzz/$t.dict" ]] && dict=(-dict="fuzz/$t.dict")
    echo "fuzz: $t for ${seconds}s"
    # The corpus grows across runs; the seeds and the regressions start it. Fork mode goes
    # on after a finding, so one run of the given time reports all it finds.
    if ! "$BUILD_DIR/fuzz/fuzz_$t" "$corpus" "$BUILD_DIR/seeds/$t" "fuzz/regressions/$t" \
        "${dict[@]}" -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=65536 \
        -timeout=30 -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -print_final_stats=1 -artifact_prefix="$findings/" 2>"$BUILD_DIR/fuzz-$t.log"; then
        echo "fuzz: $t FOUND something: see $BUILD_DIR/fuzz-$t.log and $findings/" >&2
        status=1
    fi
    # The last status line: executions, coverage (cov: edges, ft: features), corpus, crashes.
    grep -E "^#[0-9]+" "$BUILD_DIR/fuzz-$t.log" | tail -n 1 || true
    found=$(find "$findings" -type f | wc -l)
    echo "fuzz: $t: $found finding(s) in $findings"
    [[ $found -eq 0 ]] || status=1
done
exit $status
