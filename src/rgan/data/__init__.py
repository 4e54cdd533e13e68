"""Datasets as labelled sequences: where each comes from, how it is read, how it is shaped."""

from rgan.data.catalog import (
    choose,
    dataset_source,
    dataset_spec,
    fetch_dataset,
    known_names,
    load_dataset,
)

__all__ = [
    "choose",
    "dataset_source",
    "dataset_spec",
    "fetch_dataset",
    "known_names",
    "load_dataset",
]
