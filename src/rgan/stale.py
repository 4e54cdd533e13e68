"""What a train job makes stale: everything made from the model it replaces, down to the
dataset's tables. Snakemake does not rebuild a missing intermediate file (a generator.pt deleted
with its failed job) while the files made from it exist, so these go before training starts:
after a failed job, a rerun then rebuilds them instead of keeping results whose model is gone."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

# results/tstr/
TABLES = ("{}.csv", "{}.html", "{}_best.png", "{}_points.csv", "{}_grid.png", "{}_privacy.png")


def stale_results(results: Path, dataset: str, run: str) -> list[Path]:
    """The existing files and folders made from the model of `run`: its samples, its
    evaluation, the dataset's tables and figures, and the grid parts (results/parts/) that list
    it."""
    paths = [
        results / "synthetic" / dataset / run,
        results / "eval" / dataset / f"{run}.json",
        results / "eval" / dataset / run,
        *(results / "tstr" / name.format(dataset) for name in TABLES),
        *(part for part in (results / "parts" / dataset).glob("*.csv") if lists_run(part, run)),
    ]
    return [path for path in paths if path.exists()]


def remove_stale_results(results: Path, dataset: str, run: str) -> list[Path]:
    """Delete `stale_results` (folders with everything in them); return what went."""
    stale = stale_results(results, dataset, run)
    for path in stale:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    return stale


def lists_run(table: Path, run: str) -> bool:
    """Whether a results table (a CSV with a `run` column) has a row for `run`."""
    with open(table, newline="") as handle:
        return any(row.get("run") == run for row in csv.DictReader(handle))
