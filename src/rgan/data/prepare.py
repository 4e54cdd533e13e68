"""Stratified train/validation/test split and [-1, 1] scaling fitted on the training split only."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import train_test_split

from rgan.data.sequences import SequenceDataset
from rgan.io import load_npz, save_npz

SPLITS = ("train", "val", "test")


@dataclass
class MinMaxScaler:
    """Global min-max scaling of every value to [-1, 1]; `inverse` maps samples back."""

    low: float
    high: float

    @classmethod
    def fit(cls, X: np.ndarray) -> MinMaxScaler:
        low, high = float(X.min()), float(X.max())
        if high <= low:
            raise ValueError(f"cannot scale constant data (min = max = {low})")
        return cls(low, high)

    def transform(self, X: np.ndarray) -> np.ndarray:
        return (2.0 * (X - self.low) / (self.high - self.low) - 1.0).astype(np.float32)

    def inverse(self, X: np.ndarray) -> np.ndarray:
        return ((X + 1.0) / 2.0 * (self.high - self.low) + self.low).astype(np.float32)


@dataclass
class PreparedData:
    """Scaled splits of one dataset, with the indices into the raw data that each split took."""

    X: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    index: dict[str, np.ndarray]
    scaler: MinMaxScaler
    class_names: list[str]
    kind: str
    meta: dict = field(default_factory=dict)

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def seq_len(self) -> int:
        return self.X["train"].shape[1]

    @property
    def n_features(self) -> int:
        return self.X["train"].shape[2]

    def save(self, path: str | os.PathLike) -> None:
        arrays: dict[str, np.ndarray] = {
            "scaler": np.array([self.scaler.low, self.scaler.high]),
            "class_names": np.array(self.class_names),
            "kind": np.array(self.kind),
            "meta": np.array(json.dumps(self.meta)),
        }
        for split in SPLITS:
            arrays[f"X_{split}"] = self.X[split]
            arrays[f"y_{split}"] = self.y[split]
            arrays[f"index_{split}"] = self.index[split]
        save_npz(path, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> PreparedData:
        arrays = load_npz(path)
        low, high = arrays["scaler"]
        return cls(
            X={split: arrays[f"X_{split}"] for split in SPLITS},
            y={split: arrays[f"y_{split}"] for split in SPLITS},
            index={split: arrays[f"index_{split}"] for split in SPLITS},
            scaler=MinMaxScaler(float(low), float(high)),
            class_names=[str(name) for name in arrays["class_names"]],
            kind=str(arrays["kind"]),
            meta=json.loads(str(arrays["meta"])),
        )


def split_and_scale(
    data: SequenceDataset, val_fraction: float, test_fraction: float, seed: int
) -> PreparedData:
    """Split stratified by label with a fixed seed (no sample in two splits), then scale."""
    if not 0 < val_fraction < 1 or not 0 < test_fraction < 1 or val_fraction + test_fraction >= 1:
        raise ValueError(
            f"split fractions must be in (0, 1) and sum below 1, got val={val_fraction}, "
            f"test={test_fraction}"
        )
    everything = np.arange(len(data.y))
    rest, test = train_test_split(
        everything, test_size=test_fraction, stratify=data.y, random_state=seed
    )
    train, val = train_test_split(
        rest,
        test_size=val_fraction / (1.0 - test_fraction),
        stratify=data.y[rest],
        random_state=seed,
    )
    index = {"train": np.sort(train), "val": np.sort(val), "test": np.sort(test)}
    scaler = MinMaxScaler.fit(data.X[index["train"]])
    return PreparedData(
        X={split: scaler.transform(data.X[idx]) for split, idx in index.items()},
        y={split: data.y[idx] for split, idx in index.items()},
        index=index,
        scaler=scaler,
        class_names=data.class_names,
        kind=data.kind,
        meta=data.meta,
    )
