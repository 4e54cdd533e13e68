"""Synthetic data from a trained generator: labelled with classes balanced (RCGAN), or
unlabelled (RGAN)."""

from __future__ import annotations

import os

import numpy as np
import torch

from rgan.data.prepare import PreparedData
from rgan.data.sequences import UNLABELLED, SequenceDataset
from rgan.masks import apply_mask, missing_fill, sample_masks
from rgan.models import load_generator


def balanced_labels(n_classes: int, total: int) -> np.ndarray:
    """`total` labels cycling through the classes, so that every prefix is balanced too."""
    return np.arange(total) % n_classes


def generate_balanced(
    generator_path: str | os.PathLike,
    data: PreparedData,
    samples_per_class: int | None,
    seed: int,
    multiplier: int = 1,
) -> SequenceDataset:
    """Sample `multiplier` × `samples_per_class` per class, or × as many as the training split
    when None (an RGAN draws as many, unlabelled); the first 1/multiplier of them are the 1×
    set. When the data have masks, each sample takes the mask of a random training sample of
    its class."""
    generator, payload = load_generator(generator_path)
    n_classes = generator.spec.n_classes
    n_train = len(data.y["train"])
    total = multiplier * (n_train if samples_per_class is None else samples_per_class * n_classes)
    labels = balanced_labels(n_classes, total)
    noise_source = torch.Generator().manual_seed(seed)
    X = generator.sample(torch.as_tensor(labels), generator=noise_source).numpy()
    if not generator.spec.conditional:
        labels = np.full(total, UNLABELLED)
    masks = None
    if data.mask is not None:
        masks = sample_masks(labels, data.mask["train"], data.y["train"], seed)
        X = apply_mask(X, masks, missing_fill(data.X["train"], data.mask["train"]))
    return SequenceDataset(
        X=X,
        mask=masks,
        y=labels,
        class_names=payload["class_names"],
        kind=payload["kind"],
        meta=payload["meta"],
    )
