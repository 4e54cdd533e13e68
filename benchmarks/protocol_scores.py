"""Time of the benchmark protocol's four scores, 5 repeats each, on 10,000 sines windows.

Scores (rgan.metrics.protocol_suite): TimeGAN's discriminative (2,000 iterations) and predictive
(5,000 iterations) scores, Diffusion-TS's context-FID and correlational score, each repeated over
seeds 0..repeats-1 and summarised as Diffusion-TS's `display_scores` does (mean ± 95 %
half-width), their work shared by `--workers` processes of one torch thread (the evaluate rule
uses its threads as workers). The real set is `sine_data(n, seed=0)`; the "synthetic" one is the
real set plus Gaussian noise of standard deviation `--noise` (0: the real set itself).
`--scores context_fid --workers 1` times one score alone. `--stocks` adds the conformance check
of the predictive score on TimeGAN's stock_data.csv (published "real data" row: 0.036; sines:
0.094), trained and tested on the real windows.

Usage: .venv/bin/python benchmarks/protocol_scores.py [--workers 2] [--n 10000] [--repeats 5]
       [--noise 0.05] [--scores discriminative,predictive,context_fid,correlational]
       [--stocks ../shared/data/stocks/stock_data.csv]
Prints one line per score and a final JSON line with every figure.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from rgan.data.sines import sine_data
from rgan.metrics.protocol import summary, timegan_windows
from rgan.metrics.protocol_suite import SCORES, protocol_runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="processes, one thread each")
    parser.add_argument("--n", type=int, default=10_000, help="sines windows")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--noise", type=float, default=0.05, help="0: real against itself")
    parser.add_argument("--scores", default=",".join(SCORES), help="comma-separated")
    parser.add_argument("--stocks", type=Path, help="TimeGAN's stock_data.csv: conformance check")
    args = parser.parse_args()
    scores = args.scores.split(",")
    unknown = set(scores) - set(SCORES)
    if unknown:
        parser.error(f"--scores: unknown {sorted(unknown)}, expected some of {list(SCORES)}")
    real = sine_data(args.n, seed=0)
    noise = np.random.default_rng(1).standard_normal(real.shape).astype(np.float32)
    synthetic = real + np.float32(args.noise) * noise
    seeds = range(args.repeats)
    started = time.perf_counter()
    runs = protocol_runs(real, synthetic, seeds, args.workers, scores)
    total = round(time.perf_counter() - started, 1)
    figures = {}
    for name, values in runs.items():
        mean, half = summary(values)
        figures[name] = {"mean": mean, "half_width": half}
        print(f"{name}: {mean:.4f} ± {half:.4f}")
    print(
        f"all scores: {total:.1f} s ({args.repeats} repeats, {args.n} sines windows, noise "
        f"{args.noise}, {args.workers} workers)",
        flush=True,
    )
    conformance: dict[str, dict[str, float]] = {}
    if args.stocks is not None:
        windows = timegan_windows(np.loadtxt(args.stocks, delimiter=",", skiprows=1))
        started = time.perf_counter()
        values = protocol_runs(windows, windows, seeds, args.workers, ["predictive"])
        mean, half = summary(values["predictive"])
        seconds = round(time.perf_counter() - started, 1)
        conformance["stocks_real_predictive"] = {
            "mean": mean,
            "half_width": half,
            "seconds": seconds,
        }
        print(
            f"stocks predictive score, real data: {mean:.4f} ± {half:.4f} (published 0.036) "
            f"in {seconds:.1f} s"
        )
    print(
        json.dumps(
            {
                "benchmark": "protocol_scores",
                "unit": "s",
                "n": args.n,
                "repeats": args.repeats,
                "noise": args.noise,
                "workers": args.workers,
                "torch": torch.__version__,
                "total_seconds": total,
                **figures,
                **conformance,
            }
        )
    )


if __name__ == "__main__":
    main()
