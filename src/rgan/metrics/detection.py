"""Detection scores: how well strong, fast off-the-shelf classifiers on the flattened sequences
tell synthetic from real test sequences. A recurrent discriminative score alone can flatter a
generator that a simple detector sees through (real digits take 17 discrete values, synthetic
ones are continuous: a random forest splits on that at once), so the report leads with the
strongest of all detectors, the GRU's discriminative score included.

Protocol, per detector: equal numbers of real and synthetic sequences (the larger side randomly
subsampled, both at most `max_points`), flattened to one vector each; a stratified 70/30 split
(the 30 % held out is twice the GRU's 20 %: the score's binomial noise shrinks, and
stratification keeps the held-out classes exactly balanced, so chance is exactly 0.5); score =
|accuracy − 0.5| on the held-out part: 0 means indistinguishable, 0.5 perfectly told apart."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from rgan.metrics.posthoc import discriminative_score
from rgan.metrics.privacy import equal_sizes

DETECTORS = ("random_forest", "hist_gradient_boosting")
# The name `detection_strongest_by` gives the GRU of TimeGAN's discriminative score.
GRU = "gru"
HELD_OUT = 0.3


def make_detector(name: str, seed: int, threads: int):
    if name == "random_forest":
        return RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=threads)
    if name == "hist_gradient_boosting":
        return HistGradientBoostingClassifier(random_state=seed)
    raise ValueError(f"unknown detector {name!r}; expected one of {', '.join(DETECTORS)}")


def detection_split(
    real: np.ndarray, synthetic: np.ndarray, seed: int, max_points: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_fit, X_held_out, y_fit, y_held_out) of equal numbers of flattened real (label 1) and
    synthetic (label 0) sequences, split stratified 70/30."""
    real, synthetic = equal_sizes(real, synthetic, seed, max_points)
    X = np.concatenate([real, synthetic]).reshape(2 * len(real), -1).astype(np.float32)
    y = np.concatenate([np.ones(len(real), np.int64), np.zeros(len(synthetic), np.int64)])
    return train_test_split(X, y, test_size=HELD_OUT, stratify=y, random_state=seed)


def detection_scores(
    real: np.ndarray,
    synthetic: np.ndarray,
    seed: int = 0,
    max_points: int | None = 2000,
    threads: int = 1,
    detectors: tuple[str, ...] = DETECTORS,
) -> dict[str, float]:
    """`detection_<detector>`: |held-out accuracy − 0.5| of each detector trained to tell real
    from synthetic sequences (all detectors see the same split)."""
    X_fit, X_held_out, y_fit, y_held_out = detection_split(real, synthetic, seed, max_points)
    scores = {}
    # Histogram gradient boosting parallelises with OpenMP only: cap it at the rule's threads.
    with threadpool_limits(limits=threads, user_api="openmp"):
        for name in detectors:
            model = make_detector(name, seed, threads).fit(X_fit, y_fit)
            accuracy = float((model.predict(X_held_out) == y_held_out).mean())
            scores[f"detection_{name}"] = abs(accuracy - 0.5)
    return scores


def strongest_detection(scores: dict[str, float], discriminative_score: float | None) -> dict:
    """`detection_strongest`: the largest detection score, the GRU's `discriminative_score`
    included, and `detection_strongest_by`: the detector that scored it (`gru`, or the name in
    `detection_<name>`; on a tie the first of gru, then the order of `scores`). Missing scores
    (None or NaN) are left out."""
    candidates = {GRU: discriminative_score} | {
        column.removeprefix("detection_"): value for column, value in scores.items()
    }
    candidates = {
        name: float(value)
        for name, value in candidates.items()
        if value is not None and not np.isnan(value)
    }
    if not candidates:
        return {"detection_strongest": float("nan"), "detection_strongest_by": ""}
    by = max(candidates, key=candidates.__getitem__)
    return {"detection_strongest": candidates[by], "detection_strongest_by": by}


def all_detectors(
    real: np.ndarray, synthetic: np.ndarray, seed: int, max_points: int, threads: int
) -> dict:
    """TimeGAN's discriminative score (the GRU), each detector's score, and the strongest."""
    discriminative = discriminative_score(real, synthetic, seed, max_points)
    scores = detection_scores(real, synthetic, seed, max_points, threads)
    return {
        "discriminative_score": discriminative,
        **scores,
        **strongest_detection(scores, discriminative),
    }
