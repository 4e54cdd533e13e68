"""MIMIC-III benchmark in-hospital mortality (Harutyunyan et al. 2019), read from a local copy.

MIMIC-III needs credentialed PhysioNet access, so it is never downloaded: the user builds the
benchmark with YerevaNN/mimic3-benchmarks and points `data.mimic3_ihm.path` at its
in-hospital-mortality folder (holding `train/` and `test/`, each with a `listfile.csv`), and
optionally `data.mimic3_ihm.root` at the benchmark's root folder, whose per-subject
`episode<N>.csv` and `stays.csv` give each stay's static attributes (age, gender, ethnicity,
care unit).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from rgan.data.idx import DataFormatError
from rgan.data.static import CATEGORICAL, CONTINUOUS, Attribute, from_columns

PARTS = ("train", "test")

# The 17 clinical variables in the benchmark's channel (and episode CSV column) order.
VARIABLES: list[str] = [
    "Capillary refill rate",
    "Diastolic blood pressure",
    "Fraction inspired oxygen",
    "Glascow coma scale eye opening",
    "Glascow coma scale motor response",
    "Glascow coma scale total",
    "Glascow coma scale verbal response",
    "Glucose",
    "Heart Rate",
    "Height",
    "Mean blood pressure",
    "Oxygen saturation",
    "Respiratory rate",
    "Systolic blood pressure",
    "Temperature",
    "Weight",
    "pH",
]

# Possible values of the categorical variables, one one-hot column each, in the order of
# mimic3models/resources/discretizer_config.json in YerevaNN/mimic3-benchmarks. The GCS
# channels mix the CareVue ("To Pain") and MetaVision ("2 To pain") spellings; like the
# benchmark's discretizer, every spelling keeps its own column.
CATEGORIES: dict[str, list[str]] = {
    "Capillary refill rate": ["0.0", "1.0"],
    "Glascow coma scale eye opening": [
        "To Pain",
        "3 To speech",
        "1 No Response",
        "4 Spontaneously",
        "None",
        "To Speech",
        "Spontaneously",
        "2 To pain",
    ],
    "Glascow coma scale motor response": [
        "1 No Response",
        "3 Abnorm flexion",
        "Abnormal extension",
        "No response",
        "4 Flex-withdraws",
        "Localizes Pain",
        "Flex-withdraws",
        "Obeys Commands",
        "Abnormal Flexion",
        "6 Obeys Commands",
        "5 Localizes Pain",
        "2 Abnorm extensn",
    ],
    "Glascow coma scale total": [
        "11",
        "10",
        "13",
        "12",
        "15",
        "14",
        "3",
        "5",
        "4",
        "7",
        "6",
        "9",
        "8",
    ],
    "Glascow coma scale verbal response": [
        "1 No Response",
        "No Response",
        "Confused",
        "Inappropriate Words",
        "Oriented",
        "No Response-ETT",
        "5 Oriented",
        "Incomprehensible sounds",
        "1.0 ET/Trach",
        "4 Confused",
        "2 Incomp sounds",
        "3 Inapprop words",
    ],
}

FEATURE_NAMES: list[str] = [
    f"{name}={value}" if name in CATEGORIES else name
    for name in VARIABLES
    for value in CATEGORIES.get(name, [None])
]

_CODES = {name: {value: i for i, value in enumerate(values)} for name, values in CATEGORIES.items()}
# Numeric spellings of numeric categories ("1" or "1.00" for "1.0", "15.0" for "15").
_NUMERIC_CODES = {
    name: {float(value): i for i, value in enumerate(values)}
    for name, values in CATEGORIES.items()
    if all(value.replace(".", "", 1).isdigit() for value in values)
}


def _read_csv(path: Path) -> pd.DataFrame:
    """A CSV as strings; only empty cells are missing ("None" is a GCS value, not NA)."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataFormatError(f"{path}: not a readable CSV file ({error})") from error


def _first_bad(path: Path, column: str, raw: pd.Series, bad: pd.Series, what: str) -> None:
    """Raise naming the file, column, line and value of the first cell flagged in `bad`."""
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataFormatError(
            f"{path}: column {column!r} line {row + 2} holds {raw.iloc[row]!r}, {what}"
        )


def _encode(path: Path, name: str, raw: pd.Series) -> np.ndarray:
    """A variable's cells as floats: the value, or the category's index; NaN where empty."""
    present = raw.notna()
    if name not in CATEGORIES:
        values = pd.to_numeric(raw, errors="coerce")
        _first_bad(path, name, raw, present & values.isna(), "not a number")
        _first_bad(path, name, raw, np.isinf(values), "not a finite number")
        return values.to_numpy(np.float64)
    codes = raw.map(_CODES[name]).astype(np.float64)
    unknown = present & codes.isna()
    if unknown.any() and name in _NUMERIC_CODES:
        numbers = pd.to_numeric(raw[unknown], errors="coerce")
        codes[unknown] = numbers.map(_NUMERIC_CODES[name]).astype(np.float64)
        unknown = present & codes.isna()
    _first_bad(path, name, raw, unknown, f"not one of the benchmark's values {CATEGORIES[name]}")
    return codes.to_numpy(np.float64)


def _read_episode(path: Path, hours: int) -> tuple[np.ndarray, np.ndarray]:
    """(hours, 17) last value per hour bin, forward-filled, and (hours, 17) observed flags."""
    table = _read_csv(path)
    if "Hours" not in table.columns:
        raise DataFormatError(f"{path}: no 'Hours' column (found {list(table.columns)})")
    missing = [name for name in VARIABLES if name not in table.columns]
    if missing:
        raise DataFormatError(f"{path}: missing variable columns {missing}")
    times = pd.to_numeric(table["Hours"], errors="coerce")
    _first_bad(path, "Hours", table["Hours"], times.isna(), "not a number")
    cells = pd.DataFrame({name: _encode(path, name, table[name]) for name in VARIABLES})
    times = times.to_numpy(np.float64)
    order = np.argsort(times, kind="stable")
    order = order[(times[order] >= 0) & (times[order] < hours)]
    bins = np.floor(times[order]).astype(np.int64)
    last = cells.iloc[order].groupby(bins, sort=True).last()  # last non-missing per column
    values = np.full((hours, len(VARIABLES)), np.nan)
    values[last.index.to_numpy()] = last.to_numpy(np.float64)
    observed = ~np.isnan(values)
    return pd.DataFrame(values).ffill().to_numpy(), observed


def _read_part(folder: Path, hours: int) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    listfile = folder / "listfile.csv"
    table = _read_csv(listfile)
    for column in ("stay", "y_true"):
        if column not in table.columns:
            raise DataFormatError(
                f"{listfile}: no {column!r} column (found {list(table.columns)}), "
                "expected the benchmark's 'stay,y_true'"
            )
    _first_bad(listfile, "stay", table["stay"], table["stay"].isna(), "an empty episode name")
    labels = pd.to_numeric(table["y_true"], errors="coerce")
    _first_bad(listfile, "y_true", table["y_true"], ~labels.isin([0, 1]), "not 0 or 1")
    values, observed = [], []
    for stay in table["stay"]:
        episode = folder / stay
        if not episode.is_file():
            raise DataFormatError(f"{listfile}: lists episode {stay!r} but {episode} is missing")
        episode_values, episode_observed = _read_episode(episode, hours)
        values.append(episode_values)
        observed.append(episode_observed)
    return values, observed, labels.to_numpy(np.int64)


def read_mimic3_ihm(
    root: Path, hours: int = 48
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Episodes of train/ then test/ on an hourly grid: X, mask (N, hours, F) float32, y (N,)
    int64 and the F feature names; X is NaN where a variable was not yet observed."""
    if hours < 1:
        raise ValueError(f"hours must be at least 1, got {hours}")
    root = Path(root)
    missing = [root / part / "listfile.csv" for part in PARTS]
    missing = [path for path in missing if not path.is_file()]
    if missing:
        raise DataFormatError(
            f"{', '.join(map(str, missing))}: not found. The MIMIC-III in-hospital-mortality "
            "benchmark is never downloaded (it needs credentialed PhysioNet access): build it "
            "with YerevaNN/mimic3-benchmarks and point `data.mimic3_ihm.path` to its "
            "in-hospital-mortality folder (the one holding train/ and test/)"
        )
    values, observed, labels = [], [], []
    for part in PARTS:
        part_values, part_observed, part_labels = _read_part(root / part, hours)
        values += part_values
        observed += part_observed
        labels.append(part_labels)
    shape = (len(values), hours, len(VARIABLES))
    value = np.stack(values) if values else np.empty(shape)
    seen = np.stack(observed) if observed else np.zeros(shape, dtype=bool)
    columns, masks = [], []
    for j, name in enumerate(VARIABLES):
        if name not in CATEGORIES:
            columns.append(value[..., j : j + 1])
            masks.append(seen[..., j : j + 1])
            continue
        onehot = (value[..., j, None] == np.arange(len(CATEGORIES[name]))).astype(np.float64)
        onehot[np.isnan(value[..., j])] = np.nan
        columns.append(onehot)
        masks.append(np.repeat(seen[..., j : j + 1], len(CATEGORIES[name]), axis=-1))
    X = np.concatenate(columns, axis=-1).astype(np.float32)
    mask = np.concatenate(masks, axis=-1).astype(np.float32)
    return X, mask, np.concatenate(labels), list(FEATURE_NAMES)


# The benchmark's episode<N>.csv codes (mimic3benchmark/preprocessing.py); 0 means unknown.
GENDERS = {1: "F", 2: "M", 3: "OTHER"}
ETHNICITIES = {1: "ASIAN", 2: "BLACK", 3: "HISPANIC", 4: "WHITE", 5: "OTHER"}
STATIC_KINDS = {
    "age": CONTINUOUS,
    "gender": CATEGORICAL,
    "ethnicity": CATEGORICAL,
    "care_unit": CATEGORICAL,
}
EPISODE_NAME = re.compile(r"^(\d+)_episode(\d+)_timeseries\.csv$")


def listed_stays(ihm: Path) -> list[tuple[str, str]]:
    """(part, episode file name) of every listed stay, train/ then test/ (read_mimic3_ihm's
    order)."""
    return [
        (part, stay) for part in PARTS for stay in _read_csv(ihm / part / "listfile.csv")["stay"]
    ]


def subject_folder(root: Path, part: str, subject: str) -> Path:
    """A subject's folder in the benchmark root: root/<part>/<subject> after the benchmark's
    train/test split, else root/<subject>."""
    split = root / part / subject
    return split if split.is_dir() else root / subject


def stay_statics(root: Path, part: str, stay: str) -> dict[str, object]:
    """Age, gender, ethnicity and care unit of one listed stay, None where unknown."""
    match = EPISODE_NAME.match(stay)
    if match is None:
        raise DataFormatError(
            f"{root}: listed stay {stay!r} is not named <subject>_episode<N>_timeseries.csv"
        )
    subject, episode = match.groups()
    folder = subject_folder(root, part, subject)
    path, stays_path = folder / f"episode{episode}.csv", folder / "stays.csv"
    for needed in (path, stays_path):
        if not needed.is_file():
            raise DataFormatError(
                f"{needed}: not found; data.mimic3_ihm.root must be the benchmark's root folder "
                f"(with <subject>/episode<N>.csv and stays.csv) for stay {stay!r}"
            )
    table, stays = _read_csv(path), _read_csv(stays_path)
    for name, frame, columns in (
        (path, table, ("Icustay", "Age", "Gender", "Ethnicity")),
        (stays_path, stays, ("ICUSTAY_ID", "LAST_CAREUNIT")),
    ):
        absent = [column for column in columns if column not in frame.columns]
        if absent or frame.empty:
            raise DataFormatError(f"{name}: expected a row with columns {list(columns)}")
    row = table.iloc[0]
    unit = stays.loc[stays["ICUSTAY_ID"] == row["Icustay"], "LAST_CAREUNIT"]
    return {
        "age": _number(path, "Age", row["Age"]),
        "gender": GENDERS.get(_code(path, "Gender", row["Gender"])),
        "ethnicity": ETHNICITIES.get(_code(path, "Ethnicity", row["Ethnicity"])),
        "care_unit": unit.iloc[0] if len(unit) and isinstance(unit.iloc[0], str) else None,
    }


def _number(path: Path, column: str, cell: object) -> float:
    if not isinstance(cell, str):
        return float("nan")
    try:
        return float(cell)
    except ValueError:
        raise DataFormatError(f"{path}: column {column!r} holds {cell!r}, not a number") from None


def _code(path: Path, column: str, cell: object) -> int:
    value = _number(path, column, cell)
    return 0 if np.isnan(value) else int(value)


def read_mimic3_statics(ihm: Path, root: Path) -> tuple[np.ndarray, list[Attribute]]:
    """The static attributes of the in-hospital-mortality folder's stays, in the order of
    read_mimic3_ihm, from the benchmark root's episode<N>.csv and stays.csv."""
    rows = [stay_statics(Path(root), part, stay) for part, stay in listed_stays(Path(ihm))]
    columns = {name: [row[name] for row in rows] for name in STATIC_KINDS}
    return from_columns(columns, STATIC_KINDS, str(root))
