"""Generated lengths of synthetic sequences with masks (padded or shorter series, stays shorter
than the grid). A sequence's length is the number of steps up to its last observed one. A
synthetic sequence draws its length from the training sequences of its class, among the
NEIGHBOURS nearest to its attributes when the generator sees static attributes (an empirical
conditional distribution of length given class and attributes), and takes the missingness
pattern of a training sequence of its class at least that long, cut after that length. The
two-sample Kolmogorov-Smirnov statistic compares real and synthetic lengths, per class."""

from __future__ import annotations

import numpy as np
from scipy.stats import ks_2samp

LENGTHS = ("generate", "copy")  # copy: the whole mask of one training sequence of the class
NEIGHBOURS = 10  # training sequences whose lengths a sequence with attributes draws from


def sequence_lengths(masks: np.ndarray) -> np.ndarray:
    """Steps up to and including the last one with anything observed (0: nothing observed)."""
    observed = masks.reshape(len(masks), masks.shape[1], -1).max(axis=2) > 0
    last = observed.shape[1] - np.argmax(observed[:, ::-1], axis=1)
    return np.where(observed.any(axis=1), last, 0)


def generated_masks(
    labels: np.ndarray,
    masks: np.ndarray,
    mask_labels: np.ndarray,
    seed: int,
    attributes: np.ndarray | None = None,
    mask_attributes: np.ndarray | None = None,
) -> np.ndarray:
    """One mask per label: a length drawn from the training lengths of its class (of the
    NEIGHBOURS training sequences of its class nearest to its encoded `attributes`, given
    `mask_attributes` for the pool), then the mask of a training sequence of its class at least
    that long, cut after it. Labels the pool does not have draw from the whole pool."""
    rng = np.random.default_rng(seed)
    lengths = sequence_lengths(masks)
    steps = np.arange(masks.shape[1])
    out = np.empty((len(labels), *masks.shape[1:]), dtype=np.float32)
    for label in np.unique(labels):
        members = np.flatnonzero(mask_labels == label)
        if len(members) == 0:
            members = np.arange(len(masks))
        for row in np.flatnonzero(labels == label):
            candidates = members
            if attributes is not None:
                distances = np.linalg.norm(mask_attributes[members] - attributes[row], axis=1)
                candidates = members[np.argsort(distances, kind="stable")[:NEIGHBOURS]]
            length = lengths[rng.choice(candidates)]
            donor = rng.choice(members[lengths[members] >= length])
            out[row] = masks[donor] * (steps < length)[:, None]
    return out


def length_statistics(
    real: np.ndarray, real_labels: np.ndarray, synthetic: np.ndarray, synthetic_labels: np.ndarray
) -> tuple[dict[str, float], dict[int, float]]:
    """(scores, per class): `length_ks`, the two-sample Kolmogorov-Smirnov statistic of real
    and synthetic lengths (0: the same distribution, 1: disjoint) and its p-value
    `length_ks_p_value`; the statistic of each class present on both sides."""
    real_lengths, synthetic_lengths = sequence_lengths(real), sequence_lengths(synthetic)
    overall = ks_2samp(real_lengths, synthetic_lengths)
    per_class = {
        int(label): float(
            ks_2samp(
                real_lengths[real_labels == label], synthetic_lengths[synthetic_labels == label]
            ).statistic
        )
        for label in np.intersect1d(real_labels, synthetic_labels)
    }
    scores = {"length_ks": float(overall.statistic), "length_ks_p_value": float(overall.pvalue)}
    return scores, per_class
