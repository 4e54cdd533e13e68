"""Observation masks (1 = observed, 0 = missing or padding) for generated data: synthetic
sequences take masks drawn from real sequences of the same class (whole, or cut to a generated
length: rgan.lengths), and their hidden values the same fill that the real data got, so real
and synthetic data are compared like for like."""

from __future__ import annotations

import numpy as np


def missing_fill(X: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per-feature mean of the values real data hold where the mask is 0 (their imputation)."""
    hidden = mask == 0
    counts = hidden.sum(axis=(0, 1))
    totals = np.where(hidden, X, 0.0).sum(axis=(0, 1))
    return np.where(counts > 0, totals / np.maximum(counts, 1), 0.0).astype(np.float32)


def apply_mask(X: np.ndarray, mask: np.ndarray, fill: np.ndarray) -> np.ndarray:
    return (X * mask + fill * (1.0 - mask)).astype(np.float32)


def draw_by_class(
    labels: np.ndarray, pool: np.ndarray, pool_labels: np.ndarray, seed: int
) -> np.ndarray:
    """One row of the pool (a mask, a record's attributes) per label, drawn with a fixed seed
    from the pool's rows of that class (from the whole pool for labels the pool does not have,
    such as UNLABELLED). Pools of the same records in the same order give rows of one record
    for the same labels and seed."""
    rng = np.random.default_rng(seed)
    rows = np.empty((len(labels), *pool.shape[1:]), dtype=np.float32)
    for label in np.unique(labels):
        members = np.flatnonzero(pool_labels == label)
        if len(members) == 0:
            members = np.arange(len(pool))
        wanted = np.flatnonzero(labels == label)
        rows[wanted] = pool[rng.choice(members, size=len(wanted))]
    return rows
