"""Datasets as labelled sequences: readers per source, and the preparation shared by all."""

from __future__ import annotations

from collections.abc import Callable

from rgan.data.digits import load_digits_sequences
from rgan.data.sequences import SequenceDataset

LOADERS: dict[str, Callable[[dict], SequenceDataset]] = {
    "digits": load_digits_sequences,
}


def load_dataset(name: str, options: dict | None = None) -> SequenceDataset:
    """Read dataset `name` as labelled sequences (X: samples × steps × features, y: class ids)."""
    if name not in LOADERS:
        raise ValueError(f"unknown dataset {name!r}: expected one of {sorted(LOADERS)}")
    return LOADERS[name](options or {})
