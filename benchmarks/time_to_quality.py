"""Time to quality: the training seconds at which a run's validation TSTR/TRTR ratio first
reached 0.80, 0.90 and 0.95, the figure every change to training is judged by beside its final
quality.

Reads finished runs' log.csv files (`val_tstr`, `val_trtr` and the cumulative training seconds
`seconds` of every validated epoch; rgan.validation.time_to_quality). Without arguments, the
default digits run's (`make run`). Labelled data with `select_by: tstr` only: the ratio needs
validation TSTR.

Usage: .venv/bin/python benchmarks/time_to_quality.py [results/models/<dataset>/<run>/log.csv ...]
       [--thresholds 0.8,0.9,0.95]
Prints one line per run and threshold, and a final JSON line.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from rgan.validation import time_to_quality

DEFAULT_LOG = Path("results/models/digits/seed~0/log.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", nargs="*", type=Path, default=[DEFAULT_LOG])
    parser.add_argument("--thresholds", default="0.8,0.9,0.95")
    args = parser.parse_args()
    thresholds = [float(value) for value in args.thresholds.split(",")]
    figures = {}
    for log in args.logs:
        if not log.is_file():
            parser.error(f"{log}: no such file (train the run first, e.g. `make run`)")
        history = pd.read_csv(log)
        if "val_trtr" not in history or history["val_trtr"].isna().all():
            parser.error(f"{log}: no val_trtr (a run without validation TSTR, or before rgan 0.1)")
        reached = time_to_quality(history, thresholds)
        ratio = history["val_tstr"] / history["val_trtr"]
        best = int(ratio.idxmax())
        figures[str(log)] = {
            "seconds_to": {str(t): s for t, s in reached.items()},
            "best_ratio": round(float(ratio.max()), 4),
            "best_at_seconds": round(float(history.at[best, "seconds"]), 1),
            "training_seconds": round(float(history["seconds"].iloc[-1]), 1),
        }
        for threshold, seconds in reached.items():
            when = f"{seconds:.1f} s" if seconds is not None else "never"
            print(f"{log}: validation TSTR/TRTR ≥ {threshold:.2f} after {when}")
        print(
            f"{log}: best ratio {ratio.max():.3f} at {history.at[best, 'seconds']:.1f} s of "
            f"{history['seconds'].iloc[-1]:.1f} s"
        )
    print(json.dumps({"benchmark": "time_to_quality", "unit": "s", "runs": figures}))


if __name__ == "__main__":
    main()
