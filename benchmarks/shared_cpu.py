"""Training speed on a quiet CPU and on one shared with a busy process (issue: thread collapse).

Trains the default RCGAN with the project's real training loop (`train_rcgan`, with
validation at the end only) on 2,000 random 28 × 28 sequences of 10 classes for `--epochs`
epochs, first on a quiet machine, then beside one busy process (`python -c 'while True:
pass'`), in three ways: with 1 thread, with `--threads` threads, and with up to `--threads`
chosen by the run's thread probe (`train.thread_probe`, the default). Each figure is the median
of `--repeats` runs, each in a fresh process; the unit is training samples per second (epochs ×
sequences ÷ the run's training seconds, which include the probe). Run it from another checkout's
`src` (PYTHONPATH) to measure that code.

Usage: .venv/bin/python benchmarks/shared_cpu.py [--threads 2] [--epochs 10] [--repeats 3]
       [--shape 28x28|8x8]
Prints one line per case and a final JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile

import numpy as np
import torch
from common import SHAPES, default_run, in_own_process

from rgan.config import TrainBudget
from rgan.data.prepare import split_and_scale
from rgan.data.sequences import SequenceDataset
from rgan.train import train_rcgan

SEQUENCES = 2000


def samples_per_second(steps: int, features: int, epochs: int, threads: int, probe: bool) -> float:
    """One training run in this process: its training samples per second."""
    torch.set_num_threads(threads)
    rng = np.random.default_rng(0)
    X = rng.random((SEQUENCES, steps, features), dtype=np.float32)
    data = SequenceDataset(X, rng.integers(0, 10, SEQUENCES), [str(c) for c in range(10)])
    prepared = split_and_scale(data, val_fraction=0.1, test_fraction=0.1, seed=0)
    budget = TrainBudget(
        epochs=epochs, eval_every=epochs, checkpoint_every=epochs, thread_probe=probe
    )
    with tempfile.TemporaryDirectory() as folder:
        result = train_rcgan(prepared, default_run(), budget, folder, torch.device("cpu"))
    return epochs * len(prepared.y["train"]) / result.seconds


def median_rate(
    shape: tuple[int, int], epochs: int, threads: int, probe: bool, repeats: int
) -> float:
    return statistics.median(
        in_own_process(samples_per_second, *shape, epochs, threads, probe) for _ in range(repeats)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--shape", default="28x28", choices=sorted(SHAPES))
    args = parser.parse_args()
    figures: dict[str, float] = {}
    for load in ("quiet", "busy"):
        busy = None
        if load == "busy":
            busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            cases = {"1_thread": (1, False), f"{args.threads}_threads": (args.threads, False)}
            cases["probed"] = (args.threads, True)
            for case, (threads, probe) in cases.items():
                rate = median_rate(SHAPES[args.shape], args.epochs, threads, probe, args.repeats)
                figures[f"{load}_{case}"] = round(rate, 1)
                print(
                    f"{load}: {rate:.0f} samples/s, {case.replace('_', ' ')} ({args.shape}, "
                    f"median of {args.repeats})",
                    flush=True,
                )
        finally:
            if busy is not None:
                busy.kill()
                busy.wait()
    print(
        json.dumps(
            {
                "benchmark": "shared_cpu",
                "unit": "samples/s",
                "shape": args.shape,
                "epochs": args.epochs,
                "threads": args.threads,
                "repeats": args.repeats,
                "torch": torch.__version__,
                **figures,
            }
        )
    )


if __name__ == "__main__":
    main()
