"""Evaluation speed: every metric of one run (all classifiers × 3 seeds, MMD² with bandwidth
selection and 200 permutations, membership inference and the three-sample test) on 10,000
synthetic and 10,000 real 28×28 sequences (plus a 2,000-sequence real test split), as the
`evaluate` rule computes them. MiniRocket's numba compilation is done once before timing.

Usage: .venv/bin/python benchmarks/evaluation.py [--threads N] [--classifiers NAME ...]
Prints one line per part and a final JSON line with every figure.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from sklearn.datasets import load_digits

from rgan.data.images import resize
from rgan.data.prepare import PreparedData, Scaler
from rgan.evaluate import EvalSettings, fidelity, privacy
from rgan.metrics.utility import CLASSIFIERS, utility_scores

N_TRAIN, N_TEST, N_SYNTHETIC = 10_000, 2_000, 10_000


def digit_sequences(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` 28×28 digits (scikit-learn's, enlarged, scaled to [-1, 1]) with Gaussian noise."""
    digits = load_digits()
    rng = np.random.default_rng(seed)
    chosen = rng.integers(0, len(digits.target), n)
    images = resize(digits.images[chosen], 28, 28) / 8.0 - 1.0
    images += rng.normal(scale=noise, size=images.shape)
    return np.clip(images, -1, 1).astype(np.float32), digits.target[chosen]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--classifiers", nargs="+", default=sorted(CLASSIFIERS))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    (X_train, y_train), (X_test, y_test) = (
        digit_sequences(n, 0.2, seed) for seed, n in enumerate((N_TRAIN, N_TEST))
    )
    synthetic = digit_sequences(N_SYNTHETIC, 0.3, 2)
    data = PreparedData(
        X={"train": X_train, "val": X_test[:10], "test": X_test},
        y={"train": y_train, "val": y_test[:10], "test": y_test},
        index={},
        scaler=Scaler("minmax", [0.0], [1.0]),
        class_names=[str(c) for c in range(10)],
        kind="image",
    )
    settings = EvalSettings(classifiers=tuple(args.classifiers), threads=args.threads)
    if "minirocket" in args.classifiers:  # numba compiles MiniRocket on its first call
        few = (X_train[:50], y_train[:50])
        utility_scores(few, few, few, ["minirocket"], n_repeats=1, threads=args.threads)
    seconds: dict[str, float] = {}
    for name in args.classifiers:
        started = time.perf_counter()
        utility_scores(
            (X_train, y_train),
            (X_test, y_test),
            synthetic,
            [name],
            seed=settings.seed,
            n_repeats=settings.n_repeats,
            threads=args.threads,
        )
        seconds[f"utility_{name}"] = time.perf_counter() - started
        print(f"{'utility_' + name:32s} {seconds['utility_' + name]:7.1f} s", flush=True)
    started = time.perf_counter()
    scores = fidelity(data, synthetic[0], settings)
    seconds["fidelity"] = time.perf_counter() - started
    print(f"{'fidelity':32s} {seconds['fidelity']:7.1f} s", flush=True)
    started = time.perf_counter()
    privacy(data, synthetic[0], scores["mmd2_bandwidth"], settings)
    seconds["privacy"] = time.perf_counter() - started
    print(f"{'privacy':32s} {seconds['privacy']:7.1f} s", flush=True)
    total = sum(seconds.values())
    print(f"{'total':32s} {total:7.1f} s ({args.threads} threads, target < 60 s)")
    print(
        json.dumps(
            {
                "benchmark": "evaluation",
                "unit": "s",
                "threads": args.threads,
                "n_train": N_TRAIN,
                "n_test": N_TEST,
                "n_synthetic": N_SYNTHETIC,
                "shape": [28, 28],
                "n_repeats": settings.n_repeats,
                "mmd_permutations": settings.mmd_permutations,
                "max_points": settings.max_points,
                **{part: round(took, 2) for part, took in seconds.items()},
                "total": round(total, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
