import numpy as np
import pytest

from rgan.data.prepare import PreparedData, Scaler, split_and_scale
from rgan.data.sequences import SequenceDataset


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
