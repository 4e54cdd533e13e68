"""Datasets as labelled sequences: where each comes from, how it is read, how it is shaped."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from rgan.data import images as image_ops
from rgan.data.digits import DIGITS_CLASSES, read_digits
from rgan.data.mnist import FASHION, FASHION_CLASSES, MNIST, MNIST_CLASSES, read_idx_images
from rgan.data.sequences import SequenceDataset
from rgan.data.sources import RemoteFile, RetryPolicy, Source, fetch

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImageDataset:
    """An image dataset: its source (None when embedded), reader and class names."""

    source: Source | None
    read: Callable[[dict[str, Path]], tuple[np.ndarray, np.ndarray]]
    class_names: list[str]


CATALOG: dict[str, ImageDataset] = {
    "digits": ImageDataset(None, read_digits, DIGITS_CLASSES),
    "mnist": ImageDataset(MNIST, read_idx_images, MNIST_CLASSES),
    "fashion": ImageDataset(FASHION, read_idx_images, FASHION_CLASSES),
}


def catalog_entry(name: str) -> ImageDataset:
    if name not in CATALOG:
        raise ValueError(f"unknown dataset {name!r}: expected one of {sorted(CATALOG)}")
    return CATALOG[name]


def dataset_source(name: str, options: dict) -> Source | None:
    """The dataset's source, with `mirrors` and `checksums` from the options taking precedence
    (for a site-local mirror, or the fixtures of the tests)."""
    source = catalog_entry(name).source
    if source is None:
        return None
    checksums = options.get("checksums") or {}
    files = tuple(RemoteFile(f.name, checksums.get(f.name, f.checksum)) for f in source.files)
    return replace(source, mirrors=tuple(options.get("mirrors") or source.mirrors), files=files)


def fetch_dataset(name: str, options: dict, data_dir: Path, policy: RetryPolicy) -> dict:
    """Download (or find in `data_dir`) and verify every file of a dataset; return a manifest."""
    source = dataset_source(name, options)
    if source is None:
        return {"dataset": name, "files": {}}
    files = fetch(source, data_dir / name, policy)
    checksums = {file.name: file.checksum for file in source.files}
    return {
        "dataset": name,
        "files": {
            file: {"path": str(path), "checksum": checksums[file]} for file, path in files.items()
        },
    }


def select(
    images: np.ndarray,
    labels: np.ndarray,
    classes: list[int] | None,
    max_samples: int | None,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Keep only `classes` (labels renumbered 0..k-1 in the given order), then at most
    `max_samples`, drawn stratified by label with a fixed seed."""
    if classes:
        missing = sorted(set(classes) - set(np.unique(labels).tolist()))
        if missing:
            raise ValueError(f"classes {missing} do not occur in the data")
        keep = np.isin(labels, classes)
        mapping = {label: index for index, label in enumerate(classes)}
        images, labels = images[keep], np.array([mapping[label] for label in labels[keep]])
    if max_samples and max_samples < len(labels):
        chosen, _ = train_test_split(
            np.arange(len(labels)), train_size=max_samples, stratify=labels, random_state=seed
        )
        chosen = np.sort(chosen)
        images, labels = images[chosen], labels[chosen]
    return images, labels


def load_dataset(name: str, options: dict, files: dict[str, Path]) -> SequenceDataset:
    """Read a dataset from its verified files and shape it into labelled sequences."""
    entry = catalog_entry(name)
    images, labels = entry.read(files)
    classes = options.get("classes")
    images, labels = select(
        images, labels, classes, options.get("max_samples"), options.get("subsample_seed", 0)
    )
    height, width = options.get("size") or images.shape[1:]
    layout = options.get("layout", "rows")
    resized = image_ops.resize(images, height, width)
    names = [entry.class_names[c] for c in classes] if classes else entry.class_names
    logger.info(
        "%s: %d images %s → %d×%d, layout %s",
        name,
        len(labels),
        images.shape[1:],
        height,
        width,
        layout,
    )
    return SequenceDataset(
        X=image_ops.to_sequences(resized, layout),
        y=labels.astype(np.int64),
        class_names=names,
        kind="image",
        meta={"height": int(height), "width": int(width), "layout": layout},
    )
