"""Data-preparation speed: 70,000 MNIST-format 28×28 images read from gzip IDX, resized and
normalised (split + scaling), as `prepare_data` and `preprocess` do.

Usage: .venv/bin/python benchmarks/prepare_data.py [--size H W]
Prints the figures and a final JSON line.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

from rgan.data import load_dataset
from rgan.data.idx import write_idx
from rgan.data.images import resize
from rgan.data.prepare import split_and_scale


def write_mnist_sized_fixture(directory: Path) -> None:
    """60,000 + 10,000 real-looking digits (scikit-learn's, enlarged and tiled) as gzip IDX."""
    digits = load_digits()
    images = np.clip(resize(digits.images, 28, 28) * 16, 0, 255).astype(np.uint8)
    rows = np.resize(np.arange(len(images)), 70_000)
    for part, chosen in (("train", rows[:60_000]), ("t10k", rows[60_000:])):
        write_idx(directory / f"{part}-images-idx3-ubyte.gz", images[chosen])
        write_idx(directory / f"{part}-labels-idx1-ubyte.gz", digits.target[chosen])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, nargs=2, default=[28, 28])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        write_mnist_sized_fixture(directory)
        files = {path.name: path for path in directory.iterdir()}
        started = time.perf_counter()
        data = load_dataset("mnist", {"size": args.size}, files)
        read_seconds = time.perf_counter() - started
        prepared = split_and_scale(data, val_fraction=0.1, test_fraction=0.2, seed=0)
        total_seconds = time.perf_counter() - started
    print(f"read + resize to {args.size[0]}×{args.size[1]}: {read_seconds:.2f} s")
    print(f"… + split and normalise: {total_seconds:.2f} s for {len(data.y)} images")
    print(
        json.dumps(
            {
                "benchmark": "prepare_data",
                "images": len(data.y),
                "size": args.size,
                "read_resize_seconds": round(read_seconds, 3),
                "total_seconds": round(total_seconds, 3),
                "train_shape": list(prepared.X["train"].shape),
            }
        )
    )


if __name__ == "__main__":
    main()
