"""The default preset (fashion-mnist-mlp-alig) trained from Python with the reference ALI-G:
MLP 784-256-256-10 with ReLU, PyTorch's default initialisation, Fashion-MNIST normalised with
the training set's mean and standard deviation, batch 128, max_lr 0.5, no momentum. Prints one
line per thread count: steps/s, samples/s and seconds for one epoch, with the test set's
evaluation at its end, as alig-train times an epoch.

Usage: python3 bench/python/train_mlp.py [DATA_DIR] [THREADS ...]
"""

import ctypes
import gzip
import os
import struct
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from alig_reference import AliGReference  # noqa: E402


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def set_blas_threads(n):
    """OpenBLAS keeps a thread pool of its own that torch.set_num_threads does not size (as
    alig-train's --threads does): without this, "1 thread" would run BLAS on every core."""
    for name in ("libblas.so.3", "libopenblas.so.0"):
        try:
            ctypes.CDLL(name).openblas_set_num_threads(n)
            return
        except (OSError, AttributeError):
            continue


def main():
    data_dir = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    threads = [int(t) for t in sys.argv[2:]] or [1, os.cpu_count()]
    x = torch.from_numpy(read_idx(f"{data_dir}/train-images-idx3-ubyte.gz").copy()).float()
    y = torch.from_numpy(read_idx(f"{data_dir}/train-labels-idx1-ubyte.gz").copy()).long()
    tx = torch.from_numpy(read_idx(f"{data_dir}/t10k-images-idx3-ubyte.gz").copy()).float()
    ty = torch.from_numpy(read_idx(f"{data_dir}/t10k-labels-idx1-ubyte.gz").copy()).long()
    x = x.view(-1, 784) / 255
    tx = tx.view(-1, 784) / 255
    mean, std = x.mean(), x.std(unbiased=False)
    x, tx = (x - mean) / std, (tx - mean) / std

    print(f"{'threads':>8} {'steps/s':>10} {'samples/s':>12} {'seconds':>10} {'test acc':>9}")
    for n in threads:
        torch.set_num_threads(n)
        set_blas_threads(n)
        torch.manual_seed(1)
        model = torch.nn.Sequential(
            torch.nn.Linear(784, 256), torch.nn.ReLU(),
            torch.nn.Linear(256, 256), torch.nn.ReLU(),
            torch.nn.Linear(256, 10))
        optimizer = AliGReference(model.parameters(), max_lr=0.5, momentum=0.0)
        criterion = torch.nn.CrossEntropyLoss()
        generator = torch.Generator().manual_seed(1)
        start = time.perf_counter()
        order = torch.randperm(x.shape[0], generator=generator)
        steps = 0
        for b in range(0, x.shape[0], 128):
            idx = order[b:b + 128]
            optimizer.zero_grad()
            loss = criterion(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step(lambda: float(loss))
            steps += 1
        with torch.no_grad():
            accuracy = (model(tx).argmax(1) == ty).float().mean().item()
        seconds = time.perf_counter() - start
        print(f"{n:>8} {steps / seconds:>10.1f} {x.shape[0] / seconds:>12.0f} "
              f"{seconds:>10.2f} {100 * accuracy:>8.2f}%", flush=True)


if __name__ == "__main__":
    main()
