"""Discrete data get discrete samples: image pixels take a few values (17 in scikit-learn's
digits, 256 in MNIST), and a generator's continuous outputs between them give synthetic data
away to any tree-based detector at once. The values the training split takes are its levels
(when there are at most MAX_LEVELS), and samples are rounded to the nearest of them."""

from __future__ import annotations

import numpy as np

MAX_LEVELS = 256  # more distinct values than this: continuous data, left as they are


def value_levels(X: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray | None:
    """The sorted distinct values of `X` (where `mask` is 1, if given), or None when there are
    more than MAX_LEVELS of them."""
    observed = X if mask is None else X[mask.astype(bool)]
    levels = np.unique(observed.astype(np.float32))
    return levels if len(levels) <= MAX_LEVELS else None


def quantise(X: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Every value of `X` replaced by the nearest of the sorted `levels` (ties: the lower)."""
    if len(levels) == 1:
        return np.full_like(X, levels[0])
    upper = np.clip(np.searchsorted(levels, X), 1, len(levels) - 1)
    lower = levels[upper - 1]
    return np.where(X - lower <= levels[upper] - X, lower, levels[upper]).astype(X.dtype)
