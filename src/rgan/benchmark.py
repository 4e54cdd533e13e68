"""The benchmark table: this workflow's runs on the TimeGAN / Diffusion-TS protocol (sines,
stocks, energy) beside the published figures of Diffusion-TS's Table 1."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from rgan.config import FromConfig
from rgan.data.catalog import files_at_hand
from rgan.io import write_table
from rgan.targets import TARGETS

SCORES = ("context_fid", "correlational", "discriminative", "predictive")
DATASETS = ("sines", "stocks", "energy")
# Yuan & Qiao, Diffusion-TS (ICLR 2024), Table 1: means over 5 repeats of each score, on 24-step
# windows; lower is better. (score, model): (sines, stocks, energy)
PUBLISHED: dict[tuple[str, str], tuple[float, float, float]] = {
    ("context_fid", "Diffusion-TS"): (0.006, 0.147, 0.089),
    ("context_fid", "TimeGAN"): (0.101, 0.103, 0.767),
    ("correlational", "Diffusion-TS"): (0.015, 0.004, 0.856),
    ("correlational", "TimeGAN"): (0.045, 0.063, 4.010),
    ("discriminative", "Diffusion-TS"): (0.006, 0.067, 0.122),
    ("discriminative", "TimeGAN"): (0.011, 0.102, 0.236),
    ("predictive", "Diffusion-TS"): (0.093, 0.036, 0.250),
    ("predictive", "TimeGAN"): (0.093, 0.038, 0.273),
    ("predictive", "real data"): (0.094, 0.036, 0.250),
}
SCORE_NAMES = {
    "context_fid": "context-FID",
    "correlational": "correlational",
    "discriminative": "discriminative",
    "predictive": "predictive",
}
OUR_COLUMNS = (
    "status",
    "epochs_run",
    "train_seconds",
    *(f"protocol_{score}{suffix}" for score in SCORES for suffix in ("", "_ci95")),
    "detection_strongest",
    "detection_strongest_by",
    "code_commit",
)


@dataclass(frozen=True)
class BenchmarkSettings(FromConfig):
    """The config's `benchmark:` section. The defaults are those of config.yaml."""

    name: str = "rgan"  # names our rows: the configuration they come from
    datasets: tuple[str, ...] = ("sines", "stocks")  # always run (downloaded when absent)
    when_present: tuple[str, ...] = ("energy",)  # run only when their files are in data_dir
    # The quality targets' table (rgan.targets): its rows, the same way.
    targets: tuple[str, ...] = ("digits", "sines", "stocks")
    targets_when_present: tuple[str, ...] = ("fashion", "mnist")

    def chosen(self, data_options: dict, data_dir: Path) -> tuple[list[str], list[str]]:
        """(protocol data sets to run, those left out because their files are not in
        data_dir)."""
        return _chosen(DATASETS, self.datasets, self.when_present, data_options, data_dir)

    def chosen_targets(self, data_options: dict, data_dir: Path) -> tuple[list[str], list[str]]:
        """(data sets of the targets' table to run, those left out as in `chosen`)."""
        order = tuple(TARGETS)
        return _chosen(order, self.targets, self.targets_when_present, data_options, data_dir)


def _chosen(
    order: tuple[str, ...],
    always: tuple[str, ...],
    when_present: tuple[str, ...],
    data_options: dict,
    data_dir: Path,
) -> tuple[list[str], list[str]]:
    present = [
        name for name in when_present if files_at_hand(name, data_options.get(name, {}), data_dir)
    ]
    run = [name for name in order if name in (*always, *present)]
    return run, [name for name in when_present if name not in run]


def our_rows(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    """protocol.csv: one row per run of each data set's results table, with its budget, its
    protocol scores (mean and 95 % half-width) and its strongest detection score."""
    rows = []
    for dataset, table in tables.items():
        for _, run in table.iterrows():
            rows.append(
                {
                    "benchmark": name,
                    "dataset": dataset,
                    "run": run["run"],
                    **{column: run.get(column) for column in OUR_COLUMNS},
                }
            )
    return pd.DataFrame(rows)


def _figure(mean: float, half_width: float | None = None) -> str:
    if mean is None or math.isnan(mean):
        return ""
    text = f"{mean:.3f}"
    if half_width is not None and not math.isnan(half_width):
        text += f" ± {half_width:.3f}"
    return text


def markdown_table(ours: pd.DataFrame, left_out: list[str]) -> str:
    """The published rows and ours, score by score, as a Markdown table; then each of our runs'
    budget (training epochs and seconds) and strongest detection score, and the data sets left
    out."""
    header = "| score | model | " + " | ".join(DATASETS) + " |"
    lines = [header, "| --- | --- | " + " | ".join("---" for _ in DATASETS) + " |"]
    runs = list(dict.fromkeys(ours["run"])) if len(ours) else []
    by_run = {run: ours[ours["run"] == run].set_index("dataset") for run in runs}
    label = {run: f"RGAN ({ours['benchmark'].iloc[0]}: {run})" for run in runs}
    for score in SCORES:
        entries = [(model, values) for (s, model), values in PUBLISHED.items() if s == score]
        published = [(m, [_figure(v) for v in values]) for m, values in entries if m != "real data"]
        reference = [(m, [_figure(v) for v in values]) for m, values in entries if m == "real data"]
        mine = [
            (
                label[run],
                [
                    _figure(
                        table.at[dataset, f"protocol_{score}"],
                        table.at[dataset, f"protocol_{score}_ci95"],
                    )
                    if dataset in table.index
                    else ""
                    for dataset in DATASETS
                ],
            )
            for run, table in by_run.items()
        ]
        for i, (model, cells) in enumerate(published + mine + reference):
            first = SCORE_NAMES[score] if i == 0 else ""
            lines.append(f"| {first} | {model} | " + " | ".join(cells) + " |")
    lines += ["", "Lower is better. Published rows: Diffusion-TS (Yuan & Qiao 2024), Table 1."]
    for run, table in by_run.items():
        budget = "; ".join(
            f"{dataset} {int(row['epochs_run'])} epochs, {row['train_seconds']:.0f} s of "
            f"training ({row['status']}), strongest detection score "
            f"{row['detection_strongest']:.3f} ({row['detection_strongest_by']})"
            for dataset, row in table.iterrows()
        )
        lines.append(f"{label[run]}: {budget}.")
    for dataset in left_out:
        lines.append(f"{dataset}: not run, its files are not in data_dir (see the README).")
    return "\n".join(lines) + "\n"


def write_benchmark(
    tables: dict[str, str | os.PathLike],
    name: str,
    left_out: list[str],
    csv_path: str | os.PathLike,
    markdown_path: str | os.PathLike,
) -> str:
    """protocol.csv (our_rows of each data set's results CSV) and protocol.md (markdown_table),
    both written atomically; returns the Markdown."""
    ours = our_rows({dataset: pd.read_csv(path) for dataset, path in tables.items()}, name)
    table = markdown_table(ours, left_out)
    write_table(ours, csv_path, table, markdown_path)
    return table
