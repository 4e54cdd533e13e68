import re

import numpy as np
import pytest

from rgan.data.idx import DataFormatError
from rgan.data.prepare import PreparedData, Scaler, split_and_scale, training_medians
from rgan.data.sequences import UNLABELLED, SequenceDataset

NAMES = ["cat", "dog", "eel", "fox", "gnu", "hen", "ibis", "jay", "kea", "lynx"]


def test_digits_are_sequences_of_image_rows(digits):
    assert digits.seq_len == 8 and digits.n_features == 8 and digits.n_classes == 10
    assert sum(len(y) for y in digits.y.values()) == 1797


def test_splits_do_not_share_samples(digits):
    train, val, test = (set(digits.index[split]) for split in ("train", "val", "test"))
    assert not train & val and not train & test and not val & test
    assert len(train | val | test) == 1797


def test_splits_are_stratified(digits):
    overall = np.bincount(np.concatenate(list(digits.y.values()))) / 1797
    for split in ("train", "val", "test"):
        share = np.bincount(digits.y[split], minlength=10) / len(digits.y[split])
        assert np.abs(share - overall).max() < 0.02, split


def test_scaling_is_fitted_on_the_training_split_only():
    X = np.zeros((100, 2, 2), dtype=np.float32)
    X[:, 0, 0] = np.arange(100)
    y = np.arange(100) % 2
    prepared = split_and_scale(SequenceDataset(X, y, ["a", "b"]), 0.2, 0.2, seed=1)
    train_raw = X[prepared.index["train"]]
    low, high = float(train_raw.min()), float(train_raw.max())
    assert prepared.scaler == Scaler("minmax", [(high + low) / 2], [(high - low) / 2])
    assert prepared.X["train"].min() == -1.0 and prepared.X["train"].max() == 1.0
    np.testing.assert_allclose(
        prepared.scaler.inverse(prepared.X["test"]), X[prepared.index["test"]], atol=1e-4
    )


def test_prepared_data_round_trips(tmp_path, digits):
    digits.save(tmp_path / "prepared.npz")
    loaded = PreparedData.load(tmp_path / "prepared.npz")
    assert loaded.scaler == digits.scaler and loaded.class_names == digits.class_names
    for split in ("train", "val", "test"):
        np.testing.assert_array_equal(loaded.X[split], digits.X[split])
        np.testing.assert_array_equal(loaded.index[split], digits.index[split])


def test_bad_split_fractions_are_refused():
    data = SequenceDataset(np.zeros((10, 2, 2), np.float32), np.arange(10) % 2, ["a", "b"])
    with pytest.raises(ValueError, match="sum below 1"):
        split_and_scale(data, 0.5, 0.5, seed=0)


def classes_of(counts: list[int], steps: int = 3, features: int = 2) -> SequenceDataset:
    """Random sequences, counts[i] of the class named NAMES[i]."""
    y = np.repeat(np.arange(len(counts)), counts)
    X = np.random.default_rng(0).normal(size=(len(y), steps, features)).astype(np.float32)
    return SequenceDataset(X, y, NAMES[: len(counts)])


def prepared_from(tmp_path, data: SequenceDataset) -> PreparedData:
    """What the preprocess step does with a raw.npz holding `data`."""
    raw = tmp_path / "results/data/npz/raw.npz"
    data.save(raw)
    return split_and_scale(SequenceDataset.load(raw), 0.1, 0.2, seed=0, source=raw)


def refused(tmp_path, data: SequenceDataset, message: str) -> None:
    raw = tmp_path / "results/data/npz/raw.npz"
    with pytest.raises(DataFormatError, match=f"^{re.escape(f'{raw}: {message}')}"):
        prepared_from(tmp_path, data)


def test_inf_is_refused_naming_the_file_and_count(tmp_path):
    data = classes_of([20, 20])
    data.X[5, 1, 0], data.X[9, 0, 1] = np.inf, -np.inf
    refused(tmp_path, data, "X holds 2 infinite value(s) (the first in sample 5); expected finite")


@pytest.mark.parametrize("method", ["minmax", "sample_max", "feature_zscore"])
def test_scaler_is_fitted_on_finite_values_only(method):
    X = np.random.default_rng(0).normal(size=(30, 4, 3)).astype(np.float32)
    junk = np.resize(np.array([np.inf, -np.inf, np.nan], np.float32), (30, 1, 3))
    fitted = Scaler.fit(method, np.concatenate([X, junk], axis=1))  # a step of non-finite values
    expected = Scaler.fit(method, X)
    np.testing.assert_allclose(fitted.shift, expected.shift, rtol=1e-5)
    np.testing.assert_allclose(fitted.scale, expected.scale, rtol=1e-5)


def test_training_medians_use_finite_values_only():
    X = np.array([1.0, 2.0, 3.0, np.inf, np.inf, np.nan], np.float32).reshape(6, 1, 1)
    assert training_medians(X).tolist() == [2.0]


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ([20], "all 20 samples are of class 'cat'; expected samples of at least 2 classes"),
        (
            [30, 1],
            "class 'dog' has 1 sample(s), too few for the stratified split (val_fraction "
            "0.1, test_fraction 0.2), which needs at least 3 per class",
        ),
        ([20, 20, 2], "class 'eel' has 2 sample(s), too few for the stratified split"),
        (
            [3] * 10,
            "30 samples give train/val/test splits of 21/3/6 (val_fraction 0.1, test_fraction "
            "0.2); expected at least one sample per class (10) in every split",
        ),
    ],
    ids=["one class", "one sample", "two samples", "ten classes"],
)
def test_classes_the_split_cannot_serve_are_refused_by_name(tmp_path, counts, message):
    refused(tmp_path, classes_of(counts), message)


def test_unlabelled_data_are_refused(tmp_path):
    data = classes_of([20, 20])
    data.y[:] = UNLABELLED
    refused(tmp_path, data, "the samples are unlabelled; expected samples of at least 2 classes")


def test_a_small_class_the_split_can_serve_is_kept(tmp_path):
    prepared = prepared_from(tmp_path, classes_of([40, 2]))
    assert np.bincount(prepared.y["train"]).tolist() == [26, 2]  # as before the checks


def test_no_time_steps_is_refused(tmp_path):
    refused(tmp_path, classes_of([20, 20], steps=0), "X has shape (40, 0, 2), no time steps")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0.0, "mask is all zeros (nothing observed); expected 1 where a value was observed"),
        (0.5, "mask holds 240 value(s) outside {0, 1} (e.g. 0.5); expected 1 = observed, 0 ="),
    ],
    ids=["all zeros", "not 0/1"],
)
def test_masks_that_are_not_0_1_or_observe_nothing_are_refused(tmp_path, value, message):
    data = classes_of([20, 20])
    data.mask = np.full_like(data.X, value)
    refused(tmp_path, data, message)


def test_data_with_nothing_observed_are_refused(tmp_path):
    data = classes_of([20, 20])
    data.X[:] = np.nan
    refused(tmp_path, data, "every value of X is NaN (nothing observed)")
