"""Synthetic data from a trained generator: labelled with classes balanced (RCGAN), or
unlabelled (RGAN); with observation masks of generated lengths (`rgan.lengths`), or copied from
real sequences of the same class, when the data have masks; for the attributes of training
records of the same class (or requested ones) when the run sees static attributes; mapped onto
the training data's marginals when the run matches them (`rgan.marginals`); rounded to the
training data's values when those are few (`rgan.quantise`). `rgan sample` and the evaluate
rule both draw through `draw_synthetic`."""

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
from rgan.data.static import StaticConditions
from rgan.lengths import LENGTHS, generated_masks
from rgan.marginals import REFERENCE_PER_CLASS, REFERENCE_SEED, MarginalMap
from rgan.masks import apply_mask, draw_by_class, missing_fill
from rgan.models import Generator, load_generator
from rgan.quantise import quantise, value_levels

MASK_POOL_KEY = "mask_pool"  # the generator.pt entry holding a MaskPool (absent: no masks)
LEVELS_KEY = "value_levels"  # the generator.pt entry holding the data's levels (absent: none)
MARGINALS_KEY = "marginal_map"  # the generator.pt entry holding a MarginalMap (absent: none)
STATIC_KEY = "static_conditions"  # the entry holding StaticConditions (absent: no attributes)

logger = logging.getLogger(__name__)


def sample_sequences(
    generator: Generator,
    labels: np.ndarray,
    seed: int,
    static: np.ndarray | None = None,
    bound: bool = True,
) -> np.ndarray:
    """One sequence per label (ignored by an RGAN) and row of encoded attributes (for a
    generator that sees them), from a noise stream seeded with `seed`: the same labels,
    attributes and seed give the same sequences (with `bound` False, as the generator's head
    gives them before its output bound)."""
    noise_source = torch.Generator().manual_seed(seed)
    encoded = None if static is None else torch.as_tensor(static)
    labels = torch.as_tensor(labels)
    return generator.sample(labels, noise_source, static=encoded, bound=bound).numpy()


def conditions_of(data: PreparedData) -> StaticConditions | None:
    """The training split's attributes, encoder and labels; None when the data have none."""
    if data.static is None:
        return None
    return StaticConditions(data.static_encoder, data.static["train"], data.y["train"])


def attributes_for(
    generator: Generator,
    conditions: StaticConditions | None,
    labels: np.ndarray,
    seed: int,
    static: np.ndarray | None = None,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(attributes, their encoding) for a generator that sees static attributes: `static` as
    requested (checked against the training range), else training records' of each label's
    class drawn with `seed`; (None, None) for a generator that does not."""
    if not generator.spec.static_width:
        return None, None
    if conditions is None:
        raise ValueError("the generator sees static attributes, but has no attribute encoder")
    if static is None:
        static = conditions.draw(labels, seed)
    conditions.encoder.check(static, "requested attributes")
    return static, conditions.encoder.encode(static)


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

    def draw(
        self,
        labels: np.ndarray,
        seed: int,
        lengths: str = "generate",
        attributes: np.ndarray | None = None,
        mask_attributes: np.ndarray | None = None,
    ) -> np.ndarray:
        """One mask per label, from training sequences of that class (any, for UNLABELLED):
        with `lengths` "generate", of a length drawn for the class (and the encoded
        `attributes`, given the pool's `mask_attributes`; rgan.lengths.generated_masks); with
        "copy", a whole training sequence's mask."""
        if lengths not in LENGTHS:
            raise ValueError(f"unknown lengths {lengths!r}: expected one of {LENGTHS}")
        if lengths == "copy":
            return draw_by_class(labels, self.masks, self.labels, seed)
        return generated_masks(labels, self.masks, self.labels, seed, attributes, mask_attributes)


def levels_of(data: PreparedData) -> np.ndarray | None:
    """The values the training split takes (where observed), if few: see `rgan.quantise`."""
    return value_levels(data.X["train"], None if data.mask is None else data.mask["train"])


def marginal_map_of(generator: Generator, data: PreparedData) -> MarginalMap:
    """The map from `generator`'s marginals (REFERENCE_PER_CLASS sequences per class, drawn from
    REFERENCE_SEED, before its output bound) onto the training split's, per class for an RCGAN
    (see `rgan.marginals`)."""
    conditional = generator.spec.conditional
    n_classes = generator.spec.n_classes if conditional else 1
    labels = balanced_labels(n_classes, REFERENCE_PER_CLASS * n_classes)
    _, encoded = attributes_for(generator, conditions_of(data), labels, REFERENCE_SEED)
    generated = sample_sequences(generator, labels, REFERENCE_SEED, encoded, bound=False)
    emitted = generator.bound(torch.from_numpy(generated)).numpy()
    real_labels = data.y["train"] if conditional else np.full(len(data.y["train"]), UNLABELLED)
    mask = None if data.mask is None else data.mask["train"]
    generated_labels = labels if conditional else np.full(len(labels), UNLABELLED)
    return MarginalMap.fit(generated, generated_labels, data.X["train"], real_labels, mask, emitted)


def generator_extras(generator: Generator, data: PreparedData, params: RunParams) -> dict:
    """What generator.pt holds beside the networks: the run's keys and the data's scaler, class
    names, kind and meta; the training split's masks when the data have masks, its values when
    they are few, its attributes and their encoder when the generator sees them, and the
    generator's marginal map when the run matches marginals."""
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
    if generator.spec.static_width:
        extra[STATIC_KEY] = conditions_of(data).to_payload()
    if params.match_marginals:
        extra[MARGINALS_KEY] = marginal_map_of(generator, data).to_payload()
    return extra


@dataclass(frozen=True)
class Extras:
    """What sampling takes from a generator.pt beside the networks (None where it holds none,
    or where it is turned off)."""

    pool: MaskPool | None
    levels: np.ndarray | None
    marginals: MarginalMap | None
    conditions: StaticConditions | None


def saved_extras(
    payload: dict[str, Any], round_to_levels: bool = True, match_marginals: bool = True
) -> Extras:
    """The mask pool, value levels, marginal map and attribute conditions a generator.pt holds
    (None where it holds none, or where `round_to_levels` or `match_marginals` turn them off);
    an entry that cannot be read raises ValueError naming it."""
    readers = {
        MASK_POOL_KEY: (True, MaskPool.from_payload),
        LEVELS_KEY: (round_to_levels, lambda entry: np.asarray(entry.numpy(), dtype=np.float32)),
        MARGINALS_KEY: (match_marginals, MarginalMap.from_payload),
        STATIC_KEY: (True, StaticConditions.from_payload),
    }
    extras = []
    for key, (wanted, read) in readers.items():
        try:
            extras.append(read(payload[key]) if wanted and key in payload else None)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ValueError(f"unusable {key!r} ({error!r})") from None
    return Extras(*extras)


@dataclass(frozen=True)
class Drawn:
    """Synthetic sequences, their labels, masks (None without) and attributes (None without)."""

    X: np.ndarray
    y: np.ndarray
    masks: np.ndarray | None
    static: np.ndarray | None


def draw_synthetic(
    generator: Generator,
    labels: np.ndarray,
    seed: int,
    extras: Extras,
    static: np.ndarray | None = None,
    lengths: str = "generate",
) -> Drawn:
    """`sample_sequences` for the attributes of `attributes_for` (requested `static`, or
    resampled), mapped by the extras' marginal map and rounded to their levels where given; y
    is `labels`, or UNLABELLED throughout for an RGAN; with a mask pool, each sequence takes a
    mask drawn for its y (`MaskPool.draw`: a generated length, or with `lengths` "copy" the
    mask of the training record its resampled attributes came from) and the fill where it is
    0."""
    static, encoded = attributes_for(generator, extras.conditions, labels, seed, static)
    pool, levels, marginals = extras.pool, extras.levels, extras.marginals
    bound = marginals is None or not marginals.before_bound
    X = sample_sequences(generator, labels, seed, encoded, bound)
    if marginals is not None:
        X = marginals.apply(X, labels, seed)
    if levels is not None:
        X = quantise(X, levels)
    if not generator.spec.conditional:
        labels = np.full(len(labels), UNLABELLED)
    if pool is None:
        return Drawn(X, labels, None, static)
    pool_encoded = None
    if encoded is not None:
        pool_encoded = extras.conditions.encoder.encode(extras.conditions.rows)
    masks = pool.draw(labels, seed, lengths, encoded, pool_encoded)
    return Drawn(apply_mask(X, masks, pool.fill), labels, masks, static)


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
    lengths: str = "generate",
) -> SequenceDataset:
    """Sample `multiplier` × `samples_per_class` per class, or × as many as the training split
    when None (an RGAN draws as many, unlabelled); the first 1/multiplier of them are the 1×
    set. When the data have masks, each sample takes a mask of its class (`lengths`: see
    `draw_synthetic`); with `match_marginals`, samples go through the generator's marginal map if it
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
    extras = Extras(MaskPool.of(data), levels, marginals, conditions_of(data))
    drawn = draw_synthetic(generator, labels, seed, extras, lengths=lengths)
    return SequenceDataset(
        X=drawn.X,
        mask=drawn.masks,
        y=drawn.y,
        class_names=payload["class_names"],
        kind=payload["kind"],
        meta=payload["meta"],
        static=drawn.static,
        attributes=data.attributes if drawn.static is not None else [],
    )
