"""Time series: fixed length by padding or resampling, masks, readers of user files, aeon."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from rgan.data import fetch_dataset, load_dataset, ucr
from rgan.data.idx import DataFormatError
from rgan.data.npz import read_npz
from rgan.data.prepare import Scaler, split_and_scale
from rgan.data.sequences import RawData, SequenceDataset
from rgan.data.sources import RetryPolicy
from rgan.data.timeseries import fixed_length, resample


def test_resample_interpolates_linearly_onto_the_new_grid():
    series = np.array([[0.0], [1.0], [2.0]], dtype=np.float32)
    np.testing.assert_allclose(resample(series, 5)[:, 0], [0, 0.5, 1, 1.5, 2])


def test_padding_marks_padded_steps_in_the_mask():
    series = [np.ones((3, 2)), np.ones((5, 2))]
    X, mask = fixed_length(series, "auto", None)
    assert X.shape == (2, 5, 2)
    assert np.isnan(X[0, 3:]).all() and mask[0].sum(axis=1).tolist() == [2, 2, 2, 0, 0]
    assert mask[1].all()


def test_native_length_refuses_unequal_series():
    with pytest.raises(ValueError, match="lengths vary from 3 to 5"):
        fixed_length([np.ones((3, 1)), np.ones((5, 1))], "native", None)


def test_aeon_bundled_variable_length_set_needs_no_network(tmp_path):
    manifest = fetch_dataset("japanesevowels", {}, tmp_path, RetryPolicy())
    files = {name: Path(entry["path"]) for name, entry in manifest["files"].items()}
    data = load_dataset("japanesevowels", {}, files)
    assert data.X.shape == (640, 29, 12) and len(data.class_names) == 9
    assert 0.3 < data.mask.mean() < 0.8  # padded steps are masked out
    assert np.isnan(data.X[data.mask == 0]).all()
    resampled = load_dataset("japanesevowels", {"length": "resample", "steps": 16}, files)
    assert resampled.X.shape == (640, 16, 12) and resampled.mask is None
    assert not any(tmp_path.iterdir())  # nothing was downloaded


def test_missing_values_are_filled_with_training_medians_only():
    X = np.zeros((40, 4, 2), dtype=np.float32)
    y = np.arange(40) % 2
    X[:, :, 1] = np.arange(40)[:, None]
    X[0, 0, 1] = np.nan
    data = SequenceDataset(X, y, ["a", "b"], mask=(~np.isnan(X)).astype(np.float32))
    prepared = split_and_scale(data, 0.2, 0.2, seed=0)
    train_values = X[prepared.index["train"], :, 1]
    assert prepared.medians[1] == np.nanmedian(train_values)
    assert not any(np.isnan(x).any() for x in prepared.X.values())
    assert sum(m.size - m.sum() for m in prepared.mask.values()) == 1  # mask survives the split


@pytest.mark.parametrize("method", ["minmax", "sample_max", "feature_zscore"])
def test_normalisations_are_fitted_on_train_and_invertible(method):
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(100, 5, 3)) * [1, 10, 100] + [0, 5, -50]).astype(np.float32)
    data = SequenceDataset(X, np.arange(100) % 2, ["a", "b"])
    prepared = split_and_scale(data, 0.2, 0.2, seed=0, normalise=method)
    train = prepared.X["train"]
    if method == "feature_zscore":
        np.testing.assert_allclose(train.mean(axis=(0, 1)), 0, atol=1e-4)
        np.testing.assert_allclose(train.std(axis=(0, 1)), 1, atol=1e-3)
        assert not prepared.scaler.bounded
    else:
        assert np.abs(train).max() <= 1 + 1e-6 and prepared.scaler.bounded
    if method != "sample_max":  # per-sample scale is not stored per synthetic sample
        original = X[prepared.index["test"]]
        np.testing.assert_allclose(
            prepared.scaler.inverse(prepared.X["test"]), original, rtol=1e-4, atol=1e-3
        )
    again = Scaler(**vars(prepared.scaler))
    np.testing.assert_array_equal(again.transform(X[:3]), prepared.scaler.transform(X[:3]))


def test_npz_reader_checks_arrays_and_names_the_file(tmp_path):
    good = tmp_path / "good.npz"
    X = np.random.default_rng(0).normal(size=(12, 7, 3)).astype(np.float32)
    np.savez(good, X=X, y=np.array(["up", "down"] * 6), mask=np.ones_like(X))
    raw = read_npz(good)
    assert raw.class_names == ["down", "up"] and raw.y[:2].tolist() == [1, 0]
    assert raw.mask.shape == X.shape
    short = tmp_path / "short.npz"
    np.savez(short, X=X, y=np.zeros(5))
    with pytest.raises(DataFormatError, match=f"{short}: X holds 12 samples but y has shape"):
        read_npz(short)
    flat = tmp_path / "flat.npz"
    np.savez(flat, X=X[:, :, 0], y=np.zeros(12))
    with pytest.raises(DataFormatError, match=f"{flat}: X must be"):
        read_npz(flat)
    unlabelled = tmp_path / "unlabelled.npz"
    np.savez(unlabelled, X=X)
    with pytest.raises(DataFormatError, match=r"missing array\(s\) \['y'\]"):
        read_npz(unlabelled)
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(DataFormatError, match=f"{broken}: not a readable .npz"):
        read_npz(broken)


def test_user_data_path_is_checked_before_reading(tmp_path):
    with pytest.raises(ValueError, match="needs data.npz.path"):
        fetch_dataset("npz", {}, tmp_path, RetryPolicy())
    with pytest.raises(FileNotFoundError, match="data.mimic3_ihm.path: /nowhere"):
        fetch_dataset("mimic3_ihm", {"path": "/nowhere"}, tmp_path, RetryPolicy())


def user_npz(path: Path, X: np.ndarray, y: np.ndarray, **arrays: np.ndarray) -> dict[str, Path]:
    """Write the user's .npz and return the files that `load_dataset("npz", ...)` reads."""
    np.savez(path, X=X, y=y, **arrays)
    return {"path": path}


def test_npz_inf_is_refused_naming_the_file_and_nan_stays_missing(tmp_path):
    X = np.random.default_rng(0).normal(size=(20, 6, 2)).astype(np.float32)
    y = np.array(["up", "down"] * 10)
    X[3, 0, 0] = np.nan
    data = load_dataset("npz", {}, user_npz(tmp_path / "nan.npz", X, y))
    assert data.mask is not None and data.mask.sum() == X.size - 1  # NaN: missing
    X[4, 2, 1], X[7, 5, 0], X[7, 1, 1] = np.inf, -np.inf, np.inf
    files = user_npz(tmp_path / "inf.npz", X, y)
    message = f"{files['path']}: X holds 3 infinite value(s) (the first in sample 4); expected"
    with pytest.raises(DataFormatError, match=re.escape(message)):
        load_dataset("npz", {}, files)


def test_inf_in_series_of_unequal_length_is_refused_before_resampling(tmp_path, monkeypatch):
    series = [np.zeros((4 + i % 3, 2), np.float32) for i in range(12)]
    series[5][1, 1] = np.inf
    raw = RawData(X=series, y=np.arange(12) % 2, class_names=["a", "b"])
    monkeypatch.setattr(ucr, "read_ucr", lambda name, folder: raw)
    options = {"length": "resample", "steps": 8}
    with pytest.raises(DataFormatError, match="dataset 'gunpoint': X holds 1 infinite value"):
        load_dataset("gunpoint", options, {"archive": tmp_path})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"X": np.zeros((20, 0, 2))}, "X has shape (20, 0, 2), no time steps; expected"),
        ({"X": np.zeros((0, 6, 2)), "y": np.zeros(0)}, "X holds no samples; expected"),
        ({"y": np.full(20, 7)}, "all 20 samples are of class '7'; expected samples of at least"),
        ({"mask": np.zeros((20, 6, 2))}, "mask is all zeros (nothing observed); expected 1"),
        ({"mask": np.full((20, 6, 2), 2.0)}, "mask holds 240 value(s) outside {0, 1} (e.g. 2.0)"),
    ],
    ids=["no steps", "no samples", "one class", "mask all zeros", "mask not 0/1"],
)
def test_npz_that_cannot_be_trained_on_is_refused_naming_the_file(tmp_path, change, message):
    arrays = {"X": np.ones((20, 6, 2)), "y": np.arange(20) % 2, **change}
    files = user_npz(tmp_path / "mine.npz", **arrays)
    with pytest.raises(DataFormatError, match=re.escape(f"{files['path']}: {message}")):
        load_dataset("npz", {}, files)
