"""The TimeGAN / Diffusion-TS benchmark data sets (sines, stocks, energy): readers, the protocol's
preparation (row order, windows, per-column [0, 1] scaling, all windows in training), the split
in time without it, downloads with checksums and lock files, and a dry run that plans training."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from runner import TINY, new_workdir, planned_jobs, snakemake
from served import closed_port_url, serve

from rgan.data import dataset_source, fetch_dataset, load_dataset
from rgan.data.idx import DataFormatError
from rgan.data.prepare import PreparedData, Scaler, split_and_scale, split_sizes
from rgan.data.protocol import (
    ENERGY_COLUMNS,
    STOCKS_COLUMNS,
    WINDOW,
    read_energy,
    read_stocks,
    series_windows,
)
from rgan.data.sequences import UNLABELLED
from rgan.data.sines import sine_data
from rgan.data.sources import ChecksumError, RetryPolicy, file_hash
from rgan.metrics.protocol import timegan_windows

FAST = RetryPolicy(retries=2, backoff_seconds=0.01, timeout_seconds=5)
REAL_STOCKS = Path(__file__).resolve().parents[2] / "shared/data/stocks/stock_data.csv"
STOCKS_SHA256 = "134b8a00eb4eefa3242dd7ae85144082da80dedf75a1a656d5d08f97cd95277a"
SPLIT = {"val_fraction": 0.1, "test_fraction": 0.2, "seed": 0}


def write_stocks_csv(path: Path, rows: int = 400, seed: int = 0) -> np.ndarray:
    """stock_data.csv's format: header Open,High,Low,Close,Adj_Close,Volume, oldest day first,
    prices with 6 decimals, integer volumes; returns the values written."""
    rng = np.random.default_rng(seed)
    close = 50 + np.cumsum(rng.normal(0.2, 1.0, rows))
    values = np.column_stack(
        [close - 0.5, close + 1.0, close - 1.0, close, close, rng.integers(10**5, 10**7, rows)]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        handle.write(",".join(STOCKS_COLUMNS) + "\n")
        for row in values:
            handle.write(",".join(f"{v:.6f}" for v in row[:5]) + f",{int(row[5])}\n")
    return np.round(values, 6)


def write_energy_csv(path: Path, rows: int = 90, seed: int = 0) -> np.ndarray:
    """energydata_complete.csv's format: quoted header and dates ("2016-01-11 17:00:00", every
    10 minutes, oldest first), then 28 numbers (integer Wh, then floats); returns the numbers."""
    rng = np.random.default_rng(seed)
    values = np.round(rng.normal(20, 5, (rows, 28)), 4)
    values[:, :2] = rng.integers(0, 100, (rows, 2)) * 10  # Appliances, lights: whole Wh
    dates = np.datetime64("2016-01-11T17:00") + np.arange(rows) * np.timedelta64(10, "m")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(ENERGY_COLUMNS)
        for date, row in zip(dates, values, strict=True):
            stamp = str(date).replace("T", " ") + ":00"
            writer.writerow([stamp, *(int(v) for v in row[:2]), *row[2:].tolist()])
    return values


@pytest.fixture
def stocks_file(tmp_path):
    path = tmp_path / "stocks/stock_data.csv"
    return path, write_stocks_csv(path)


def prepared(name: str, options: dict, files: dict, normalise: str) -> PreparedData:
    return split_and_scale(load_dataset(name, options, files), **SPLIT, normalise=normalise)


def timegan_minmax(data: np.ndarray) -> np.ndarray:
    """TimeGAN's MinMaxScaler (utils/data_loading.py), in float64."""
    low = np.min(data, 0)
    return (data - low) / (np.max(data, 0) - low + 1e-7)


# Readers


def test_sines_are_timegan_sines_unlabelled_and_in_protocol_mode():
    data = load_dataset("sines", {}, {})
    np.testing.assert_array_equal(data.X, sine_data(10_000, 24, 5, seed=0))
    assert data.X.shape == (10_000, 24, 5) and data.X.dtype == np.float32
    assert (data.y == UNLABELLED).all() and not data.labelled
    assert data.meta["labels"] == "none" and data.meta["protocol"] is True
    assert "window" not in data.meta  # independent sequences, not windows of one series


def test_stocks_reader_keeps_file_order_and_columns(stocks_file):
    path, values = stocks_file
    np.testing.assert_allclose(read_stocks(path), values, rtol=0, atol=1e-9)


def test_energy_reader_drops_the_date_and_reads_28_numeric_columns(tmp_path):
    path = tmp_path / "energydata_complete.csv"
    values = write_energy_csv(path)
    assert path.read_text().startswith('"date","Appliances","lights","T1"')
    read = read_energy(path)
    assert read.shape == (90, 28)
    np.testing.assert_allclose(read, values, rtol=0, atol=1e-9)


def test_readers_refuse_a_wrong_header_or_a_non_number_naming_the_file(tmp_path, stocks_file):
    path, _ = stocks_file
    text = path.read_text().splitlines()
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("\n".join(["Open,High,Low,Close,Volume", *text[1:]]))
    with pytest.raises(DataFormatError, match=r"wrong\.csv: header .*expected \['Open'"):
        read_stocks(wrong)
    text[3] = "1,2,3,x,5,6"
    wrong.write_text("\n".join(text))
    with pytest.raises(DataFormatError, match=r"wrong\.csv, line 4: a value that is not a number"):
        read_stocks(wrong)


@pytest.mark.skipif(not REAL_STOCKS.exists(), reason=f"{REAL_STOCKS} is not on this machine")
def test_the_real_stocks_file_has_3685_rows_of_6_columns():
    assert read_stocks(REAL_STOCKS).shape == (3685, 6)
    data = load_dataset("stocks", {}, {"stock_data.csv": REAL_STOCKS})
    assert data.X.shape == (3685 - WINDOW + 1, WINDOW, 6)


@pytest.mark.skipif(not REAL_STOCKS.exists(), reason=f"{REAL_STOCKS} is not on this machine")
def test_prepared_real_stocks_are_timegans_windows_and_the_one_its_loop_leaves_out():
    ours = prepared("stocks", {}, {"stock_data.csv": REAL_STOCKS}, "column_minmax01").X["train"]
    reference = timegan_windows(read_stocks(REAL_STOCKS))  # range(len - 24): 3,661 windows
    assert len(ours) == len(reference) + 1 == 3662
    flat = [torch.from_numpy(x.reshape(len(x), -1)).double() for x in (reference, ours)]
    nearest = torch.cdist(*flat).min(dim=1).values  # every reference window is one of ours
    assert nearest.max() < 1e-5


# The protocol's preparation


def test_protocol_windows_are_consecutive_rows_in_timegan_order(stocks_file):
    path, values = stocks_file
    data = load_dataset("stocks", {}, {"stock_data.csv": path})
    assert data.X.shape == (len(values) - WINDOW + 1, WINDOW, 6)
    assert data.meta["protocol"] is True and data.meta["series_rows"] == len(values)
    reversed_rows = values[::-1].astype(np.float32)  # TimeGAN: ori_data = ori_data[::-1]
    for i in (0, 1, 57, len(data.X) - 1):
        np.testing.assert_array_equal(data.X[i], reversed_rows[i : i + WINDOW])
    # Consecutive windows overlap by all but one row (stride 1).
    np.testing.assert_array_equal(data.X[1:, :-1], data.X[:-1, 1:])
    chronological = load_dataset("stocks", {"protocol": False}, {"stock_data.csv": path})
    np.testing.assert_array_equal(chronological.X[0], values[:WINDOW].astype(np.float32))
    np.testing.assert_array_equal(series_windows(values[:30], 24)[6], values[6:30])


def test_protocol_scaling_is_timegans_per_column_minmax_over_every_window(stocks_file):
    path, values = stocks_file
    data = prepared("stocks", {}, {"stock_data.csv": path}, "column_minmax01")
    n = len(values) - WINDOW + 1
    assert data.protocol and data.scaler.method == "column_minmax01"
    assert data.scaler.bounded and data.scaler.range == (0.0, 1.0)
    # Training holds every window once, shuffled with the split seed.
    assert sorted(data.index["train"].tolist()) == list(range(n))
    assert data.index["train"].tolist() != list(range(n))
    again = prepared("stocks", {}, {"stock_data.csv": path}, "column_minmax01")
    np.testing.assert_array_equal(again.X["train"], data.X["train"])
    # Each window equals TimeGAN's real_data_loading: reverse, scale the series, cut windows.
    expected = series_windows(timegan_minmax(values[::-1]))[data.index["train"]]
    np.testing.assert_allclose(data.X["train"], expected, atol=2e-6)
    assert data.X["train"].min() == 0.0 and data.X["train"].max() == pytest.approx(1.0, abs=1e-6)
    # Val and test are random subsets of the same windows (in-sample, as flagged).
    for split in ("val", "test"):
        assert set(data.index[split]) <= set(data.index["train"])
    raw = load_dataset("stocks", {}, {"stock_data.csv": path}).X
    np.testing.assert_allclose(
        data.scaler.inverse(data.X["train"]), raw[data.index["train"]], rtol=1e-5
    )


def test_prepared_npz_records_protocol_mode(tmp_path, stocks_file):
    path, _ = stocks_file
    data = prepared("stocks", {}, {"stock_data.csv": path}, "column_minmax01")
    data.save(tmp_path / "prepared.npz")
    arrays = np.load(tmp_path / "prepared.npz")
    meta = json.loads(str(arrays["meta"]))
    assert meta["protocol"] is True and meta["labels"] == "none"
    assert meta["window"] == WINDOW and meta["order"] == "reversed (TimeGAN)"
    assert json.loads(str(arrays["scaler"]))["method"] == "column_minmax01"
    assert (arrays["y_train"] == UNLABELLED).all()
    loaded = PreparedData.load(tmp_path / "prepared.npz")
    assert loaded.protocol and len(loaded.X["train"]) == len(data.index["train"])
    assert loaded.n_classes == 1  # one name, "unlabelled": the training code draws per class


def test_sines_in_protocol_mode_train_on_all_sequences_unscaled():
    data = prepared("sines", {}, {}, "none")
    assert data.protocol and len(data.X["train"]) == 10_000
    assert not data.scaler.bounded and data.scaler.range is None
    np.testing.assert_array_equal(
        np.sort(data.X["train"], axis=None), np.sort(sine_data(), axis=None)
    )
    split = prepared("sines", {"protocol": False}, {}, "none")
    assert {k: len(v) for k, v in split.index.items()} == {"train": 7000, "val": 1000, "test": 2000}
    assert not set(split.index["train"]) & set(split.index["test"])


def test_without_protocol_the_series_is_split_in_time_before_windows(stocks_file):
    path, values = stocks_file
    rows = len(values)
    data = prepared("stocks", {"protocol": False}, {"stock_data.csv": path}, "column_minmax01")
    assert not data.protocol and data.meta["order"] == "file (chronological)"
    spans = {}
    for split, index in data.index.items():
        assert len(index) and (np.diff(index) == 1).all()  # contiguous windows, time order
        spans[split] = (int(index[0]), int(index[-1]) + WINDOW - 1)  # rows covered
    # Blocks in time order, and no window reaches into the next block.
    assert spans["train"][0] == 0 and spans["test"][1] == rows - 1
    assert spans["train"][1] < spans["val"][0] and spans["val"][1] < spans["test"][0]
    assert spans["val"][0] == spans["train"][1] + 1 and spans["test"][0] == spans["val"][1] + 1
    sizes = {s: b - a + 1 for s, (a, b) in spans.items()}
    assert sizes == split_sizes(rows, SPLIT["val_fraction"], SPLIT["test_fraction"])
    windows = {s: len(i) for s, i in data.index.items()}
    assert windows == {s: n - WINDOW + 1 for s, n in sizes.items()}
    assert sum(windows.values()) == rows - WINDOW + 1 - 2 * (WINDOW - 1)  # crossing ones dropped
    # Scaling fitted on the training block only: its windows fill [0, 1], later ones may not.
    assert data.X["train"].min() == 0.0 and data.X["train"].max() == pytest.approx(1, abs=1e-6)
    train_rows, start = values[: sizes["train"]], spans["val"][0]
    expected = (values[start : start + WINDOW] - train_rows.min(0)) / (np.ptp(train_rows, 0) + 1e-7)
    np.testing.assert_allclose(data.X["val"][0], expected, atol=2e-5)


def test_a_split_block_shorter_than_a_window_is_refused(stocks_file):
    path, _ = stocks_file
    data = load_dataset("stocks", {"protocol": False}, {"stock_data.csv": path})
    with pytest.raises(DataFormatError, match="expected at least one window"):
        split_and_scale(data, 0.05, 0.2, 0, "column_minmax01", source="raw.npz")


def test_column_minmax01_and_none_scalers_invert():
    X = np.random.default_rng(0).normal(5, 3, (40, 7, 3)).astype(np.float32)
    X[..., 2] *= 1e6
    scaler = Scaler.fit("column_minmax01", X)
    scaled = scaler.transform(X)
    assert scaled.min(axis=(0, 1)) == pytest.approx([0, 0, 0], abs=1e-6)
    assert scaled.max(axis=(0, 1)) == pytest.approx([1, 1, 1], abs=1e-6)
    np.testing.assert_allclose(scaler.inverse(scaled), X, rtol=1e-5, atol=1e-4)
    identity = Scaler.fit("none", X)
    np.testing.assert_array_equal(identity.transform(X), X)
    assert Scaler.fit("minmax", X).range == (-1.0, 1.0)


def test_protocol_is_refused_for_other_datasets_and_windows_cannot_be_subsampled(stocks_file):
    with pytest.raises(ValueError, match=r"data\.digits\.protocol: only .*sines"):
        load_dataset("digits", {"protocol": True}, {})
    path, _ = stocks_file
    with pytest.raises(ValueError, match="max_samples do not apply"):
        load_dataset("stocks", {"max_samples": 10}, {"stock_data.csv": path})


# Downloads


def test_stocks_download_is_verified_against_the_published_sha256(tmp_path):
    assert dataset_source("stocks", {}).files[0].checksum == f"sha256:{STOCKS_SHA256}"
    served = tmp_path / "served"
    if REAL_STOCKS.exists():  # the real file verifies against the official checksum
        served.mkdir()
        shutil.copy(REAL_STOCKS, served)
        options = {}
    else:
        write_stocks_csv(served / "stock_data.csv")
        options = {"checksums": {"stock_data.csv": f"sha256:{sha(served / 'stock_data.csv')}"}}
    with serve(served) as url:
        manifest = fetch_dataset("stocks", {**options, "mirrors": [url]}, tmp_path / "data", FAST)
    local = Path(manifest["files"]["stock_data.csv"]["path"])
    assert local == tmp_path / "data/stocks/stock_data.csv"
    assert local.read_bytes() == (served / "stock_data.csv").read_bytes()
    # A file that differs from the published one is refused and removed.
    other = tmp_path / "other"
    write_stocks_csv(other / "stock_data.csv", seed=1)
    with serve(other) as url, pytest.raises(ChecksumError, match="stock_data.csv"):
        fetch_dataset("stocks", {"mirrors": [url]}, tmp_path / "fresh", FAST)
    assert not (tmp_path / "fresh/stocks/stock_data.csv").exists()


def test_energy_without_published_checksum_is_locked_on_first_download(tmp_path):
    served = tmp_path / "served"
    values = write_energy_csv(served / "energydata_complete.csv")
    with serve(served) as url:
        manifest = fetch_dataset("energy", {"mirrors": [url]}, tmp_path / "data", FAST)
    lock = json.loads((tmp_path / "data/energy/checksums.lock").read_text())
    assert lock == {"energydata_complete.csv": f"sha256:{sha(served / 'energydata_complete.csv')}"}
    files = {name: Path(entry["path"]) for name, entry in manifest["files"].items()}
    data = load_dataset("energy", {}, files)
    assert data.X.shape == (len(values) - WINDOW + 1, WINDOW, 28)
    np.testing.assert_allclose(data.X[0], values[::-1][:WINDOW], rtol=1e-6)
    # Present and locked: verified without the network; changed, refused ever after.
    fetch_dataset("energy", {"mirrors": [closed_port_url()]}, tmp_path / "data", FAST)
    local = files["energydata_complete.csv"]
    local.write_bytes(local.read_bytes().replace(b"2016-01-11", b"2016-01-12", 1))
    with pytest.raises(ChecksumError, match="checksum mismatch for energydata_complete.csv"):
        fetch_dataset("energy", {"mirrors": [closed_port_url()]}, tmp_path / "data", FAST)


def sha(path: Path) -> str:
    return file_hash(path, "sha256")


# The workflow


def test_dry_run_plans_rgan_training_on_sines_and_refuses_conditional_runs(tmp_path):
    config = {**TINY, "datasets": ["sines"], "experiments": {"sines": {"run": {"model": "rgan"}}}}
    jobs = planned_jobs(new_workdir(tmp_path / "rgan", config))
    assert jobs["download"] == jobs["prepare_data"] == jobs["preprocess"] == jobs["train"] == 1
    refused = snakemake(
        new_workdir(tmp_path / "rcgan", {**TINY, "datasets": ["sines"]}), "--dry-run", check=False
    )
    assert refused.returncode != 0
    assert "sines has no class labels" in refused.stdout + refused.stderr


def test_prepared_data_trains_an_unconditional_generator(stocks_file):
    """The training code's view of protocol data: bounded, one class name, unlabelled."""
    from rgan.config import RunParams
    from rgan.train import model_spec

    path, _ = stocks_file
    data = prepared("stocks", {}, {"stock_data.csv": path}, "column_minmax01")
    spec = model_spec(data, RunParams(model="rgan"))
    assert spec.bounded and not spec.conditional and spec.condition_width == 0
