"""Static attributes: per-sequence values beside the class label (a patient's age, gender, care
unit), each categorical or continuous. In memory they are a float array (samples × attributes):
continuous values as given, categorical values as codes into the attribute's categories, NaN
where a value is missing. `StaticEncoder` turns them into what both networks see, with
statistics of the training split: continuous values min-max scaled to [-1, 1], categories
one-hot; a missing value encodes as 0 (mid-range, no category)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from rgan.masks import draw_by_class

CATEGORICAL, CONTINUOUS = "categorical", "continuous"
KINDS = (CATEGORICAL, CONTINUOUS)


@dataclass(frozen=True)
class Attribute:
    """One static attribute: its name, its kind and, if categorical, its categories' names (a
    code is a position in them)."""

    name: str
    kind: str
    categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(
                f"attribute {self.name!r}: kind {self.kind!r}; expected one of {KINDS}"
            )
        if self.kind == CATEGORICAL and not self.categories:
            raise ValueError(f"attribute {self.name!r}: a categorical attribute without values")

    @property
    def width(self) -> int:
        """Columns of its encoding: one per category, or one."""
        return len(self.categories) if self.kind == CATEGORICAL else 1

    def codes(self, values: Sequence[Any], source: str) -> np.ndarray:
        """Values as given (numbers, or category names for a categorical attribute; None, NaN
        or "" for missing) as this attribute's float codes; an unknown category is named."""
        out = np.full(len(values), np.nan)
        for row, value in enumerate(values):
            if missing(value):
                continue
            if self.kind == CONTINUOUS:
                try:
                    out[row] = float(value)
                except (TypeError, ValueError):
                    raise ValueError(
                        f"{source}: attribute {self.name!r} is continuous; {value!r} is not a "
                        "number"
                    ) from None
                if np.isinf(out[row]):
                    raise ValueError(
                        f"{source}: attribute {self.name!r} holds {value!r}; expected a finite "
                        "number (NaN where missing)"
                    )
                continue
            name = category_name(value)
            if name not in self.categories:
                raise ValueError(
                    f"{source}: attribute {self.name!r} has no category {value!r}; expected one "
                    f"of {list(self.categories)}"
                )
            out[row] = self.categories.index(name)
        return out

    def values(self, codes: np.ndarray) -> np.ndarray:
        """Codes back to what a user reads: numbers (NaN where missing), or the names of
        categories that are not numbers (None where missing)."""
        if self.kind == CONTINUOUS:
            return codes.astype(np.float64)
        if all(sort_key(name)[0] == 0 for name in self.categories):
            numbers = np.array([float(name) for name in self.categories])
            return np.where(np.isnan(codes), np.nan, numbers[np.nan_to_num(codes).astype(int)])
        return np.array(
            [None if np.isnan(code) else self.categories[int(code)] for code in codes], dtype=object
        )


def missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    return isinstance(value, float | np.floating) and bool(np.isnan(value))


def category_name(value: Any) -> str:
    """A category's name: numbers written shortest (1.0 and "1" name the same category)."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | float | np.integer | np.floating):
        return f"{float(value):g}"
    text = str(value).strip()
    try:
        return f"{float(text):g}"
    except ValueError:
        return text


def from_columns(
    columns: Mapping[str, Sequence[Any]], kinds: Mapping[str, str], source: str
) -> tuple[np.ndarray, list[Attribute]]:
    """(codes, attributes) of raw columns (name → values) of the given kinds; a categorical
    attribute's categories are its distinct values, sorted."""
    attributes, codes = [], []
    for name, values in columns.items():
        kind = kinds.get(name)
        if kind not in KINDS:
            raise ValueError(
                f"{source}: attribute {name!r} has kind {kind!r}; expected one of {KINDS}"
            )
        categories = ()
        if kind == CATEGORICAL:
            names = {category_name(value) for value in values if not missing(value)}
            categories = tuple(sorted(names, key=sort_key))
        attribute = Attribute(name, kind, categories)
        attributes.append(attribute)
        codes.append(attribute.codes(list(values), source))
    return np.stack(codes, axis=1).astype(np.float32), attributes


def sort_key(name: str) -> tuple[int, float, str]:
    """Numbers in numeric order before words in alphabetical order."""
    try:
        return (0, float(name), "")
    except ValueError:
        return (1, 0.0, name)


def attributes_to_json(attributes: Sequence[Attribute]) -> list[dict]:
    return [
        {**asdict(attribute), "categories": list(attribute.categories)} for attribute in attributes
    ]


def attributes_from_json(entries: Sequence[Mapping[str, Any]]) -> list[Attribute]:
    return [
        Attribute(entry["name"], entry["kind"], tuple(entry["categories"])) for entry in entries
    ]


@dataclass(frozen=True)
class StaticEncoder:
    """The attributes and the training split's range of each continuous one (what encoding
    scales by and what requested values must lie in)."""

    attributes: tuple[Attribute, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]

    @classmethod
    def fit(cls, attributes: Sequence[Attribute], train: np.ndarray) -> StaticEncoder:
        low, high = [], []
        for column, attribute in enumerate(attributes):
            observed = train[:, column][np.isfinite(train[:, column])]
            if attribute.kind == CONTINUOUS and observed.size:
                low.append(float(observed.min()))
                high.append(float(observed.max()))
            else:
                low.append(0.0)
                high.append(float(max(attribute.width - 1, 0)))
        return cls(tuple(attributes), tuple(low), tuple(high))

    @property
    def width(self) -> int:
        return sum(attribute.width for attribute in self.attributes)

    @property
    def names(self) -> list[str]:
        return [attribute.name for attribute in self.attributes]

    def encode(self, static: np.ndarray) -> np.ndarray:
        """(samples, width) float32: scaled continuous values and one-hot categories."""
        parts = []
        for column, attribute in enumerate(self.attributes):
            values = static[:, column].astype(np.float64)
            absent = np.isnan(values)
            if attribute.kind == CONTINUOUS:
                span = self.high[column] - self.low[column]
                scaled = (values - self.low[column]) / span * 2 - 1 if span > 0 else values * 0
                parts.append(np.where(absent, 0.0, scaled)[:, None])
            else:
                one_hot = np.zeros((len(values), attribute.width))
                rows = np.flatnonzero(~absent)
                one_hot[rows, values[rows].astype(int)] = 1.0
                parts.append(one_hot)
        return np.concatenate(parts, axis=1).astype(np.float32)

    def check(self, static: np.ndarray, source: str) -> None:
        """Refuse requested values outside the training range, naming the attribute."""
        if static.ndim != 2 or static.shape[1] != len(self.attributes):
            raise ValueError(
                f"{source}: attributes of shape {static.shape}; expected (samples, "
                f"{len(self.attributes)}) for {self.names}"
            )
        for column, attribute in enumerate(self.attributes):
            values = static[:, column]
            values = values[np.isfinite(values)]
            low, high = self.low[column], self.high[column]
            outside = values[(values < low) | (values > high)]
            if attribute.kind == CONTINUOUS and outside.size:
                raise ValueError(
                    f"{source}: attribute {attribute.name!r} = {outside[0]:g} lies outside the "
                    f"training range [{low:g}, {high:g}]"
                )

    def to_payload(self) -> dict[str, Any]:
        return {
            "attributes": attributes_to_json(self.attributes),
            "low": list(self.low),
            "high": list(self.high),
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> StaticEncoder:
        attributes = tuple(attributes_from_json(payload["attributes"]))
        return cls(attributes, tuple(payload["low"]), tuple(payload["high"]))


@dataclass(frozen=True)
class StaticConditions:
    """What a generator conditioned on attributes samples with: the encoder and the training
    split's attribute rows with their labels, which synthetic sequences draw from by default
    (a resample of real records, joint with the class)."""

    encoder: StaticEncoder
    rows: np.ndarray
    labels: np.ndarray

    def draw(self, labels: np.ndarray, seed: int) -> np.ndarray:
        """One training row of attributes per label, of that class, with a fixed seed."""
        return draw_by_class(labels, self.rows, self.labels, seed)

    def to_payload(self) -> dict[str, Any]:
        """Tensors and plain values, for `torch.load(weights_only=True)`."""
        return {
            "encoder": self.encoder.to_payload(),
            "rows": torch.from_numpy(self.rows.astype(np.float32)),
            "labels": torch.from_numpy(self.labels.astype(np.int64)),
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> StaticConditions:
        encoder = cls.encoder_of(payload)
        return cls(encoder, payload["rows"].numpy(), payload["labels"].numpy())

    @staticmethod
    def encoder_of(payload: Mapping[str, Any]) -> StaticEncoder:
        """The encoder alone, from a payload of `to_payload`."""
        return StaticEncoder.from_payload(payload["encoder"])


def requested(
    conditions: StaticConditions,
    labels: np.ndarray,
    seed: int,
    fixed: Mapping[str, Any],
    source: str,
) -> np.ndarray:
    """Attributes for `labels`: those named in `fixed` (one value for all, or one per label)
    as given, the others from training records of each label's class (`conditions.draw`).
    Unknown names and categories are refused, naming them."""
    names = conditions.encoder.names
    unknown = sorted(set(fixed) - set(names))
    if unknown:
        raise ValueError(f"{source}: unknown attributes {unknown}; the model knows {names}")
    rows = conditions.draw(labels, seed).copy()
    for name, given in fixed.items():
        values = (
            list(given)
            if isinstance(given, Sequence | np.ndarray) and not isinstance(given, str)
            else [given]
        )
        if len(values) not in (1, len(labels)):
            raise ValueError(
                f"{source}: attribute {name!r} has {len(values)} values; expected 1 or "
                f"{len(labels)}"
            )
        column = names.index(name)
        codes = conditions.encoder.attributes[column].codes(values, source)
        rows[:, column] = np.broadcast_to(codes, (len(labels),))
    return rows


def npz_arrays(static: np.ndarray, attributes: Sequence[Attribute]) -> dict[str, np.ndarray]:
    """`static`, `static_names` and `static_kinds` as the npz reader takes them: numbers, or
    text throughout when a category is named by a word (missing: NaN, or "")."""
    columns = [attribute.values(static[:, i]) for i, attribute in enumerate(attributes)]
    if all(column.dtype != object for column in columns):
        table = np.stack(columns, axis=1) if columns else np.zeros((len(static), 0))
    else:
        table = np.array(
            [
                ["" if missing(value) else str(value) for value in row]
                for row in zip(*columns, strict=True)
            ],
            dtype=str,
        ).reshape(len(static), len(attributes))
    return {
        "static": table,
        "static_names": np.array([attribute.name for attribute in attributes]),
        "static_kinds": np.array([attribute.kind for attribute in attributes]),
    }
