#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora: small valid and nearly valid inputs in the layouts of
fuzz_inputs.h, so libFuzzer starts from the formats instead of from nothing. Nothing is
downloaded. Usage: make_seeds.py OUTDIR (writes OUTDIR/idx, cifar, csv, config)."""

import gzip
import json
import pathlib
import struct
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def idx(dims, payload=None):
    data = bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)
    n = 1
    for d in dims:
        n *= d
    return data + (payload if payload is not None else bytes(i % 251 for i in range(n)))


def idx_seeds():
    labels = idx([6], bytes([0, 1, 2, 3, 4, 5]))
    images = idx([6, 4, 4])
    test_labels = idx([2], bytes([1, 0]))
    test_images = idx([2, 4, 4])
    single = [labels, images, idx([3, 2, 2, 2]), idx([0]), labels[:-2], labels + b"x",
              bytes([0, 0, 8, 3]) + struct.pack(">III", 0xFFFFFFFF, 0xFFFF, 0xFFFF),
              gzip.compress(labels, mtime=0), gzip.compress(images, mtime=0),
              gzip.compress(images, mtime=0)[:-6]]
    seeds = [b"\x00" + s for s in single]
    for mode, files in [(1, [images, labels, test_images, test_labels]),
                        (3, [gzip.compress(f, mtime=0)
                             for f in (images, labels, test_images, test_labels)]),
                        (1, [images, test_labels, test_images, labels])]:
        body = b""
        for f in files[:-1]:
            body += struct.pack("<H", len(f)) + f
        seeds.append(bytes([mode]) + body + files[-1])
    return seeds


def cifar_seeds():
    def records(n, label_bytes, label_of):
        out = b""
        for i in range(n):
            labels = bytes(label_of(i))[:label_bytes]
            out += labels + bytes((i * 7 + j) % 256 for j in range(3072))
        return out

    def pack(flags, train, names, test):
        return bytes([flags]) + struct.pack("<I", len(train)) + train + \
            struct.pack("<H", len(names)) + names + test

    c10 = lambda i: [i % 10]
    c100 = lambda i: [i % 20, (i * 13) % 100]
    names10 = "\n".join(f"class{i}" for i in range(10)).encode()
    names100 = "\n".join(f"fine{i}" for i in range(100)).encode()
    return [
        pack(0, records(2, 1, c10), b"", records(1, 1, c10)),
        pack(2, records(1, 1, c10), names10, records(1, 1, c10)),
        pack(1, records(2, 2, c100), b"", records(1, 2, c100)),
        pack(3, records(1, 2, c100), names100, records(1, 2, c100)),
        pack(0, records(1, 1, lambda i: [200]), b"", records(1, 1, c10)),
        pack(0, records(1, 1, c10)[:-1], b"", records(1, 1, c10)),
    ]


def csv_seeds():
    files = [
        "x,y,label\n0.5,1.5,0\n-1,2e3,1\n3,4,0\n5,6,1\n7,8,0\n",
        "a;b;c\n1;2;cat\n3;4;dog\n5;6;cat\n7;8;dog\n9;10;bird\n",
        "1\t2\t0\n3\t4\t1\n5\t6\t2\n7\t8\t0\n9\t10\t1\n",
        '"x","y","label"\n"1","2","a"\n"3","4","b"\n"5","6","a"\n"7","8","b"\n',
        "label,f1,f2\n0,1,2\n1,3,4\n0,5,6\n1,7,8\n0,9,10\n",
        "x,y,label\n1,2,0\n3,nan,1\n",
        "x,y,label\n1,2,0\n3,4\n",
        "x,y,label\n1,two,0\n",
        "x,y,label\n1,inf,0\n",
        "x,y\n",
        "",
        "x,y,label\n1,2,-1\n3,4,99999\n",
    ]
    return [bytes([opt]) + f.encode() for f in files for opt in (0, 3, 7)]


def config_seeds():
    seeds = [p.read_bytes() for p in sorted((ROOT / "resources" / "presets").glob("*.json"))]
    seeds += [b"{}", b"[]", b"null", b'{"name": 3}', b'{"training": {"epochs": -1}}',
              json.dumps({"optimizer": {"name": "sgd", "lr": 0.1, "schedule": "step",
                                        "milestones": [5, 8]}}).encode(),
              json.dumps({"dataset": {"kind": "csv", "path": "x.csv", "label_column": "y"},
                          "model": {"kind": "mlp", "hidden": [8, 8]}}).encode()]
    return seeds


def main():
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "seeds")
    for name, seeds in [("idx", idx_seeds()), ("cifar", cifar_seeds()),
                        ("csv", csv_seeds()), ("config", config_seeds())]:
        d = out / name
        d.mkdir(parents=True, exist_ok=True)
        for i, s in enumerate(seeds):
            (d / f"seed-{i:03d}").write_bytes(s)
    print(f"make_seeds: wrote seeds under {out}")


if __name__ == "__main__":
    main()
