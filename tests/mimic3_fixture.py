"""A small MIMIC-III in-hospital-mortality benchmark folder in the real layout and formats."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from rgan.data.mimic3 import CATEGORIES, VARIABLES

HEADER = ["Hours", *VARIABLES]

# Per variable: chance a row measures it, and (mean, sd) for survivors and for deaths.
NUMERIC = {
    "Diastolic blood pressure": (0.5, (62, 10), (55, 12)),
    "Fraction inspired oxygen": (0.1, (0.4, 0.1), (0.6, 0.15)),
    "Glucose": (0.15, (130, 30), (160, 45)),
    "Heart Rate": (0.8, (82, 10), (112, 12)),
    "Height": (0.02, (170, 10), (170, 10)),
    "Mean blood pressure": (0.5, (78, 10), (66, 12)),
    "Oxygen saturation": (0.6, (97.5, 1.5), (93, 3)),
    "Respiratory rate": (0.6, (18, 3), (24, 5)),
    "Systolic blood pressure": (0.5, (120, 15), (102, 18)),
    "Temperature": (0.2, (36.8, 0.4), (37.4, 0.9)),
    "Weight": (0.05, (80, 15), (80, 15)),
    "pH": (0.1, (7.40, 0.03), (7.31, 0.07)),
}


def write_episode(path: Path, rows: list[dict[str, object]]) -> None:
    """One episode CSV with the benchmark's header; absent keys are empty cells."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow(["" if row.get(name) is None else row[name] for name in HEADER])


def write_listfile(path: Path, stays: list[str], labels: list[int]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["stay", "y_true"])
        writer.writerows(zip(stays, labels, strict=True))


def _episode_rows(rng: np.random.Generator, died: bool) -> list[dict[str, object]]:
    """Irregular fractional hours (some past 48 h), sparse cells, GCS as benchmark strings."""
    times = np.sort(rng.uniform(0, 56, size=rng.integers(20, 60)))
    rows = []
    for time in times:
        row: dict[str, object] = {"Hours": f"{time:.13g}"}
        for name, (chance, alive, dead) in NUMERIC.items():
            if rng.random() < chance:
                mean, sd = dead if died else alive
                row[name] = round(float(rng.normal(mean, sd)), 2)
        if rng.random() < 0.05:
            row["Capillary refill rate"] = "1.0" if died and rng.random() < 0.5 else "0.0"
        if rng.random() < 0.25:
            for name, values in CATEGORIES.items():
                if name != "Capillary refill rate" and rng.random() < 0.8:
                    row[name] = values[int(rng.integers(len(values)))]
            row["Glascow coma scale total"] = str(
                int(rng.integers(3, 10) if died else rng.integers(11, 16))
            )
        rows.append(row)
    return rows


def write_mimic3_ihm(root: Path, n_train: int = 40, n_test: int = 10, seed: int = 0) -> None:
    """Write `root/{train,test}/listfile.csv` and their episode CSVs; deaths have higher heart
    rates and lower GCS totals than survivors."""
    rng = np.random.default_rng(seed)
    subject = 10000
    for part, count in (("train", n_train), ("test", n_test)):
        folder = root / part
        folder.mkdir(parents=True, exist_ok=True)
        stays, labels = [], []
        for _ in range(count):
            subject += int(rng.integers(1, 50))
            stay = f"{subject}_episode{int(rng.integers(1, 3))}_timeseries.csv"
            died = bool(rng.random() < 0.3)
            write_episode(folder / stay, _episode_rows(rng, died))
            stays.append(stay)
            labels.append(int(died))
        write_listfile(folder / "listfile.csv", stays, labels)
