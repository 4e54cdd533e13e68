"""Time series of any length made into fixed-length sequences: resampling or padding + mask."""

from __future__ import annotations

import numpy as np

LENGTHS = ("auto", "native", "resample", "pad")


def resample(series: np.ndarray, steps: int) -> np.ndarray:
    """Linear interpolation of a (T, F) series onto `steps` evenly spaced points."""
    length = len(series)
    if length == steps:
        return series.astype(np.float32)
    if length == 1:
        return np.repeat(series, steps, axis=0).astype(np.float32)
    old, new = np.linspace(0.0, 1.0, length), np.linspace(0.0, 1.0, steps)
    return np.stack(
        [np.interp(new, old, series[:, f]) for f in range(series.shape[1])], axis=1
    ).astype(np.float32)


def fixed_length(
    series: list[np.ndarray], method: str, steps: int | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Stack (T_i, F) series into (N, steps, F). `pad` appends NaN steps (imputed later) and
    returns a mask with 0 on them; `resample` interpolates; `auto` pads only unequal lengths."""
    lengths = [len(s) for s in series]
    if method == "auto":
        method = "native" if len(set(lengths)) == 1 and steps is None else "pad"
    if method == "native":
        if len(set(lengths)) > 1:
            raise ValueError(
                f"series lengths vary from {min(lengths)} to {max(lengths)}: set the dataset's "
                "`length` to pad or resample"
            )
        return np.stack(series).astype(np.float32), None
    target = steps or max(lengths)
    if method == "resample":
        return np.stack([resample(s, target) for s in series]), None
    if method == "pad":
        features = series[0].shape[1]
        X = np.full((len(series), target, features), np.nan, dtype=np.float32)
        mask = np.zeros_like(X)
        for row, s in enumerate(series):
            kept = s[:target]
            X[row, : len(kept)] = kept
            mask[row, : len(kept)] = 1.0
        return X, mask
    raise ValueError(f"unknown length method {method!r}: expected one of {LENGTHS}")
