"""Training time with differential privacy against the same run without it (issue 17's bound:
at most 3×).

Both variants train the project's `GAN` (the workflow's training object) for whole epochs of
random data in [-1, 1] with random labels: without privacy, and with DP-SGD on the
discriminator (Opacus' per-sample gradients of the real sequences, clipped and noised; Poisson
batches). Each variant is timed in processes of its own, alternating, `seconds` in all per figure.

Usage: .venv/bin/python benchmarks/privacy_cost.py [--threads N] [--seconds S] [--hidden H]
       [--batch B] [--bidirectional]   (defaults: config.yaml's `run:` values)
Prints a line per shape and a final JSON line with every figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import replace

import torch
from common import (
    BATCHES_PER_EPOCH,
    N_CLASSES,
    SHAPES,
    calls_per_second,
    default_run,
    in_own_process,
)

from rgan.config import RunParams
from rgan.gan import GAN, Batches, EpochPosition
from rgan.models import ModelSpec
from rgan.privacy import privacy_plan

ROUNDS = 2  # processes per variant, alternating
VARIANTS = {"plain": 0.0, "private": 1.0}  # dp_noise_multiplier
EPOCHS = 100  # the epoch budget the privacy plan is made for (it sets no speed)


def epochs_per_second(params: RunParams, steps: int, features: int, seconds: float) -> float:
    """Whole training epochs per second of `params` on random data of this shape."""
    torch.manual_seed(0)
    n = params.batch_size * BATCHES_PER_EPOCH
    spec = ModelSpec.for_run(params, steps, features, N_CLASSES, bounded=True)
    gan = GAN(spec, params, torch.device("cpu"), privacy_plan(params, n, EPOCHS))
    X = torch.rand(n, steps, features) * 2 - 1
    batches = Batches(X, torch.randint(0, N_CLASSES, (n,)), None)

    def epoch() -> None:
        gan.train_epoch(batches, EpochPosition.start(n, params, X.device), lambda: False)

    return calls_per_second(epoch, seconds)


def timed_variant(params: RunParams, threads: int, seconds: float) -> dict[str, float]:
    torch.set_num_threads(threads)
    per_shape = seconds / len(SHAPES)
    return {
        name: epochs_per_second(params, steps, features, per_shape)
        for name, (steps, features) in SHAPES.items()
    }


def main() -> None:
    defaults = default_run()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--hidden", type=int, default=defaults.hidden)
    parser.add_argument("--batch", type=int, default=defaults.batch_size)
    parser.add_argument("--bidirectional", action="store_true")
    args = parser.parse_args()
    base = replace(
        defaults,
        hidden=args.hidden,
        batch_size=args.batch,
        bidirectional=args.bidirectional,
        match_marginals=False,  # refused with privacy, and no part of training
    )
    print(
        f"hidden {base.hidden}, batch {base.batch_size}, bidirectional {base.bidirectional}, "
        f"cpu, {args.threads} threads, {BATCHES_PER_EPOCH} batches per epoch"
    )
    timings: dict[str, list[dict[str, float]]] = {variant: [] for variant in VARIANTS}
    for _ in range(ROUNDS):  # alternating, so that both variants see the same background load
        for variant, noise in VARIANTS.items():
            params = replace(base, dp_noise_multiplier=noise)
            timings[variant].append(
                in_own_process(timed_variant, params, args.threads, args.seconds / ROUNDS)
            )
    figures = {}
    for name in SHAPES:
        plain, private = (statistics.mean(run[name] for run in timings[v]) for v in VARIANTS)
        figures[name] = {
            "plain_s_per_epoch": round(1 / plain, 3),
            "private_s_per_epoch": round(1 / private, 3),
            "cost": round(plain / private, 2),
        }
        print(
            f"{name}: {1 / plain:.3f} s per epoch without privacy, {1 / private:.3f} s with "
            f"DP-SGD: {plain / private:.2f}x the training time"
        )
    summary = {
        "benchmark": "privacy_cost",
        "unit": "s/epoch",
        "threads": args.threads,
        "hidden": base.hidden,
        "batch_size": base.batch_size,
        "bidirectional": base.bidirectional,
        **figures,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
