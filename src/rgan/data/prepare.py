"""Stratified train/validation/test split, missing values filled with training medians, and
normalisation fitted on the training split only (stored, so samples can be mapped back).
Statistics use finite values only; data that cannot be split or trained on are refused first."""

from __future__ import annotations

import json
import logging
import math
import os
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np
from sklearn.model_selection import train_test_split

from rgan.data.checks import check_dataset
from rgan.data.idx import DataFormatError
from rgan.data.sequences import UNLABELLED, SequenceDataset
from rgan.data.static import (
    Attribute,
    StaticEncoder,
    attributes_from_json,
    attributes_to_json,
)
from rgan.io import load_npz, save_npz

logger = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")
NORMALISATIONS = ("minmax", "sample_max", "feature_zscore", "column_minmax01", "none")
MINMAX_EPSILON = 1e-7  # TimeGAN's MinMaxScaler: (x - min) / (max - min + 1e-7)


@dataclass
class Scaler:
    """minmax: one global range mapped to [-1, 1]; sample_max: each sample divided by its own
    largest absolute value (mapped back with the training median of that value);
    feature_zscore: per-feature mean 0, standard deviation 1 (unbounded); column_minmax01: each
    feature (column) to [0, 1] as TimeGAN's MinMaxScaler, (x - min) / (max - min + 1e-7);
    none: the values as they are (unbounded)."""

    method: str
    shift: list[float]
    scale: list[float]

    @property
    def bounded(self) -> bool:
        """Whether scaled values lie in [-1, 1] (so a tanh output layer fits them)."""
        return self.method not in ("feature_zscore", "none")

    @property
    def range(self) -> tuple[float, float] | None:
        """The interval the scaled training values fill: (-1, 1), (0, 1) for column_minmax01,
        None when unbounded. Other splits may leave it (their values were not fitted)."""
        if self.method == "column_minmax01":
            return (0.0, 1.0)
        return (-1.0, 1.0) if self.bounded else None

    @classmethod
    def fit(cls, method: str, X: np.ndarray) -> Scaler:
        """Fitted on the finite values of X only (NaN and +-Inf are ignored)."""
        if method == "minmax":
            values = X[np.isfinite(X)]
            if not values.size:
                raise ValueError("cannot scale data without a finite value")
            low, high = float(values.min()), float(values.max())
            if high <= low:
                raise ValueError(f"cannot scale constant data (min = max = {low})")
            return cls(method, [(high + low) / 2], [(high - low) / 2])
        if method == "sample_max":
            return cls(method, [0.0], [float(np.median(sample_peaks(X)))])
        if method == "feature_zscore":
            mean, std = feature_moments(X)
            return cls(method, mean.tolist(), np.where(std > 0, std, 1).tolist())
        if method == "column_minmax01":
            low, high = feature_ranges(X)
            return cls(method, low.tolist(), (high - low + MINMAX_EPSILON).tolist())
        if method == "none":
            return cls(method, [0.0], [1.0])
        raise ValueError(f"unknown normalisation {method!r}: expected one of {NORMALISATIONS}")

    def transform(self, X: np.ndarray) -> np.ndarray:
        if self.method == "sample_max":
            return (X / sample_peaks(X)[:, None, None]).astype(np.float32)
        return ((X - np.float32(self.shift)) / np.float32(self.scale)).astype(np.float32)

    def inverse(self, X: np.ndarray) -> np.ndarray:
        return (X * np.float32(self.scale) + np.float32(self.shift)).astype(np.float32)


def sample_peaks(X: np.ndarray) -> np.ndarray:
    """Each sample's largest finite absolute value (1 when it has none above 0)."""
    peaks = np.where(np.isfinite(X), np.abs(X), 0).reshape(len(X), -1).max(axis=1)
    return np.where(peaks > 0, peaks, 1.0)


def feature_ranges(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature minimum and maximum of the finite values (float64)."""
    finite = np.where(np.isfinite(X), X, np.nan).reshape(-1, X.shape[2]).astype(np.float64)
    if np.isnan(finite).all(axis=0).any():
        raise ValueError("cannot scale a feature without a finite value")
    return np.nanmin(finite, axis=0), np.nanmax(finite, axis=0)


def feature_moments(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and standard deviation of the finite values (0 and 1 for none)."""
    finite = np.where(np.isfinite(X), X, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a feature with no finite value
        mean, std = np.nanmean(finite, axis=(0, 1)), np.nanstd(finite, axis=(0, 1))
    return np.nan_to_num(mean, nan=0.0), np.nan_to_num(std, nan=1.0)


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
    static: dict[str, np.ndarray] | None = None  # per split: attribute codes, NaN = missing
    attributes: list[Attribute] = field(default_factory=list)

    @property
    def static_encoder(self) -> StaticEncoder | None:
        """The attributes' encoding, fitted on the training split (None without attributes)."""
        if self.static is None:
            return None
        return StaticEncoder.fit(self.attributes, self.static["train"])

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def protocol(self) -> bool:
        """Benchmark protocol mode (meta `protocol`): X["train"] holds every real window (or
        sequence), shuffled, and is the real set the protocol's scores compare against; val and
        test are random subsets of it, so not held out."""
        return bool(self.meta.get("protocol"))

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
            if self.static is not None:
                arrays[f"static_{split}"] = self.static[split]
        if self.static is not None:
            arrays["attributes"] = np.array(json.dumps(attributes_to_json(self.attributes)))
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
            static={s: arrays[f"static_{s}"] for s in SPLITS} if "static_train" in arrays else None,
            attributes=attributes_from_json(json.loads(str(arrays.get("attributes", "[]")))),
        )


def check_fractions(val_fraction: float, test_fraction: float) -> None:
    if not 0 < val_fraction < 1 or not 0 < test_fraction < 1 or val_fraction + test_fraction >= 1:
        raise ValueError(
            f"split fractions must be in (0, 1) and sum below 1, got val={val_fraction}, "
            f"test={test_fraction}"
        )


def split_sizes(n: int, val_fraction: float, test_fraction: float) -> dict[str, int]:
    """The sizes scikit-learn gives the splits of `n` samples (test first, then validation)."""
    test = math.ceil(test_fraction * n)
    val = math.ceil(val_fraction / (1.0 - test_fraction) * (n - test))
    return {"train": n - test - val, "val": val, "test": test}


def per_class_need(n: int, val_fraction: float, test_fraction: float) -> int:
    """Samples a class needs so that at least 2 stay out of the test split (the validation
    split is then drawn stratified from them, which needs 2 of every class)."""
    rest = n - split_sizes(n, val_fraction, test_fraction)["test"]
    need = max(2, math.ceil(2 * n / max(rest, 1)) - 1)
    while rest and math.floor(need / n * rest) < 2:  # as scikit-learn rounds the shares
        need += 1
    return need


def check_split(
    y: np.ndarray,
    class_names: list[str],
    val_fraction: float,
    test_fraction: float,
    source: str,
) -> None:
    """Refuse, before splitting, data with a split smaller than the number of classes or a
    class with fewer than 2 samples (the stratified split needs both)."""
    labels, counts = np.unique(y, return_counts=True)
    sizes = split_sizes(len(y), val_fraction, test_fraction)
    if min(sizes.values()) < len(labels):
        raise DataFormatError(
            f"{source}: {len(y)} samples give train/val/test splits of "
            f"{'/'.join(map(str, sizes.values()))} (val_fraction {val_fraction}, test_fraction "
            f"{test_fraction}); expected at least one sample per class ({len(labels)}) in every "
            "split (add samples, drop classes or change the split fractions)"
        )
    for label, count in zip(labels.tolist(), counts.tolist(), strict=True):
        if count < 2:
            raise too_small_class(
                class_names[label], count, len(y), val_fraction, test_fraction, source
            )


def too_small_class(
    name: str, count: int, n: int, val_fraction: float, test_fraction: float, source: str
) -> DataFormatError:
    """The error naming the class, its sample count and what the split needs."""
    return DataFormatError(
        f"{source}: class {name!r} has {count} sample(s), too few for the stratified split "
        f"(val_fraction {val_fraction}, test_fraction {test_fraction}), which needs at least "
        f"{per_class_need(n, val_fraction, test_fraction)} per class; drop the class "
        "(data.<dataset>.classes) or add samples of it"
    )


def split_indices(
    y: np.ndarray,
    val_fraction: float,
    test_fraction: float,
    seed: int,
    class_names: list[str] | None = None,
    source: str = "the data set",
) -> dict[str, np.ndarray]:
    """Stratified by label with a fixed seed; no sample in two splits. A split or class too
    small for that is refused naming `source` and the class."""
    check_fractions(val_fraction, test_fraction)
    names = class_names or [str(label) for label in range(int(y.max(initial=0)) + 1)]
    check_split(y, names, val_fraction, test_fraction, source)
    rest, test = train_test_split(
        np.arange(len(y)), test_size=test_fraction, stratify=y, random_state=seed
    )
    short = [label for label in np.unique(y).tolist() if np.count_nonzero(y[rest] == label) < 2]
    if short:  # the test split took all but one (or all) of them
        count = int(np.count_nonzero(y == short[0]))
        raise too_small_class(names[short[0]], count, len(y), val_fraction, test_fraction, source)
    train, val = train_test_split(
        rest, test_size=val_fraction / (1.0 - test_fraction), stratify=y[rest], random_state=seed
    )
    return {"train": np.sort(train), "val": np.sort(val), "test": np.sort(test)}


def validation_split(
    y: np.ndarray, val_fraction: float, seed: int, class_names: list[str], source: str
) -> dict[str, np.ndarray]:
    """Train and validation rows only (the test split empty), for fitting on all the data one
    has: stratified by label with a fixed seed, or at random for unlabelled data (all
    UNLABELLED). A class or split too small for that is refused, naming it."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    labelled = bool(len(y)) and not (y == UNLABELLED).all()
    if labelled:
        labels, counts = np.unique(y, return_counts=True)
        for label, count in zip(labels.tolist(), counts.tolist(), strict=True):
            if count < 2:
                raise DataFormatError(
                    f"{source}: class {class_names[label]!r} has {count} sample, too few to "
                    "keep one for training and one for validation; drop it or add samples"
                )
        val = math.ceil(val_fraction * len(y))
        if min(val, len(y) - val) < len(labels):
            raise DataFormatError(
                f"{source}: {len(y)} samples give a validation split of {val} (val_fraction "
                f"{val_fraction}); expected at least one sample per class ({len(labels)}) in "
                "it and in training (add samples or change val_fraction)"
            )
    train, val = train_test_split(
        np.arange(len(y)),
        test_size=val_fraction,
        stratify=y if labelled else None,
        random_state=seed,
    )
    return {"train": np.sort(train), "val": np.sort(val), "test": np.arange(0)}


def time_split(
    rows: int, window: int, val_fraction: float, test_fraction: float, source: str
) -> dict[str, np.ndarray]:
    """Windows (window i = rows i .. i + window - 1) of a series split in time: contiguous
    train, val and test blocks of rows (sized as split_sizes gives them, test last), each cut
    into windows on its own, so no window spans two blocks (those that would are dropped)."""
    check_fractions(val_fraction, test_fraction)
    sizes = split_sizes(rows, val_fraction, test_fraction)
    if min(sizes.values()) < window:
        raise DataFormatError(
            f"{source}: {rows} rows give train/val/test blocks of "
            f"{'/'.join(map(str, sizes.values()))} rows (val_fraction {val_fraction}, "
            f"test_fraction {test_fraction}); expected at least one window ({window} rows) in "
            "each (change the split fractions)"
        )
    index, start = {}, 0
    for split in SPLITS:
        end = start + sizes[split]
        index[split] = np.arange(start, end - window + 1)
        start = end
    return index


def split_for(
    data: SequenceDataset, val_fraction: float, test_fraction: float, seed: int, source: str
) -> dict[str, np.ndarray]:
    """The rows of each split. Protocol mode (meta `protocol`): train is every sample, shuffled
    with `seed`, val and test random subsets of them; windows of one series (meta `window`)
    without it: split in time (time_split); else stratified (split_indices)."""
    if data.meta.get("window") and not data.meta.get("protocol"):
        return time_split(
            data.meta["series_rows"], data.meta["window"], val_fraction, test_fraction, source
        )
    index = split_indices(data.y, val_fraction, test_fraction, seed, data.class_names, source)
    if data.meta.get("protocol"):
        index["train"] = np.random.default_rng(seed).permutation(len(data.y))
    return index


def training_medians(X: np.ndarray) -> np.ndarray:
    """Per-feature median of the finite training values (0 for a feature with none)."""
    flat = X.reshape(-1, X.shape[2])
    observed = np.isfinite(flat)
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
    source: str | os.PathLike = "the data set",
) -> PreparedData:
    """Split (split_for), fill missing values with training medians, then normalise with
    training stats (in protocol mode: of every sample). Data that cannot be split or trained on
    are refused first, naming `source` (the file)."""
    check_dataset(data, str(source))
    index = split_for(data, val_fraction, test_fraction, seed, str(source))
    return scale_splits(data, index, normalise)


def scale_splits(
    data: SequenceDataset, index: dict[str, np.ndarray], normalise: str
) -> PreparedData:
    """The splits `index` names, missing values filled with training medians, normalised with
    statistics of the train split; static attributes kept as they are (their encoding is
    fitted on the train split: PreparedData.static_encoder)."""
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
        static=None if data.static is None else {s: data.static[i] for s, i in index.items()},
        attributes=data.attributes,
    )
