"""The in-memory forms of a dataset: what a reader returns, and labelled sequences."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import numpy as np

from rgan.data.static import Attribute, attributes_from_json, attributes_to_json
from rgan.io import load_npz, save_npz

UNLABELLED = -1  # the label of every sample drawn from an unconditional RGAN


@dataclass
class RawData:
    """A reader's output before shaping: images (N, H, W), or sequences (N, T, F) or a list of
    (T_i, F) arrays of varying length; NaN marks a missing value."""

    X: np.ndarray | list[np.ndarray]
    y: np.ndarray
    class_names: list[str]
    mask: np.ndarray | None = None  # 1 where a value was observed, if the source says so
    feature_names: list[str] | None = None
    meta: dict = field(default_factory=dict)  # carried into SequenceDataset.meta
    static: np.ndarray | None = None  # (N, attributes) codes (rgan.data.static), NaN = missing
    attributes: list[Attribute] = field(default_factory=list)


@dataclass
class SequenceDataset:
    """X: (samples, steps, features) float32; y: (samples,) int64 class ids, or all UNLABELLED;
    class_names per id; mask: optional (samples, steps, features), 1 = observed, 0 = missing or
    padding; static: optional (samples, attributes) values of `attributes` (rgan.data.static)."""

    X: np.ndarray
    y: np.ndarray
    class_names: list[str]
    kind: str = "timeseries"  # "image" when the sequences are images read step by step
    meta: dict = field(default_factory=dict)  # images: height, width, layout; feature names
    mask: np.ndarray | None = None
    static: np.ndarray | None = None
    attributes: list[Attribute] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.X.ndim != 3:
            raise ValueError(f"X must have shape (samples, steps, features), got {self.X.shape}")
        if self.y.shape != (len(self.X),):
            raise ValueError(f"y must have shape ({len(self.X)},), got {self.y.shape}")
        out_of_range = len(self.y) and (self.y.min() < 0 or self.y.max() >= len(self.class_names))
        if self.labelled and out_of_range:
            raise ValueError(
                f"labels must lie in 0..{len(self.class_names) - 1} (or all be {UNLABELLED})"
            )
        if self.mask is not None and self.mask.shape != self.X.shape:
            raise ValueError(f"mask has shape {self.mask.shape}, X {self.X.shape}")
        expected = (len(self.X), len(self.attributes))
        if self.static is not None and self.static.shape != expected:
            raise ValueError(
                f"static has shape {self.static.shape}; expected {expected} for attributes "
                f"{[attribute.name for attribute in self.attributes]}"
            )

    @property
    def labelled(self) -> bool:
        return not (len(self.y) and (self.y == UNLABELLED).all())

    def save(self, path: str | os.PathLike) -> None:
        arrays = {
            "X": self.X.astype(np.float32),
            "y": self.y.astype(np.int64),
            "class_names": np.array(self.class_names),
            "kind": np.array(self.kind),
            "meta": np.array(json.dumps(self.meta)),
        }
        if self.mask is not None:
            arrays["mask"] = self.mask.astype(np.float32)
        if self.static is not None:
            arrays["static"] = self.static.astype(np.float32)
            arrays["attributes"] = np.array(json.dumps(attributes_to_json(self.attributes)))
        save_npz(path, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> SequenceDataset:
        arrays = load_npz(path)
        return cls(
            X=arrays["X"],
            y=arrays["y"],
            class_names=[str(name) for name in arrays["class_names"]],
            kind=str(arrays["kind"]),
            meta=json.loads(str(arrays["meta"])),
            mask=arrays.get("mask"),
            static=arrays.get("static"),
            attributes=attributes_from_json(json.loads(str(arrays.get("attributes", "[]")))),
        )
