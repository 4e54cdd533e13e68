"""Synthetic data from a trained generator: labelled with classes balanced (RCGAN), or
unlabelled (RGAN); with observation masks of real sequences of the same class when the data
have masks; mapped onto the training data's marginals when the run matches them
(`rgan.marginals`); rounded to the training data's values when those are few (`rgan.quantise`).
`rgan sample` and the evaluate rule both draw through `draw_synthetic`."""

from __future__ import annotations

import logging
import math
import os
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from rgan.config import RunParams
from rgan.data.prepare import PreparedData
from rgan.data.sequences import UNLABELLED, SequenceDataset
from rgan.marginals import REFERENCE_PER_CLASS, REFERENCE_SEED, MarginalMap
from rgan.masks import apply_mask, missing_fill, sample_masks
from rgan.models import Generator, load_generator
from rgan.quantise import quantise, value_levels

MASK_POOL_KEY = "mask_pool"  # the generator.pt entry holding a MaskPool (absent: no masks)
LEVELS_KEY = "value_levels"  # the generator.pt entry holding the data's levels (absent: none)
MARGINALS_KEY = "marginal_map"  # the generator.pt entry holding a MarginalMap (absent: none)

logger = logging.getLogger(__name__)


def sample_sequences(generator: Generator, labels: np.ndarray, seed: int) -> np.ndarray:
    """One sequence per label (ignored by an RGAN), from a noise stream seeded with `seed`: the
    same labels and seed give the same sequences."""
    noise_source = torch.Generator().manual_seed(seed)
    return generator.sample(torch.as_tensor(labels), generator=noise_source).numpy()


@dataclass(frozen=True)
class MaskPool:
    """What synthetic sequences draw class-matched masks from: the training split's masks
    (1 = observed), their labels, and the per-feature fill that hidden real values got."""

    masks: np.ndarray  # (samples, steps, features) float32 of 0 and 1
    labels: np.ndarray  # (samples,) int64
    fill: np.ndarray  # (features,) float32

    @classmethod
    def of(cls, data: PreparedData) -> MaskPool | None:
        """The pool of `data`'s training split; None when the data have no masks."""
        if data.mask is None:
            return None
        masks = data.mask["train"]
        return cls(masks, data.y["train"], missing_fill(data.X["train"], masks))

    def to_payload(self) -> dict[str, Any]:
        """Tensors and plain values (for `torch.load(weights_only=True)`); masks bit-packed."""
        return {
            "shape": list(self.masks.shape),
            "bits": torch.from_numpy(np.packbits(self.masks.astype(bool), axis=None)),
            "labels": torch.from_numpy(self.labels.astype(np.int64)),
            "fill": torch.from_numpy(self.fill.astype(np.float32)),
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> MaskPool:
        shape = tuple(payload["shape"])
        bits = np.unpackbits(payload["bits"].numpy(), count=math.prod(shape))
        return cls(
            bits.reshape(shape).astype(np.float32),
            payload["labels"].numpy(),
            payload["fill"].numpy(),
        )

    def draw(self, labels: np.ndarray, seed: int) -> np.ndarray:
        """One mask per label, from training sequences of that class (any, for UNLABELLED)."""
        return sample_masks(labels, self.masks, self.labels, seed)


def levels_of(data: PreparedData) -> np.ndarray | None:
    """The values the training split takes (where observed), if few: see `rgan.quantise`."""
    return value_levels(data.X["train"], None if data.mask is None else data.mask["train"])


def marginal_map_of(generator: Generator, data: PreparedData) -> MarginalMap:
    """The map from `generator`'s marginals (REFERENCE_PER_CLASS sequences per class, drawn from
    REFERENCE_SEED) onto the training split's, per class for an RCGAN (see `rgan.marginals`)."""
    conditional = generator.spec.conditional
    n_classes = generator.spec.n_classes if conditional else 1
    labels = balanced_labels(n_classes, REFERENCE_PER_CLASS * n_classes)
    generated = sample_sequences(generator, labels, REFERENCE_SEED)
    real_labels = data.y["train"] if conditional else np.full(len(data.y["train"]), UNLABELLED)
    mask = None if data.mask is None else data.mask["train"]
    generated_labels = labels if conditional else np.full(len(labels), UNLABELLED)
    return MarginalMap.fit(generated, generated_labels, data.X["train"], real_labels, mask)


def generator_extras(generator: Generator, data: PreparedData, params: RunParams) -> dict:
    """What generator.pt holds beside the networks: the run's keys and the data's scaler, class
    names, kind and meta; the training split's masks when the data have masks, its values when
    they are few, and the generator's marginal map when the run matches marginals."""
    extra = {
        "params": asdict(params),
        "scaler": asdict(data.scaler),
        "class_names": data.class_names,
        "kind": data.kind,
        "meta": data.meta,
    }
    pool = MaskPool.of(data)
    if pool is not None:
        extra[MASK_POOL_KEY] = pool.to_payload()
    levels = levels_of(data)
    if levels is not None:
        extra[LEVELS_KEY] = torch.from_numpy(levels)
    if params.match_marginals:
        extra[MARGINALS_KEY] = marginal_map_of(generator, data).to_payload()
    return extra


def saved_extras(
    payload: dict[str, Any], round_to_levels: bool = True, match_marginals: bool = True
) -> tuple[MaskPool | None, np.ndarray | None, MarginalMap | None]:
    """The mask pool, value levels and marginal map a generator.pt holds (None where it holds
    none, or where `round_to_levels` or `match_marginals` turn them off); an entry that cannot
    be read raises ValueError naming it."""
    readers = {
        MASK_POOL_KEY: (True, MaskPool.from_payload),
        LEVELS_KEY: (round_to_levels, lambda entry: np.asarray(entry.numpy(), dtype=np.float32)),
        MARGINALS_KEY: (match_marginals, MarginalMap.from_payload),
    }
    extras = []
    for key, (wanted, read) in readers.items():
        try:
            extras.append(read(payload[key]) if wanted and key in payload else None)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ValueError(f"unusable {key!r} ({error!r})") from None
    return tuple(extras)


def draw_synthetic(
    generator: Generator,
    labels: np.ndarray,
    seed: int,
    pool: MaskPool | None,
    levels: np.ndarray | None = None,
    marginals: MarginalMap | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(X, y, masks): `sample_sequences`, mapped by `marginals` and rounded to `levels` where
    given; y is `labels`, or UNLABELLED throughout for an RGAN; with a pool, each sequence
    takes a mask drawn for its y and the fill where it is 0."""
    X = sample_sequences(generator, labels, seed)
    if marginals is not None:
        X = marginals.apply(X, labels, seed)
    if levels is not None:
        X = quantise(X, levels)
    if not generator.spec.conditional:
        labels = np.full(len(labels), UNLABELLED)
    if pool is None:
        return X, labels, None
    masks = pool.draw(labels, seed)
    return apply_mask(X, masks, pool.fill), labels, masks


def balanced_labels(n_classes: int, total: int) -> np.ndarray:
    """`total` labels cycling through the classes, so that every prefix is balanced too."""
    return np.arange(total) % n_classes


def generate_balanced(
    generator_path: str | os.PathLike,
    data: PreparedData,
    samples_per_class: int | None,
    seed: int,
    multiplier: int = 1,
    round_to_levels: bool = True,
    match_marginals: bool = True,
) -> SequenceDataset:
    """Sample `multiplier` × `samples_per_class` per class, or × as many as the training split
    when None (an RGAN draws as many, unlabelled); the first 1/multiplier of them are the 1×
    set. When the data have masks, each sample takes the mask of a random training sample of
    its class; with `match_marginals`, samples go through the generator's marginal map if it
    has one; with `round_to_levels`, when the data take few values, samples take only those."""
    generator, payload = load_generator(generator_path)
    n_classes = generator.spec.n_classes
    n_train = len(data.y["train"])
    total = multiplier * (n_train if samples_per_class is None else samples_per_class * n_classes)
    labels = balanced_labels(n_classes, total)
    levels = levels_of(data) if round_to_levels else None
    if levels is not None:
        logger.info("samples rounded to the %d values the training split takes", len(levels))
    marginals = None
    if match_marginals and MARGINALS_KEY in payload:
        marginals = MarginalMap.from_payload(payload[MARGINALS_KEY])
        logger.info("samples mapped onto the training split's marginals")
    X, labels, masks = draw_synthetic(generator, labels, seed, MaskPool.of(data), levels, marginals)
    return SequenceDataset(
        X=X,
        mask=masks,
        y=labels,
        class_names=payload["class_names"],
        kind=payload["kind"],
        meta=payload["meta"],
    )
