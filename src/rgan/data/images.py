"""Images as sequences: exact area-average resizing and the choice of what a time step is."""

from __future__ import annotations

import numpy as np

LAYOUTS = ("rows", "columns", "pixels")


def area_weights(size_in: int, size_out: int) -> np.ndarray:
    """(size_out, size_in) matrix whose row i averages the input cells that output cell i covers,
    each weighted by the overlap of the two intervals (exact area averaging)."""
    edges_out = np.linspace(0.0, size_in, size_out + 1)
    starts, ends = edges_out[:-1, None], edges_out[1:, None]
    cells = np.arange(size_in)[None, :]
    overlap = np.clip(np.minimum(ends, cells + 1) - np.maximum(starts, cells), 0.0, None)
    return (overlap / overlap.sum(axis=1, keepdims=True)).astype(np.float32)


def resize(images: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize (count, H, W) images to (count, height, width) by exact area averaging when
    shrinking (and by the same box weights when enlarging)."""
    count, h, w = images.shape
    if (h, w) == (height, width):
        return images.astype(np.float32)
    rows, cols = area_weights(h, height), area_weights(w, width)
    return rows @ images.astype(np.float32) @ cols.T


def to_sequences(images: np.ndarray, layout: str) -> np.ndarray:
    """(count, H, W) → (count, steps, features): rows as steps, columns as steps, or one pixel
    per step (H·W steps of one feature, as in the RGAN paper's serialised MNIST)."""
    if layout == "rows":
        return images
    if layout == "columns":
        return np.ascontiguousarray(images.transpose(0, 2, 1))
    if layout == "pixels":
        return images.reshape(len(images), -1, 1)
    raise ValueError(f"unknown sequence layout {layout!r}: expected one of {LAYOUTS}")


def to_images(X: np.ndarray, layout: str, height: int, width: int) -> np.ndarray:
    """Inverse of `to_sequences`, for pictures."""
    if layout == "rows":
        return X
    if layout == "columns":
        return X.transpose(0, 2, 1)
    return X.reshape(len(X), height, width)
