"""What training measures on the validation split to pick the epoch it exports: MMD² of
generated against real validation sequences and, for labelled data, TSTR; and the fixed-noise
samples of the progress GIF."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rgan.config import RunParams, TrainBudget
from rgan.data.prepare import PreparedData
from rgan.data.static import StaticConditions
from rgan.generate import attributes_for, sample_sequences
from rgan.masks import apply_mask, missing_fill
from rgan.metrics.fidelity import median_bandwidth, mmd2_unbiased
from rgan.metrics.utility import accuracy
from rgan.models import Generator

SNAPSHOT_PER_CLASS = 6
SNAPSHOT_SEED = 12345


def selection_rule(budget: TrainBudget, params: RunParams) -> str:
    """The budget's select_by; an unconditional RGAN has no labels for TSTR, so MMD²."""
    return budget.select_by if params.conditional else "mmd2"


def selection_key(scores: dict[str, float], select_by: str) -> tuple[float, float]:
    """Larger is better: highest val TSTR (ties: lowest MMD²), or lowest val MMD²."""
    if select_by == "tstr":
        return (scores["val_tstr"], -scores["val_mmd2"])
    if select_by == "mmd2":
        return (-scores["val_mmd2"], 0.0)
    raise ValueError(f"unknown select_by {select_by!r}: expected mmd2 or tstr")


class Validator:
    """Validation MMD² of generated against real validation sequences (fixed noise, bandwidth
    fixed from real data, so that epochs compare) and, when selecting by it, validation TSTR:
    logistic regression trained on the generated sequences, tested on the real ones, beside
    its reference, validation TRTR (the same classifier trained on the real training split),
    computed once. With `static`, sequences are generated for the validation sequences'
    attributes."""

    def __init__(
        self,
        data: PreparedData,
        n_samples: int,
        seed: int,
        with_tstr: bool,
        static: bool = False,
    ):
        self.X_val, self.y_val = data.X["val"], data.y["val"]
        repeats = math.ceil(n_samples / len(self.y_val))
        self.labels = np.tile(self.y_val, repeats)[:n_samples]
        self.static = None
        if static:
            encoded = data.static_encoder.encode(data.static["val"])
            self.static = np.tile(encoded, (repeats, 1))[:n_samples]
        self.masks = self.fill = None
        if data.mask is not None:  # generated sequences get the validation masks and fill
            self.masks = np.tile(data.mask["val"], (repeats, 1, 1))[:n_samples]
            self.fill = missing_fill(data.X["train"], data.mask["train"])
        self.bandwidth = median_bandwidth(data.X["train"], self.X_val)
        self.seed, self.with_tstr = seed, with_tstr
        self.trtr = (
            accuracy(
                "logistic_regression",
                (data.X["train"], data.y["train"]),
                (self.X_val, self.y_val),
                0,
            )
            if with_tstr
            else math.nan
        )

    def __call__(self, generator: Generator) -> dict[str, float]:
        samples = sample_sequences(generator, self.labels, self.seed, self.static)
        if self.masks is not None:
            samples = apply_mask(samples, self.masks, self.fill)
        scores = {"val_mmd2": float(mmd2_unbiased(samples, self.X_val, self.bandwidth))}
        scores["val_tstr"] = (
            float(
                accuracy("logistic_regression", (samples, self.labels), (self.X_val, self.y_val), 0)
            )
            if self.with_tstr
            else math.nan
        )
        scores["val_trtr"] = self.trtr
        return scores


def snapshot_samples(
    generator: Generator, n_classes: int, conditions: StaticConditions | None = None
) -> np.ndarray:
    """Samples from the same noise (and attributes) at every snapshot: SNAPSHOT_PER_CLASS per
    class, in order."""
    labels = np.arange(n_classes).repeat(SNAPSHOT_PER_CLASS)
    _, encoded = attributes_for(generator, conditions, labels, SNAPSHOT_SEED)
    return sample_sequences(generator, labels, SNAPSHOT_SEED, encoded)


def time_to_quality(history: pd.DataFrame, thresholds: list[float]) -> dict[float, float | None]:
    """For each threshold, the training seconds (log.csv's `seconds`) at the first validation
    whose TSTR/TRTR ratio (`val_tstr / val_trtr`) reached it; None if none did."""
    ratio = history["val_tstr"] / history["val_trtr"]
    reached = {}
    for threshold in thresholds:
        hits = history.loc[ratio >= threshold, "seconds"]
        reached[threshold] = float(hits.iloc[0]) if len(hits) else None
    return reached
