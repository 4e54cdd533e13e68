"""The data sets of the TimeGAN / Diffusion-TS benchmark protocol (sines, stocks, energy) and the
protocol's preparation (TimeGAN's `real_data_loading`): the rows in the reference's order, windows
of 24 consecutive rows with stride 1, no class labels. The per-column [0, 1] scaling is the
`column_minmax01` normalisation (rgan.data.prepare), and the split in time or over all windows is
chosen there from the `meta` written here."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from rgan.data.idx import DataFormatError
from rgan.data.sequences import UNLABELLED, RawData
from rgan.data.sines import sine_data
from rgan.data.sources import RemoteFile, Source

WINDOW = 24  # steps per window (seq_len of the protocol)

STOCKS_COLUMNS = ("Open", "High", "Low", "Close", "Adj_Close", "Volume")
ENERGY_COLUMNS = (
    "date",
    "Appliances",
    "lights",
    "T1",
    "RH_1",
    "T2",
    "RH_2",
    "T3",
    "RH_3",
    "T4",
    "RH_4",
    "T5",
    "RH_5",
    "T6",
    "RH_6",
    "T7",
    "RH_7",
    "T8",
    "RH_8",
    "T9",
    "RH_9",
    "T_out",
    "Press_mm_hg",
    "RH_out",
    "Windspeed",
    "Visibility",
    "Tdewpoint",
    "rv1",
    "rv2",
)

# data/stock_data.csv of jsyoon0823/TimeGAN (master): Google daily prices, 3,685 rows.
STOCKS = Source(
    mirrors=("https://raw.githubusercontent.com/jsyoon0823/TimeGAN/master/data/",),
    files=(
        RemoteFile(
            "stock_data.csv",
            "sha256:134b8a00eb4eefa3242dd7ae85144082da80dedf75a1a656d5d08f97cd95277a",
            size=228_290,
        ),
    ),
)
# UCI dataset 374 (Appliances energy prediction) publishes no checksum: the first download's
# SHA-256 goes into data_dir/energy/checksums.lock and is verified ever after.
ENERGY = Source(
    mirrors=("https://archive.ics.uci.edu/ml/machine-learning-databases/00374/",),
    files=(RemoteFile("energydata_complete.csv", None),),
)

PROTOCOL_DEFAULTS = {"protocol": True}
UNLABELLED_CLASS_NAMES = ["unlabelled"]  # one name: the training code draws per class


def read_table(path: Path, columns: tuple[str, ...], drop: tuple[str, ...] = ()) -> np.ndarray:
    """The numeric columns of a CSV with exactly this header (quoted or not), in file order, as
    (rows, columns − dropped) float64. Errors name the file, the line and what was expected."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = [name.strip() for name in next(reader, [])]
        if header != list(columns):
            raise DataFormatError(f"{path}: header {header}; expected {list(columns)}")
        keep = [i for i, name in enumerate(header) if name not in drop]
        values = []
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != len(header):
                raise DataFormatError(
                    f"{path}, line {line}: {len(row)} fields; expected {len(header)}"
                )
            try:
                values.append([float(row[i]) for i in keep])
            except ValueError:
                raise DataFormatError(
                    f"{path}, line {line}: a value that is not a number in {row}"
                ) from None
    if not values:
        raise DataFormatError(f"{path}: no rows below the header; expected daily/10-min records")
    return np.array(values, dtype=np.float64)


def read_stocks(path: Path) -> np.ndarray:
    """stock_data.csv: (rows, 6) Open, High, Low, Close, Adj_Close, Volume, in file order."""
    return read_table(path, STOCKS_COLUMNS)


def read_energy(path: Path) -> np.ndarray:
    """energydata_complete.csv: (rows, 28), every column but `date`, in file order."""
    return read_table(path, ENERGY_COLUMNS, drop=("date",))


def series_windows(series: np.ndarray, length: int = WINDOW) -> np.ndarray:
    """Every run of `length` consecutive rows of a (rows, features) series, stride 1: window i
    holds rows i .. i + length − 1; shape (rows − length + 1, length, features)."""
    if len(series) < length:
        raise DataFormatError(f"{len(series)} rows are fewer than one window of {length}")
    view = np.lib.stride_tricks.sliding_window_view(series, length, axis=0)
    return np.ascontiguousarray(view.transpose(0, 2, 1))


def protocol_order(series: np.ndarray, protocol: bool) -> np.ndarray:
    """The rows as the protocol reads them: TimeGAN's `real_data_loading` reverses them
    (`ori_data[::-1]`). Both files are stored oldest first (Google's 2004 prices lead
    stock_data.csv, January 2016 leads energydata_complete.csv), so protocol windows run
    backwards in time; without the protocol the file's (chronological) order is kept."""
    return series[::-1] if protocol else series


def unlabelled(X: np.ndarray, meta: dict, feature_names: list[str] | None = None) -> RawData:
    return RawData(
        X=X,
        y=np.full(len(X), UNLABELLED, dtype=np.int64),
        class_names=list(UNLABELLED_CLASS_NAMES),
        feature_names=feature_names,
        meta={"labels": "none", **meta},
    )


def series_reader(read, file_name: str, columns: tuple[str, ...]):
    """A reader of one series file: its windows in the protocol's (or the file's) row order,
    with what preprocessing needs to split in time (`window`, `series_rows`)."""

    def reader(files: dict[str, Path], options: dict) -> RawData:
        protocol = bool(options["protocol"])
        series = protocol_order(read(files[file_name]), protocol)
        meta = {
            "protocol": protocol,
            "window": WINDOW,
            "series_rows": len(series),
            "order": "reversed (TimeGAN)" if protocol else "file (chronological)",
        }
        windows = series_windows(series.astype(np.float32))
        return unlabelled(windows, meta, [c for c in columns if c != "date"])

    return reader


def sines_reader(files: dict[str, Path], options: dict) -> RawData:
    """10,000 independent sequences of TimeGAN's `sine_data_generation`, seed 0."""
    X = sine_data(n=10_000, seq_len=WINDOW, dim=5, seed=0)
    meta = {"protocol": bool(options["protocol"]), "generator": "sine_data, seed 0"}
    return unlabelled(X, meta, [f"sine_{k}" for k in range(X.shape[2])])


stocks_reader = series_reader(read_stocks, "stock_data.csv", STOCKS_COLUMNS)
energy_reader = series_reader(read_energy, "energydata_complete.csv", ENERGY_COLUMNS)
