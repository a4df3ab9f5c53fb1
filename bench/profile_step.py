#!/usr/bin/env python3
"""Where a training step's time goes: samples alig-train with Linux perf (call stacks unwound
from DWARF) while it trains, and sorts every sample of the training loop into a category by
its call stack, then prints a table per thread count.

Categories, decided from the stack (the first rule that matches wins):
  test-set evaluation   anything under Trainer::evaluateEpoch
  GEMM (OpenBLAS)       the sample is in a BLAS GEMM kernel or its packing routines
  waiting / hand-offs   a thread spinning, yielding or sleeping in OpenMP, OpenBLAS or the kernel
  optimizer step        anything under Trainer::optimizerStep (ALI-G's step, projection)
  loss                  log-softmax and NLL loss, forward and backward
  data (batches)        shuffling, gathering and normalising the batch (InputTransform)
  recording, observers  the step's metrics recorded and passed on
  memory                malloc, free, memcpy/memset, page faults
  op: NAME              the innermost LibTorch operator (at::_ops::NAME): elementwise ops,
                        reductions, copies; the largest few are listed one by one
  autograd/dispatch     LibTorch's autograd engine and dispatcher themselves
Only samples under Trainer::run count (start-up and data loading are left out).

Usage: bench/profile_step.py [--build DIR] [--threads 1,2] [--epochs 2] [--freq 499]
                             [-- extra alig-train arguments]
Needs perf (Debian: linux-perf) and permission to use it (root, or
kernel.perf_event_paranoid <= 1).
"""

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

GEMM = re.compile(r"gemm|_kernel_(ZEN|HASWELL|SKYLAKEX|SANDYBRIDGE|COOPERLAKE)|"
                  r"(in|it|on|ot)copy_|sgemm_beta|cpublas")
WAIT = re.compile(r"sched_yield|futex|__schedule|finish_task_switch|blas_thread_server|"
                  r"gomp_barrier|gomp_team_barrier|gomp_sem|do_sched_yield|_raw_spin|"
                  r"pthread_cond_|exec_blas_async_wait|schedule_hrtimeout|do_nanosleep")
MEMORY = re.compile(r"^(malloc|free|cfree|_int_malloc|_int_free|malloc_consolidate|"
                    r"unlink_chunk|__memmove|__memset|__memcpy|memcpy|memset|posix_memalign|"
                    r"clear_page|exc_page_fault|do_anonymous_page|alloc_pages|"
                    r"c10::alloc_cpu|c10::free_cpu)")
LOSS = re.compile(r"log_softmax|nll_loss|cross_entropy|LogSoftmaxBackward|NllLossBackward")
DATA = re.compile(r"InputTransform|Trainer::nextBatch|Trainer::beginEpoch|_ops::index_select|"
                  r"Augmentation|randperm")
RECORD = re.compile(r"Trainer::record|Trainer::flushSteps|RunStore|Observer|ProgressPrinter")
OP = re.compile(r"^at::_ops::(\w+?)(_out|_outf)?::(call|redispatch)")
FRAMEWORK = re.compile(r"^(torch::autograd|c10::|at::|torch::)")


def classify(frames):
    """frames: function names, innermost first."""
    joined = " ".join(frames)
    if "Trainer::evaluateEpoch" in joined:
        return "test-set evaluation"
    leaf = frames[0] if frames else ""
    if GEMM.search(leaf):
        return "GEMM (OpenBLAS)"
    if WAIT.search(leaf):
        return "waiting / hand-offs"
    if "Trainer::optimizerStep" in joined:
        return "optimizer step"
    if LOSS.search(joined):
        return "loss"
    if DATA.search(joined):
        return "data (batches)"
    if RECORD.search(joined):
        return "recording, observers"
    if MEMORY.search(leaf):
        return "memory"
    for f in frames:
        if GEMM.search(f):
            return "GEMM (OpenBLAS)"
        m = OP.match(f)
        if m:
            return "op: " + m.group(1)
    if any(FRAMEWORK.match(f) for f in frames):
        return "autograd/dispatch"
    return "other"


def samples(script_output):
    """Yields (seconds, frames innermost first) for each sample of `perf script` run with
    -F tid,time,ip,sym."""
    frames, when = [], None
    for line in script_output.splitlines():
        if not line.strip():
            if when is not None:
                yield when, frames
            frames, when = [], None
        elif not line.startswith("\t"):
            when = float(line.split()[-1].rstrip(":"))
        else:
            parts = line.strip().split(None, 1)
            name = parts[1] if len(parts) > 1 else "[unknown]"
            frames.append(re.sub(r"\+0x[0-9a-f]+$", "", name))
    if when is not None:
        yield when, frames


def classify_loop(script_output):
    """Counts the samples of every thread between the first and the last sample whose stack
    shows Trainer::run (start-up and data loading are left out; stacks unwound through
    OpenBLAS's assembly often stop short, so a sample's own stack cannot tell)."""
    all_samples = list(samples(script_output))
    in_loop = [t for t, frames in all_samples if any("Trainer::run" in f for f in frames)]
    counts = collections.Counter()
    if not in_loop:
        return counts, 0.0
    first, last = min(in_loop), max(in_loop)
    for t, frames in all_samples:
        if first <= t <= last:
            counts[classify(frames)] += 1
    return counts, last - first


def profile(train, threads, epochs, freq, extra, tmp):
    data = os.path.join(tmp, f"perf-{threads}.data")
    cmd = ["perf", "record", "-q", "-F", str(freq), "--call-graph", "dwarf,8192", "-o", data,
           train, "--preset", "fashion-mnist-mlp-alig", "--epochs", str(epochs), "--threads",
           str(threads), "--quiet", "--out", os.path.join(tmp, f"run-{threads}")] + extra
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    out = subprocess.run(["perf", "script", "-i", data, "-F", "tid,time,ip,sym"],
                         check=True, capture_output=True, text=True,
                         errors="replace").stdout
    return classify_loop(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.environ.get("ALIG_BUILD_DIR", "build"))
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--freq", type=int, default=499)
    parser.add_argument("--top-ops", type=int, default=6)
    parser.add_argument("extra", nargs="*")
    args = parser.parse_args()
    if not shutil.which("perf"):
        sys.exit("profile_step.py: perf is not installed (Debian: apt-get install linux-perf)")
    program = os.path.join(args.build, "app", "libexec", "alig-studio", "alig-train-program")
    train = program if os.path.exists(program) else os.path.join(args.build, "app", "cli",
                                                                  "alig-train")
    if not os.path.exists(train):
        sys.exit(f"profile_step.py: {train} not built (./scripts/build.sh)")
    thread_counts = [int(t) for t in args.threads.split(",")]
    results, seconds = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for t in thread_counts:
            results[t], seconds[t] = profile(train, t, args.epochs, args.freq, args.extra, tmp)
    fixed = ["GEMM (OpenBLAS)", "waiting / hand-offs", "optimizer step", "loss",
             "data (batches)", "recording, observers", "memory", "autograd/dispatch", "test-set evaluation", "other"]
    ops = collections.Counter()
    for c in results.values():
        for k, v in c.items():
            if k.startswith("op: "):
                ops[k] += v / max(1, sum(c.values()))
    shown_ops = [k for k, _ in ops.most_common(args.top_ops)]
    rows = fixed[:2] + shown_ops + ["op: (other operators)"] + fixed[2:]
    print(f"where the training loop's CPU time goes: fashion-mnist-mlp-alig, {args.epochs} "
          f"epochs, perf at {args.freq} Hz, share of the loop's samples (all threads)\n")
    print(f"{'category':<34}" + "".join(f"{f'{t} thread' + ('s' if t > 1 else ''):>12}"
                                         for t in thread_counts))
    for row in rows:
        cells = []
        for t in thread_counts:
            c = results[t]
            total = max(1, sum(c.values()))
            if row == "op: (other operators)":
                v = sum(n for k, n in c.items() if k.startswith("op: ") and k not in shown_ops)
            else:
                v = c.get(row, 0)
            cells.append(f"{100.0 * v / total:11.1f}%")
        print(f"{row:<34}" + "".join(cells))
    print(f"{'samples':<34}" + "".join(f"{sum(results[t].values()):12d}" for t in thread_counts))
    print(f"{'seconds of the loop':<34}" + "".join(f"{seconds[t]:12.2f}" for t in thread_counts))


if __name__ == "__main__":
    main()
