"""Refuse, up front and naming the file, data that cannot be trained on: infinite values, no
samples, steps or features, masks that are not 0/1 or observe nothing, fewer than two classes."""

from __future__ import annotations

import numpy as np

from rgan.data.idx import DataFormatError
from rgan.data.sequences import UNLABELLED, SequenceDataset


def infinite_per_sample(X: np.ndarray | list[np.ndarray]) -> np.ndarray:
    """How many values of each sample are +-Inf."""
    if isinstance(X, np.ndarray):
        return np.isinf(X).sum(axis=tuple(range(1, X.ndim)))
    return np.array([np.isinf(series).sum() for series in X], dtype=np.int64)


def check_finite(X: np.ndarray | list[np.ndarray], source: str) -> None:
    """Refuse +-Inf: only NaN may stand for a missing value."""
    counts = infinite_per_sample(X)
    if counts.any():
        raise DataFormatError(
            f"{source}: X holds {int(counts.sum())} infinite value(s) (the first in sample "
            f"{int(np.flatnonzero(counts)[0])}); "
            "expected finite numbers, with NaN for a missing value"
        )


def check_raw(X: np.ndarray | list[np.ndarray], source: str) -> None:
    """What a reader returned, before shaping: some samples, and no +-Inf."""
    if len(X) == 0:
        raise DataFormatError(f"{source}: X holds no samples; expected at least one")
    check_finite(X, source)


def check_shape(X: np.ndarray, source: str) -> None:
    """At least one sample, one time step and one feature."""
    for axis, what in enumerate(("samples", "time steps", "features")):
        if X.shape[axis] == 0:
            raise DataFormatError(
                f"{source}: X has shape {X.shape}, no {what}; expected at least one of each of "
                "samples, time steps and features"
            )


def check_mask(mask: np.ndarray | None, X: np.ndarray, source: str) -> None:
    """Mask values are 0 or 1, and something is observed (by the mask, or as a non-NaN value)."""
    if mask is not None:
        outside = ~np.isin(mask, (0.0, 1.0))
        if outside.any():
            raise DataFormatError(
                f"{source}: mask holds {int(outside.sum())} value(s) outside {{0, 1}} "
                f"(e.g. {float(mask[outside][0])}); expected 1 = observed, 0 = missing or padding"
            )
        if not mask.any():
            raise DataFormatError(
                f"{source}: mask is all zeros (nothing observed); expected 1 where a value was "
                "observed"
            )
    elif np.isnan(X).all():
        raise DataFormatError(
            f"{source}: every value of X is NaN (nothing observed); expected observed values"
        )


def check_classes(y: np.ndarray, class_names: list[str], source: str) -> None:
    """At least two classes: the utility metrics fit classifiers to the labels."""
    present = np.unique(y)
    if len(present) >= 2:
        return
    if not len(present):
        found = "there are no samples"
    elif present[0] == UNLABELLED:
        found = "the samples are unlabelled"
    else:
        found = f"all {len(y)} samples are of class {class_names[int(present[0])]!r}"
    raise DataFormatError(
        f"{source}: {found}; expected samples of at least 2 classes (the utility metrics train "
        "classifiers on the labels)"
    )


def check_dataset(data: SequenceDataset, source: str) -> None:
    """Everything a dataset needs before it can be split, scaled and trained on. Data sets
    without labels (meta `labels: none`, e.g. the benchmark protocol's) are all UNLABELLED."""
    check_shape(data.X, source)
    check_finite(data.X, source)
    check_mask(data.mask, data.X, source)
    if data.meta.get("labels") != "none":
        check_classes(data.y, data.class_names, source)
    elif data.labelled:
        raise DataFormatError(f"{source}: a data set without labels has labels")
