"""Marginal matching (run key `match_marginals`): a documented post-processing of generated
values. For every class and every (step, feature) position, a monotone map sends the
generator's distribution of that value onto the training split's (quantile mapping): a sample
at the generator's q-th percentile there gets the training data's q-th percentile. Each value
keeps its rank, so the sequence's shape is the generator's; what changes is that per-pixel
intensities, background fractions and value histograms follow the data's, which a tree-based
detector otherwise reads at once. The map reads the generator's values before its output
bound (clip or tanh): values the bound would tie keep the generator's own order, so where the
data's background is rarer than the generator's, the pixels that turn into ink are those the
generator put closest to it, next to its strokes, not random ones (ties, as in maps saved
before this, are spread at random over their run). The map is fitted once, when training
ends, from a fixed-seed draw of the exported generator, and saved in generator.pt (QUANTILES
quantiles of each side per class and position), so `rgan sample` maps as the workflow does."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from rgan.data.sequences import UNLABELLED

QUANTILES = 100  # quantiles kept per class and position, of the generator's values and the data's
REFERENCE_PER_CLASS = 1000  # generated sequences per class the generator's quantiles come from
REFERENCE_SEED = 54321  # the noise of that draw (fixed: the map is a function of the generator)
PROBABILITIES = (np.arange(QUANTILES) + 0.5) / QUANTILES


@dataclass(frozen=True)
class MarginalMap:
    """Per group (class, or one group for unlabelled data) and position: the generator's
    quantiles and the training data's at PROBABILITIES, each (groups, QUANTILES, steps,
    features); `before_bound`: the generator's side holds its values before the output bound
    (False in maps saved before that, which map bounded values)."""

    generated: np.ndarray
    real: np.ndarray
    before_bound: bool = False

    @classmethod
    def fit(
        cls,
        generated: np.ndarray,
        generated_labels: np.ndarray,
        real: np.ndarray,
        real_labels: np.ndarray,
        real_mask: np.ndarray | None = None,
        emitted: np.ndarray | None = None,
    ) -> MarginalMap:
        """The map from `generated` to `real`, per class (unlabelled: one group). With
        `real_mask`, only observed real values count; a position never observed in a class
        keeps the generator's values there. With `emitted` (the generator's output of which
        `generated` are the values before the output bound), the map is `before_bound`, and
        unobserved positions take the emitted values."""
        before_bound = emitted is not None
        labelled = (real_labels != UNLABELLED).any()
        groups = np.unique(real_labels) if labelled else np.array([UNLABELLED])
        if labelled and not np.array_equal(groups, np.arange(len(groups))):
            raise ValueError(f"class labels must be 0..n-1 to match marginals, got {groups}")
        values = real.astype(np.float64)
        if real_mask is not None:
            values = np.where(real_mask.astype(bool), values, np.nan)
        generated_q, real_q = [], []
        for group in groups:
            own = generated_labels == group if labelled else slice(None)
            theirs = values[real_labels == group] if labelled else values
            ours = generated[own].astype(np.float64)
            if len(ours) == 0:
                raise ValueError(f"no generated sequences of class {group} to fit the map from")
            g = np.quantile(ours, PROBABILITIES, axis=0)
            if emitted is None:  # the values as emitted, for positions the data never show
                e = g
            else:
                e = np.quantile(emitted[own].astype(np.float64), PROBABILITIES, axis=0)
            with warnings.catch_warnings():  # a position never observed: all NaN, handled below
                warnings.simplefilter("ignore", RuntimeWarning)
                r = np.nanquantile(theirs, PROBABILITIES, axis=0) if len(theirs) else e
            generated_q.append(g)
            real_q.append(np.where(np.isnan(r), e, r))
        generated_q, real_q = np.stack(generated_q), np.stack(real_q)
        return cls(generated_q.astype(np.float32), real_q.astype(np.float32), before_bound)

    def apply(self, X: np.ndarray, labels: np.ndarray, seed: int) -> np.ndarray:
        """`X` with every value mapped by its class's (or the one group's) map at its position;
        `seed` draws the places of tied values (see `map_values`)."""
        rng = np.random.default_rng(seed)
        groups = np.zeros(len(labels), np.int64) if len(self.generated) == 1 else labels
        if len(groups) and (groups.min() < 0 or groups.max() >= len(self.generated)):
            raise ValueError(
                f"labels {sorted(set(groups.tolist()))} outside the map's "
                f"{len(self.generated)} classes"
            )
        flat = X.reshape(len(X), -1)
        out = np.empty_like(flat)
        generated = self.generated.reshape(len(self.generated), QUANTILES, -1)
        real = self.real.reshape(len(self.real), QUANTILES, -1)
        for group in np.unique(groups):
            rows = groups == group
            for position in range(flat.shape[1]):
                out[rows, position] = map_values(
                    flat[rows, position],
                    generated[group, :, position],
                    real[group, :, position],
                    rng,
                )
        return out.reshape(X.shape)

    def to_payload(self) -> dict[str, Any]:
        return {
            "generated": torch.from_numpy(self.generated),
            "real": torch.from_numpy(self.real),
            "before_bound": self.before_bound,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> MarginalMap:
        before_bound = bool(payload.get("before_bound", False))
        return cls(payload["generated"].numpy(), payload["real"].numpy(), before_bound)


def map_values(
    x: np.ndarray, source: np.ndarray, target: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Quantile mapping of `x` from the sorted quantiles `source` onto `target` (both at
    PROBABILITIES): a value between two source quantiles is interpolated between the matching
    targets; values beyond the ends take the end targets; a value equal to several source
    quantiles (a tie, such as outputs clipped to a bound) takes a uniformly random place in the
    probabilities they span (the randomised probability integral transform), so that a tie
    spread over several of the data's values is spread over them as the data are."""
    grid = np.arange(len(source), dtype=np.float64)
    lower = np.searchsorted(source, x, side="left")
    upper = np.searchsorted(source, x, side="right")
    inside = np.clip(lower, 1, len(source) - 1)
    left, right = source[inside - 1], source[inside]
    step = np.where(right > left, right - left, 1.0)
    between = inside - 1 + np.clip((x - left) / step, 0.0, 1.0)
    tied = lower - 0.5 + rng.random(len(x)) * (upper - lower)
    position = np.clip(np.where(upper - lower > 1, tied, between), 0, len(source) - 1)
    return np.interp(position, grid, target).astype(x.dtype)
