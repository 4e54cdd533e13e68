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


EPISODE_HEADER = ["Icustay", "Ethnicity", "Gender", "Age", "Height", "Weight", "Length of Stay"]
STAYS_HEADER = ["SUBJECT_ID", "HADM_ID", "ICUSTAY_ID", "LAST_CAREUNIT", "DBSOURCE", "INTIME"]
UNITS = ["MICU", "SICU", "CCU", "CSRU", "TSICU"]


def write_subject(
    folder: Path, episode: int, rng: np.random.Generator, died: bool
) -> dict[str, object]:
    """The benchmark root's files of one subject whose `episode`-th stay is listed: stays.csv
    (one row per stay, the listed one last) and episode<N>.csv (episode 1's statics too, when
    N is 2); returns the listed stay's statics as the reader should see them."""
    folder.mkdir(parents=True)
    stay_ids = [int(rng.integers(200000, 300000)) for _ in range(episode)]
    units = [UNITS[int(rng.integers(len(UNITS)))] for _ in range(episode)]
    age = round(float(rng.normal(75 if died else 60, 10)), 2)
    gender, ethnicity = int(rng.integers(0, 3)), int(rng.integers(0, 6))  # 0: unknown
    with (folder / "stays.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(STAYS_HEADER)
        for stay_id, unit in zip(stay_ids, units, strict=True):
            writer.writerow([folder.name, 100000, stay_id, unit, "carevue", "2101-10-20 19:08:00"])
    for number, stay_id in enumerate(stay_ids, start=1):
        with (folder / f"episode{number}.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(EPISODE_HEADER)
            writer.writerow([stay_id, ethnicity, gender, age, "", "", 3.2])
    return {
        "age": age,
        "gender": {0: None, 1: "F", 2: "M"}[gender],
        "ethnicity": [None, "ASIAN", "BLACK", "HISPANIC", "WHITE", "OTHER"][ethnicity],
        "care_unit": units[-1],
    }


def write_mimic3_ihm(
    root: Path, n_train: int = 40, n_test: int = 10, seed: int = 0, statics: Path | None = None
) -> list[dict[str, object]]:
    """Write `root/{train,test}/listfile.csv` and their episode CSVs; deaths have higher heart
    rates and lower GCS totals than survivors. With `statics`, also the benchmark root's
    per-subject files there, split into train/ and test/ as the benchmark does (deaths are
    older); returns the listed stays' statics, in order."""
    rng = np.random.default_rng(seed)
    subject = 10000
    expected = []
    for part, count in (("train", n_train), ("test", n_test)):
        folder = root / part
        folder.mkdir(parents=True, exist_ok=True)
        stays, labels = [], []
        for _ in range(count):
            subject += int(rng.integers(1, 50))
            episode = int(rng.integers(1, 3))
            stay = f"{subject}_episode{episode}_timeseries.csv"
            died = bool(rng.random() < 0.3)
            write_episode(folder / stay, _episode_rows(rng, died))
            if statics is not None:
                expected.append(write_subject(statics / part / str(subject), episode, rng, died))
            stays.append(stay)
            labels.append(int(died))
        write_listfile(folder / "listfile.csv", stays, labels)
    return expected
