"""Any local .npz with X (N, T, F), y (N,) and an optional mask (N, T, F)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from rgan.data.idx import DataFormatError
from rgan.data.sequences import RawData


def read_npz(path: Path) -> RawData:
    """Read the arrays, checking names, shapes and label values; errors name the file."""
    if not path.exists():
        raise DataFormatError(f"{path}: no such file (set data.npz.path to your .npz file)")
    try:
        with np.load(path, allow_pickle=False) as arrays:
            content = {key: arrays[key] for key in arrays.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise DataFormatError(f"{path}: not a readable .npz file ({error})") from error
    missing = {"X", "y"} - set(content)
    if missing:
        raise DataFormatError(
            f"{path}: missing array(s) {sorted(missing)}; it holds {sorted(content)}"
        )
    X, labels = content["X"], content["y"]
    if X.ndim != 3:
        raise DataFormatError(f"{path}: X must be (samples, steps, features), got shape {X.shape}")
    if labels.shape != (len(X),):
        raise DataFormatError(f"{path}: X holds {len(X)} samples but y has shape {labels.shape}")
    mask = content.get("mask")
    if mask is not None and mask.shape != X.shape:
        raise DataFormatError(f"{path}: mask has shape {mask.shape}, X {X.shape}")
    names = content.get("class_names")
    classes = np.unique(labels)
    index = {label: i for i, label in enumerate(classes.tolist())}
    y = np.array([index[label] for label in labels.tolist()], dtype=np.int64)
    class_names = [str(n) for n in names] if names is not None else [str(c) for c in classes]
    if names is not None and len(names) != len(classes):
        raise DataFormatError(f"{path}: {len(names)} class_names for {len(classes)} labels")
    return RawData(
        X=X.astype(np.float32),
        y=y,
        class_names=class_names,
        mask=None if mask is None else mask.astype(np.float32),
    )
