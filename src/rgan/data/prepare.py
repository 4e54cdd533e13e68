"""Stratified train/validation/test split, missing values filled with training medians, and
normalisation fitted on the training split only (stored, so samples can be mapped back)."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field

import numpy as np
from sklearn.model_selection import train_test_split

from rgan.data.sequences import SequenceDataset
from rgan.io import load_npz, save_npz

logger = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")
NORMALISATIONS = ("minmax", "sample_max", "feature_zscore")


@dataclass
class Scaler:
    """minmax: one global range mapped to [-1, 1]; sample_max: each sample divided by its own
    largest absolute value (mapped back with the training median of that value);
    feature_zscore: per-feature mean 0, standard deviation 1 (unbounded)."""

    method: str
    shift: list[float]
    scale: list[float]

    @property
    def bounded(self) -> bool:
        """Whether scaled values lie in [-1, 1] (so a tanh output layer fits them)."""
        return self.method != "feature_zscore"

    @classmethod
    def fit(cls, method: str, X: np.ndarray) -> Scaler:
        if method == "minmax":
            low, high = float(X.min()), float(X.max())
            if high <= low:
                raise ValueError(f"cannot scale constant data (min = max = {low})")
            return cls(method, [(high + low) / 2], [(high - low) / 2])
        if method == "sample_max":
            return cls(method, [0.0], [float(np.median(sample_peaks(X)))])
        if method == "feature_zscore":
            std = X.std(axis=(0, 1))
            return cls(method, X.mean(axis=(0, 1)).tolist(), np.where(std > 0, std, 1).tolist())
        raise ValueError(f"unknown normalisation {method!r}: expected one of {NORMALISATIONS}")

    def transform(self, X: np.ndarray) -> np.ndarray:
        if self.method == "sample_max":
            return (X / sample_peaks(X)[:, None, None]).astype(np.float32)
        return ((X - np.float32(self.shift)) / np.float32(self.scale)).astype(np.float32)

    def inverse(self, X: np.ndarray) -> np.ndarray:
        return (X * np.float32(self.scale) + np.float32(self.shift)).astype(np.float32)


def sample_peaks(X: np.ndarray) -> np.ndarray:
    peaks = np.abs(X).reshape(len(X), -1).max(axis=1)
    return np.where(peaks > 0, peaks, 1.0)


@dataclass
class PreparedData:
    """Scaled splits of one dataset, with the indices into the raw data that each split took."""

    X: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    index: dict[str, np.ndarray]
    scaler: Scaler
    class_names: list[str]
    kind: str
    meta: dict = field(default_factory=dict)
    mask: dict[str, np.ndarray] | None = None
    medians: np.ndarray | None = None  # per-feature training medians used for missing values

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
            "scaler": np.array(json.dumps(asdict(self.scaler))),
            "class_names": np.array(self.class_names),
            "kind": np.array(self.kind),
            "meta": np.array(json.dumps(self.meta)),
        }
        if self.medians is not None:
            arrays["medians"] = self.medians
        for split in SPLITS:
            arrays[f"X_{split}"] = self.X[split]
            arrays[f"y_{split}"] = self.y[split]
            arrays[f"index_{split}"] = self.index[split]
            if self.mask is not None:
                arrays[f"mask_{split}"] = self.mask[split]
        save_npz(path, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> PreparedData:
        arrays = load_npz(path)
        return cls(
            X={split: arrays[f"X_{split}"] for split in SPLITS},
            y={split: arrays[f"y_{split}"] for split in SPLITS},
            index={split: arrays[f"index_{split}"] for split in SPLITS},
            scaler=Scaler(**json.loads(str(arrays["scaler"]))),
            class_names=[str(name) for name in arrays["class_names"]],
            kind=str(arrays["kind"]),
            meta=json.loads(str(arrays["meta"])),
            mask={s: arrays[f"mask_{s}"] for s in SPLITS} if "mask_train" in arrays else None,
            medians=arrays.get("medians"),
        )


def split_indices(
    y: np.ndarray, val_fraction: float, test_fraction: float, seed: int
) -> dict[str, np.ndarray]:
    """Stratified by label with a fixed seed; no sample in two splits."""
    if not 0 < val_fraction < 1 or not 0 < test_fraction < 1 or val_fraction + test_fraction >= 1:
        raise ValueError(
            f"split fractions must be in (0, 1) and sum below 1, got val={val_fraction}, "
            f"test={test_fraction}"
        )
    rest, test = train_test_split(
        np.arange(len(y)), test_size=test_fraction, stratify=y, random_state=seed
    )
    train, val = train_test_split(
        rest, test_size=val_fraction / (1.0 - test_fraction), stratify=y[rest], random_state=seed
    )
    return {"train": np.sort(train), "val": np.sort(val), "test": np.sort(test)}


def training_medians(X: np.ndarray) -> np.ndarray:
    """Per-feature median of the observed training values (0 for a feature never observed)."""
    flat = X.reshape(-1, X.shape[2])
    observed = ~np.isnan(flat)
    medians = np.zeros(X.shape[2], dtype=np.float32)
    for feature in np.flatnonzero(observed.any(axis=0)):
        medians[feature] = np.median(flat[observed[:, feature], feature])
    return medians


def split_and_scale(
    data: SequenceDataset,
    val_fraction: float,
    test_fraction: float,
    seed: int,
    normalise: str = "minmax",
) -> PreparedData:
    """Split, fill missing values with training medians, then normalise with training stats."""
    index = split_indices(data.y, val_fraction, test_fraction, seed)
    X = {split: data.X[idx] for split, idx in index.items()}
    medians = None
    if np.isnan(data.X).any():
        medians = training_medians(X["train"])
        X = {split: np.where(np.isnan(x), medians, x).astype(np.float32) for split, x in X.items()}
        logger.info("missing values filled with training medians")
    scaler = Scaler.fit(normalise, X["train"])
    return PreparedData(
        X={split: scaler.transform(x) for split, x in X.items()},
        y={split: data.y[idx] for split, idx in index.items()},
        index=index,
        scaler=scaler,
        class_names=data.class_names,
        kind=data.kind,
        meta=data.meta,
        mask=None
        if data.mask is None
        else {s: data.mask[i].astype(np.float32) for s, i in index.items()},
        medians=medians,
    )
