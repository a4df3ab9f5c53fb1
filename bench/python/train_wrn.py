"""WRN-16-4 training steps from Python, for the convolution row of docs/performance.md: the
same network as alig-train's "wrn" model (pre-activation blocks B(3,3), the projection
shortcut fed the pre-activated input, Kaiming-normal fan-out convolutions), CIFAR-10-shaped
random byte images normalised per batch, random crop (padding 4) and horizontal flip,
cross-entropy, ALI-G (max_lr 1, momentum 0.9, projection radius 100: the preset
cifar10-wrn-16-4-alig). Times STEPS steps after WARMUP untimed ones and prints
"steps/s RATE" (speed does not depend on what the pixels show).

--memory-format channels_last stores the weights and the batches channels-last (NHWC), the
layout oneDNN's convolutions prefer; --no-mkldnn turns oneDNN off (torch.backends.mkldnn).

Usage: python3 bench/python/train_wrn.py [--threads N] [--batch 256] [--steps 6] [--warmup 2]
           [--memory-format contiguous|channels_last] [--no-mkldnn]
"""

import argparse
import math
import os
import sys
import time

import torch

from train_mlp import set_blas_threads  # OpenBLAS's own pool, sized like LibTorch's


def conv3x3(cin, cout, stride):
    return torch.nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


class Block(torch.nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1, self.conv1 = torch.nn.BatchNorm2d(cin), conv3x3(cin, cout, stride)
        self.bn2, self.conv2 = torch.nn.BatchNorm2d(cout), conv3x3(cout, cout, 1)
        self.shortcut = None
        if cin != cout or stride != 1:
            self.shortcut = torch.nn.Conv2d(cin, cout, 1, stride=stride, bias=False)

    def forward(self, x):
        a = torch.relu(self.bn1(x))
        identity = x if self.shortcut is None else self.shortcut(a)
        return self.conv2(torch.relu(self.bn2(self.conv1(a)))) + identity


class WideResNet(torch.nn.Module):
    def __init__(self, depth=16, widen=4, classes=10):
        super().__init__()
        blocks = (depth - 4) // 6
        self.conv1 = conv3x3(3, 16, 1)
        stages, cin = [], 16
        for i, width in enumerate((16 * widen, 32 * widen, 64 * widen)):
            for b in range(blocks):
                stages.append(Block(cin, width, (1 if i == 0 else 2) if b == 0 else 1))
                cin = width
        self.blocks = torch.nn.Sequential(*stages)
        self.bn = torch.nn.BatchNorm2d(cin)
        self.fc = torch.nn.Linear(cin, classes)
        for m in self.modules():
            if isinstance(m, torch.nn.Conv2d):
                fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                torch.nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / fan_out))

    def forward(self, x):
        x = torch.relu(self.bn(self.blocks(self.conv1(x))))
        return self.fc(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(x, 1), 1))


def augment(batch, generator):
    """Random crop with 4 pixels of zero padding, then a horizontal flip of half the images."""
    n = batch.shape[0]
    padded = torch.nn.functional.pad(batch, (4, 4, 4, 4))
    dx = torch.randint(0, 9, (n,), generator=generator).tolist()
    dy = torch.randint(0, 9, (n,), generator=generator).tolist()
    out = torch.stack([padded[i, :, dy[i]:dy[i] + 32, dx[i]:dx[i] + 32] for i in range(n)])
    flip = torch.rand(n, generator=generator) < 0.5
    out[flip] = out[flip].flip(3)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--memory-format", choices=("contiguous", "channels_last"),
                        default="contiguous")
    parser.add_argument("--no-mkldnn", action="store_true")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    set_blas_threads(args.threads)
    torch.backends.mkldnn.enabled = not args.no_mkldnn
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from alig_reference import AliGReference

    torch.manual_seed(1)
    fmt = torch.channels_last if args.memory_format == "channels_last" else torch.contiguous_format
    model = WideResNet().to(memory_format=fmt)
    optimizer = AliGReference(model.parameters(), max_lr=1.0, momentum=0.9,
                              projection_radius=100)
    criterion = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (args.batch * 4, 3, 32, 32), dtype=torch.uint8,
                           generator=generator)
    labels = torch.randint(0, 10, (args.batch * 4,), generator=generator)
    mean, std = torch.tensor([125.3, 123.0, 113.9]) / 255, torch.tensor([63.0, 62.1, 66.7]) / 255

    def step(i):
        rows = slice((i % 4) * args.batch, (i % 4 + 1) * args.batch)
        x = (images[rows].float() / 255 - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)
        x = augment(x, generator).contiguous(memory_format=fmt)
        optimizer.zero_grad()
        loss = criterion(model(x), labels[rows])
        loss.backward()
        optimizer.step(lambda: float(loss))

    for i in range(args.warmup):
        step(i)
    start = time.perf_counter()
    for i in range(args.steps):
        step(args.warmup + i)
    seconds = time.perf_counter() - start
    print(f"steps/s {args.steps / seconds:.3f}")


if __name__ == "__main__":
    main()
