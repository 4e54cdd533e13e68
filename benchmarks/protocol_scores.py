"""Time of the benchmark protocol's scores, 5 repeats each, on 10,000 sines windows.

Scores (rgan.metrics.protocol, rgan.metrics.context_fid): TimeGAN's discriminative (2,000
iterations) and predictive (5,000 iterations) scores, Diffusion-TS's context-FID and
correlational score, each repeated over seeds 0..repeats-1 and summarised as Diffusion-TS's
`display_scores` does (mean ± 95 % half-width). The real set is `sine_data(n, seed=0)`; the
"synthetic" one is the real set plus Gaussian noise of standard deviation `--noise` (0: the real
set itself). The discriminative and predictive repeats train side by side (one stacked model).
`--stocks` adds the conformance check of the predictive score on TimeGAN's stock_data.csv
(published "real data" row: 0.036; sines: 0.094), trained and tested on the real windows.

Usage: .venv/bin/python benchmarks/protocol_scores.py [--threads N] [--n 10000] [--repeats 5]
       [--noise 0.05] [--scores discriminative,predictive,correlational,context_fid]
       [--stocks ../shared/data/stocks/stock_data.csv]
Prints one line per score and a final JSON line with every figure.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from rgan.data.sines import sine_data
from rgan.metrics.context_fid import context_fid
from rgan.metrics.protocol import (
    correlational_score,
    protocol_discriminative_runs,
    protocol_predictive_runs,
    repeated,
    summary,
    timegan_windows,
)

SCORES = ("discriminative", "predictive", "correlational", "context_fid")


def timed(run: Callable[[], tuple[float, float]]) -> dict[str, float]:
    """Mean, half-width and wall seconds of one summarised score."""
    started = time.perf_counter()
    mean, half = run()
    return {"mean": mean, "half_width": half, "seconds": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--n", type=int, default=10_000, help="sines windows")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--noise", type=float, default=0.05, help="0: real against itself")
    parser.add_argument("--scores", default=",".join(SCORES), help="comma-separated")
    parser.add_argument("--stocks", type=Path, help="TimeGAN's stock_data.csv: conformance check")
    args = parser.parse_args()
    unknown = set(args.scores.split(",")) - set(SCORES)
    if unknown:
        parser.error(f"--scores: unknown {sorted(unknown)}, expected some of {list(SCORES)}")
    torch.set_num_threads(args.threads)
    real = sine_data(args.n, seed=0)
    noise = np.random.default_rng(1).standard_normal(real.shape).astype(np.float32)
    synthetic = real + np.float32(args.noise) * noise
    seeds = range(args.repeats)
    runs: dict[str, Callable[[], tuple[float, float]]] = {
        "discriminative": lambda: summary(protocol_discriminative_runs(real, synthetic, seeds)),
        "predictive": lambda: summary(protocol_predictive_runs(real, synthetic, seeds)),
        "correlational": lambda: repeated(
            lambda s: correlational_score(real, synthetic, s), args.repeats
        ),
        "context_fid": lambda: repeated(
            lambda s: context_fid(real, synthetic, seed=s), args.repeats
        ),
    }
    figures: dict[str, dict[str, float]] = {}
    for name in args.scores.split(","):
        figures[name] = timed(runs[name])
        f = figures[name]
        print(
            f"{name}: {f['mean']:.4f} ± {f['half_width']:.4f} in {f['seconds']:.1f} s "
            f"({args.repeats} repeats, {args.n} sines windows, noise {args.noise}, "
            f"{args.threads} threads)",
            flush=True,
        )
    total = sum(f["seconds"] for f in figures.values())
    print(f"all scores: {total:.1f} s")
    conformance: dict[str, dict[str, float]] = {}
    if args.stocks is not None:
        windows = timegan_windows(np.loadtxt(args.stocks, delimiter=",", skiprows=1))
        conformance["stocks_real_predictive"] = timed(
            lambda: summary(protocol_predictive_runs(windows, windows, seeds))
        )
        f = conformance["stocks_real_predictive"]
        print(
            f"stocks predictive score, real data: {f['mean']:.4f} ± {f['half_width']:.4f} "
            f"(published 0.036) in {f['seconds']:.1f} s"
        )
    print(
        json.dumps(
            {
                "benchmark": "protocol_scores",
                "unit": "s",
                "n": args.n,
                "repeats": args.repeats,
                "noise": args.noise,
                "threads": args.threads,
                "torch": torch.__version__,
                "total_seconds": round(total, 1),
                **figures,
                **conformance,
            }
        )
    )


if __name__ == "__main__":
    main()
