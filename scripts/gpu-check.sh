#!/usr/bin/env bash
# The CUDA check, for a machine with an NVIDIA GPU and PyTorch (pip or conda). It
#   1. builds the engine and alig-train (no window) against that PyTorch's LibTorch, with
#      the fused ALI-G kernels, in build-gpu/;
#   2. runs the engine's test suites there (tst_alig_fused compares the fused kernels with the
#      LibTorch path on the GPU, and checks that an ALI-G step never synchronises with the
#      host, with c10's CUDA sync debug mode set to error);
#   3. trains 50 steps on CPU and on CUDA (same seed, same data order) and compares them
#      within the tolerance stated below;
#   4. prints the throughput of WRN-16-4 on CIFAR-sized data (random images in the CIFAR-10
#      binary format) with alig-train, against the same model trained from Python with a
#      reference ALI-G written here, at the same batch size.
# Nothing is downloaded. Needs: cmake, a C++17 compiler, nvcc, nlohmann-json and CLI11 headers;
# Qt 6 (Core, Test) for step 2 (skipped without it). Usage: scripts/gpu-check.sh [BATCH]
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
BATCH=${1:-128}
BUILD=${ALIG_GPU_BUILD_DIR:-build-gpu}
PY=${PYTHON:-python3}
# CPU and CUDA runs agree within this relative tolerance over 50 steps (float32; the
# reductions run in a different order on the two devices, and ALI-G's step feeds back).
TOLERANCE=${ALIG_GPU_TOLERANCE:-1e-3}
failures=()
say() { printf '\n== %s\n' "$*"; }

say "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || {
    echo "gpu-check: nvidia-smi failed: no NVIDIA GPU here" >&2; exit 1; }
"$PY" - <<'PY' || { echo "gpu-check: PyTorch with CUDA is needed" >&2; exit 1; }
import torch
print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, "available", torch.cuda.is_available())
print("C++11 ABI", torch._C._GLIBCXX_USE_CXX11_ABI)
assert torch.cuda.is_available()
PY
PREFIX=$("$PY" -c 'import torch; print(torch.utils.cmake_prefix_path)')
NVCC=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
# NCCL's header ships with PyTorch's nvidia-nccl wheel; data parallel on CUDA needs it.
NCCL_INC=$("$PY" -c 'import os, nvidia.nccl as n; print(os.path.join(list(n.__path__)[0], "include"))' 2>/dev/null || true)

say "build ($BUILD, LibTorch from $PREFIX)"
GEN=()
command -v ninja >/dev/null && [[ ! -f "$BUILD/CMakeCache.txt" ]] && GEN=(-G Ninja)
cmake -S . -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DALIG_BUILD_GUI=OFF \
    -DALIG_BUILD_BENCH=OFF -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_CUDA_COMPILER="$NVCC" \
    -DCMAKE_CUDA_ARCHITECTURES=native ${NCCL_INC:+-DALIG_NCCL_INCLUDE="$NCCL_INC"} \
    || { echo "gpu-check: configure failed" >&2; exit 1; }
cmake --build "$BUILD" --parallel "$(nproc)" --target alig-train \
    || { echo "gpu-check: building alig-train failed" >&2; exit 1; }
TRAIN="$BUILD/app/cli/alig-train"
"$TRAIN" --version

say "engine tests"
if [[ -f "$BUILD/tests/CTestTestfile.cmake" ]]; then
    if cmake --build "$BUILD" --parallel "$(nproc)"; then
        (cd "$BUILD" && ctest --output-on-failure) || failures+=("engine tests")
        # The fused kernels and the no-synchronisation check, verbosely.
        "$BUILD/tests/tst_alig_fused" -v1 || failures+=("tst_alig_fused")
    else
        failures+=("building the test suites")
    fi
else
    echo "Qt 6 Test not found: the suites were not configured (install qt6-base-dev)"
    failures+=("engine tests (no Qt 6 Test)")
fi

WORK=$(mktemp -d /tmp/alig-gpu-check.XXXXXX)
say "50 steps on CPU and on CUDA (tolerance $TOLERANCE, work in $WORK)"
# Spirals (800 training points), batch 32: 25 steps an epoch, 2 epochs.
for dev in cpu cuda; do
    OMP_WAIT_POLICY=PASSIVE "$TRAIN" --preset spirals-mlp-alig --epochs 2 --device "$dev" \
        --set training.batch_size=32 --out "$WORK/steps-$dev" --quiet >"$WORK/steps-$dev.log" 2>&1 \
        || { cat "$WORK/steps-$dev.log"; failures+=("50 steps on $dev"); }
done
"$PY" - "$WORK" "$TOLERANCE" <<'PY' || failures+=("CPU and CUDA differ")
import csv, sys
work, tol = sys.argv[1], float(sys.argv[2])
rows = {d: list(csv.DictReader(open(f"{work}/steps-{d}/metrics.csv"))) for d in ("cpu", "cuda")}
assert len(rows["cpu"]) == len(rows["cuda"]) == 50, {d: len(r) for d, r in rows.items()}
worst = {}
for a, b in zip(rows["cpu"], rows["cuda"]):
    for key in a:
        if key in ("step", "epoch", "elapsed_s", "clipped", "max_lr"):
            continue
        try:
            x, y = float(a[key]), float(b[key])
        except ValueError:
            continue
        worst[key] = max(worst.get(key, 0.0), abs(x - y) / max(abs(x), 1e-12))
for key, err in sorted(worst.items()):
    print(f"  {key:24s} largest relative difference {err:.2e}")
bad = {k: e for k, e in worst.items() if e > tol}
print("  agree within", tol, "" if not bad else f"-- NOT for {sorted(bad)}")
sys.exit(1 if bad else 0)
PY

say "throughput: WRN-16-4, CIFAR-sized data, batch $BATCH"
"$PY" - "$WORK/cifar" <<'PY'
# Random CIFAR-10 binary files: 5 x 10000 training images and 10000 test images.
import os, sys
d = os.path.join(sys.argv[1], "cifar-10-batches-bin"); os.makedirs(d, exist_ok=True)
def write(name, n):
    with open(os.path.join(d, name), "wb") as f:
        for start in range(0, n, 1000):
            m = min(1000, n - start)
            rec = bytearray(os.urandom(m * 3073))
            for i in range(m):
                rec[i * 3073] %= 10  # the label byte
            f.write(rec)
for i in range(1, 6): write(f"data_batch_{i}.bin", 10000)
write("test_batch.bin", 10000)
open(os.path.join(d, "batches.meta.txt"), "w").write("\n".join(f"class{i}" for i in range(10)) + "\n")
PY
OMP_WAIT_POLICY=PASSIVE "$TRAIN" --preset cifar10-wrn-16-4-alig --epochs 1 --device cuda \
    --set dataset.path="$WORK/cifar" --set training.batch_size="$BATCH" --out "$WORK/wrn" --quiet \
    >"$WORK/wrn.log" 2>&1 || { cat "$WORK/wrn.log"; failures+=("WRN-16-4 with alig-train"); }
"$PY" - "$WORK/wrn/metrics.csv" "$BATCH" <<'PY' || true
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]))); batch = int(sys.argv[2])
# Skip the first 20 steps (cuDNN autotuning, allocator warm-up).
t0, t1, n = float(rows[19]["elapsed_s"]), float(rows[-1]["elapsed_s"]), len(rows) - 20
print(f"  alig-train (C++, fused ALI-G): {n * batch / (t1 - t0):9.0f} images/s over {n} steps")
PY
"$PY" - "$BATCH" <<'PY' || failures+=("the Python reference")
# The reference: the same WRN-16-4 (pre-activation blocks, as core/models/wide_resnet.cpp) and
# ALI-G as docs/alig.md specifies it (max_lr 1, Nesterov momentum 0.9 in the reference's
# standard form, projection radius 100), written here; data already on the GPU, batches by
# index selection, crop-free, at the same batch size.
import sys, time, torch, torch.nn as nn, torch.nn.functional as F
batch = int(sys.argv[1]); dev = "cuda"; torch.manual_seed(1)
class Block(nn.Module):
    def __init__(s, i, o, stride):
        super().__init__()
        s.bn1, s.conv1 = nn.BatchNorm2d(i), nn.Conv2d(i, o, 3, stride, 1, bias=False)
        s.bn2, s.conv2 = nn.BatchNorm2d(o), nn.Conv2d(o, o, 3, 1, 1, bias=False)
        s.short = nn.Conv2d(i, o, 1, stride, bias=False) if i != o or stride != 1 else None
    def forward(s, x):
        a = F.relu(s.bn1(x)); idt = x if s.short is None else s.short(a)
        return s.conv2(F.relu(s.bn2(s.conv1(a)))) + idt
class WRN(nn.Module):
    def __init__(s, depth=16, k=4, classes=10):
        super().__init__(); n = (depth - 4) // 6
        def stage(i, o, st): return nn.Sequential(Block(i, o, st), *[Block(o, o, 1) for _ in range(n - 1)])
        s.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        s.l1, s.l2, s.l3 = stage(16, 16 * k, 1), stage(16 * k, 32 * k, 2), stage(32 * k, 64 * k, 2)
        s.bn, s.fc = nn.BatchNorm2d(64 * k), nn.Linear(64 * k, classes)
    def forward(s, x):
        x = F.relu(s.bn(s.l3(s.l2(s.l1(s.conv1(x))))))
        return s.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))
class AliG(torch.optim.Optimizer):
    def __init__(s, params, max_lr=1.0, momentum=0.9, eps=1e-5, radius=100.0):
        super().__init__(params, dict(max_lr=max_lr, momentum=momentum)); s.eps, s.radius = eps, radius
        s.project()
    @torch.no_grad()
    def project(s):
        ps = [p for g in s.param_groups for p in g["params"]]
        norm = torch.sqrt(sum(p.pow(2).sum() for p in ps))
        f = (s.radius / norm).clamp(max=1.0)
        for p in ps: p.mul_(f)
    @torch.no_grad()
    def step(s, closure):
        loss = closure()
        gs = [p.grad for g in s.param_groups for p in g["params"] if p.grad is not None]
        gsq = torch._foreach_norm(gs); gsq = torch.stack(gsq).pow(2).sum()
        for g in s.param_groups:
            step = torch.clamp(loss / (gsq + s.eps), max=g["max_lr"])
            for p in g["params"]:
                if p.grad is None: continue
                p.add_(-step * p.grad)
                if g["momentum"]:
                    st = s.state[p]
                    if "v" not in st: st["v"] = torch.zeros_like(p)
                    st["v"].mul_(g["momentum"]).add_(-step * p.grad); p.add_(g["momentum"] * st["v"])
        s.project()
        return loss
model = WRN().to(dev).train(); opt = AliG(model.parameters())
x_all = torch.randn(50000, 3, 32, 32, device=dev); y_all = torch.randint(0, 10, (50000,), device=dev)
def run(steps):
    order = torch.randperm(50000, device=dev)
    for b in range(steps):
        idx = order[(b * batch) % 49000:(b * batch) % 49000 + batch]
        x, y = x_all.index_select(0, idx), y_all.index_select(0, idx)
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y); loss.backward()
        opt.step(lambda: loss.detach())
torch.backends.cudnn.benchmark = True
run(20); torch.cuda.synchronize()
steps = max(50, 50000 // batch); t = time.perf_counter(); run(steps); torch.cuda.synchronize()
dt = time.perf_counter() - t
print(f"  Python reference ALI-G:        {steps * batch / dt:9.0f} images/s over {steps} steps")
PY
echo "  (alig-train's epoch also evaluates 10000 test images and applies crop and flip"
echo "   augmentation; the reference does neither, so it is the harder number to beat.)"

say "result"
if [[ ${#failures[@]} -eq 0 ]]; then
    echo "gpu-check: all checks passed"
else
    printf 'gpu-check: FAILED: %s\n' "${failures[@]}"
    exit 1
fi
