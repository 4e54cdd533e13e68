"""Fidelity and privacy per class: a generator that does well on nine classes and collapses (or
copies its training data) on the tenth hides in scores over all classes together. Each class's
synthetic sequences are scored against that class's real ones; the results table keeps the
worst class's value and which class it is."""

from __future__ import annotations

import math

import numpy as np

from rgan.metrics.detection import all_detectors
from rgan.metrics.fidelity import mmd2_unbiased
from rgan.metrics.privacy import closest_distances, equal_sizes, membership_inference

# Each per-class score, and whether a larger value is the worse one.
LARGER_IS_WORSE = {
    "mmd2": True,
    "detection_strongest": True,
    "mia_auc": True,
    "dcr_ratio": False,
}


def dcr_ratio(synthetic: np.ndarray, train: np.ndarray, held_out: np.ndarray) -> float:
    """Median distance from synthetic sequences to their closest training sequence, over the
    same for held-out real sequences: about 1 or more when the generator sits no closer to its
    training data than unseen real data do; near 0 when it copies training records."""
    held_out_median = float(np.median(closest_distances(held_out, train)))
    return float(np.median(closest_distances(synthetic, train))) / held_out_median


def class_scores(
    synthetic: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    bandwidth: float,
    private: bool,
    seed: int,
    max_points: int,
    threads: int,
) -> dict[str, float]:
    """One class's scores: MMD² against its real test sequences (at the bandwidth of the
    scores over all classes), the strongest detection score, and, when held-out data exist
    (`private`), the membership-inference AUC and the distance-to-closest-record ratio."""
    scores = {
        "mmd2": mmd2_unbiased(*equal_sizes(synthetic, test, seed, max_points), bandwidth),
        "detection_strongest": all_detectors(test, synthetic, seed, max_points, threads)[
            "detection_strongest"
        ],
        "mia_auc": math.nan,
        "dcr_ratio": math.nan,
    }
    if private:
        scores["mia_auc"] = membership_inference(synthetic, train, test, seed)["auc"]
        scores["dcr_ratio"] = dcr_ratio(synthetic, train, test)
    return scores


def per_class_scores(
    synthetic: tuple[np.ndarray, np.ndarray],
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    class_names: list[str],
    bandwidth: float,
    private: bool,
    seed: int = 0,
    max_points: int = 2000,
    threads: int = 1,
) -> dict[str, dict[str, float]]:
    """{class name: class_scores} for every class with synthetic, training and test sequences;
    each (X, y) pair holds class ids into `class_names`."""
    scores = {}
    for label, name in enumerate(class_names):
        parts = [X[y == label] for X, y in (synthetic, train, test)]
        if min(len(part) for part in parts) >= 2:
            scores[name] = class_scores(*parts, bandwidth, private, seed, max_points, threads)
    return scores


def worst_class(scores: dict[str, dict[str, float]]) -> dict[str, float | str]:
    """`worst_class_<score>`: the worst class's value of each score (the largest, or for
    dcr_ratio the smallest), and `worst_class_<score>_class`: its name; NaN and "" when no
    class has the score."""
    columns: dict[str, float | str] = {}
    for score, larger_is_worse in LARGER_IS_WORSE.items():
        values = {name: row[score] for name, row in scores.items() if not math.isnan(row[score])}
        pick = max if larger_is_worse else min
        name = pick(values, key=values.__getitem__) if values else ""
        columns[f"worst_class_{score}"] = values[name] if values else math.nan
        columns[f"worst_class_{score}_class"] = name
    return columns
