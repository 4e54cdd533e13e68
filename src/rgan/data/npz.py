"""Any local .npz with X (N, T, F), y (N,), an optional mask (N, T, F) and optional static
attributes: `static` (N, A) of numbers or strings, `static_names` (A,) and `static_kinds` (A,),
each "categorical" or "continuous" (rgan.data.static)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from rgan.data.idx import DataFormatError
from rgan.data.sequences import RawData
from rgan.data.static import KINDS, Attribute, from_columns


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
    static, attributes = read_static(content, len(X), path)
    return RawData(
        X=X.astype(np.float32),
        y=y,
        class_names=class_names,
        mask=None if mask is None else mask.astype(np.float32),
        static=static,
        attributes=attributes,
    )


def read_static(
    content: dict[str, np.ndarray], n: int, path: Path
) -> tuple[np.ndarray | None, list[Attribute]]:
    """The file's static attributes as codes, or (None, []) when it has none."""
    names = [key for key in ("static", "static_names", "static_kinds") if key in content]
    if not names:
        return None, []
    if len(names) < 3:
        raise DataFormatError(
            f"{path}: has {names} but static attributes need static (samples × attributes), "
            f"static_names and static_kinds (each one of {KINDS})"
        )
    static, columns, kinds = content["static"], content["static_names"], content["static_kinds"]
    if static.ndim != 2 or len(static) != n:
        raise DataFormatError(
            f"{path}: static has shape {static.shape}; expected ({n}, attributes)"
        )
    if columns.shape != (static.shape[1],) or kinds.shape != columns.shape:
        raise DataFormatError(
            f"{path}: static has {static.shape[1]} attributes, static_names shape "
            f"{columns.shape} and static_kinds shape {kinds.shape}; expected one name and one "
            "kind per attribute"
        )
    names = [str(name) for name in columns]
    values = {name: static[:, column].tolist() for column, name in enumerate(names)}
    try:
        return from_columns(values, dict(zip(names, map(str, kinds), strict=True)), str(path))
    except ValueError as error:
        raise DataFormatError(str(error)) from None
