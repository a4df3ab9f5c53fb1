"""The comparison's model trained from Python with the reference ALI-G, as one whole process
(bench/python/compare.sh times it from outside, start-up included): an MLP with ReLU on
Fashion-MNIST normalised with the training set's mean and standard deviation, PyTorch's
default initialisation, shuffled batches, the test set evaluated after each epoch.

The ALI-G is the authors' own when ALIG_REFERENCE names their file (oval-group/ali-g's
alig/th/alig.py, class AliG; never part of this project), else ours, written from
docs/alig.md (alig_reference.py). Prints one line per epoch and a last line "total SECONDS".

Usage: python3 bench/python/train_mlp.py [--threads N] [--epochs E] [--hidden 512,512]
           [--batch 128] [--max-lr 0.1] [--momentum 0.9] [--data DIR] [--describe]
"""

import argparse
import ctypes
import gzip
import importlib.util
import os
import struct
import sys
import time

START = time.perf_counter()

import numpy as np  # noqa: E402
import torch  # noqa: E402


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(data_dir, name):
    for candidate in (f"{data_dir}/{name}", f"{data_dir}/{name}.gz"):
        if os.path.exists(candidate):
            return candidate
    sys.exit(f"train_mlp.py: {name}[.gz] not found in {data_dir}")


def set_blas_threads(n):
    """OpenBLAS keeps a thread pool of its own that torch.set_num_threads does not size (as
    alig-train's --threads does): without this, "1 thread" would run BLAS on every core."""
    for name in ("libblas.so.3", "libopenblas.so.0"):
        try:
            ctypes.CDLL(name).openblas_set_num_threads(n)
            return
        except (OSError, AttributeError):
            continue


def reference_alig():
    """The optimizer class and where it came from."""
    path = os.environ.get("ALIG_REFERENCE")
    if not path:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from alig_reference import AliGReference
        return AliGReference, "our Python ALI-G (bench/python/alig_reference.py)"
    if not os.path.isfile(path):
        sys.exit(f"train_mlp.py: ALIG_REFERENCE={path}: no such file")
    spec = importlib.util.spec_from_file_location("alig_reference_given", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, "AliG"):
        sys.exit(f"train_mlp.py: ALIG_REFERENCE={path} defines no class AliG")
    return module.AliG, f"AliG from {path}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--hidden", default="512,512")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--max-lr", type=float, default=0.1)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--describe", action="store_true", help="name the ALI-G used, and exit")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    set_blas_threads(args.threads)
    AliG, origin = reference_alig()
    print(f"Python: {origin}, PyTorch {torch.__version__}", flush=True)
    if args.describe:
        return

    x = torch.from_numpy(read_idx(find(args.data, "train-images-idx3-ubyte")).copy()).float()
    y = torch.from_numpy(read_idx(find(args.data, "train-labels-idx1-ubyte")).copy()).long()
    tx = torch.from_numpy(read_idx(find(args.data, "t10k-images-idx3-ubyte")).copy()).float()
    ty = torch.from_numpy(read_idx(find(args.data, "t10k-labels-idx1-ubyte")).copy()).long()
    x = x.view(-1, 784) / 255
    tx = tx.view(-1, 784) / 255
    mean, std = x.mean(), x.std(unbiased=False)
    x, tx = (x - mean) / std, (tx - mean) / std

    torch.manual_seed(1)
    layers, width = [], 784
    for h in [int(w) for w in args.hidden.split(",") if w]:
        layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
        width = h
    model = torch.nn.Sequential(*layers, torch.nn.Linear(width, 10))
    optimizer = AliG(model.parameters(), max_lr=args.max_lr, momentum=args.momentum)
    criterion = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(1)
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(x.shape[0], generator=generator)
        for b in range(0, x.shape[0], args.batch):
            idx = order[b:b + args.batch]
            optimizer.zero_grad()
            loss = criterion(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step(lambda: float(loss))
        with torch.no_grad():
            accuracy = (model(tx).argmax(1) == ty).float().mean().item()
        print(f"epoch {epoch} test accuracy {100 * accuracy:.2f}%", flush=True)
    print(f"total {time.perf_counter() - START:.2f}")


if __name__ == "__main__":
    main()
