"""Fidelity and privacy per class (rgan.metrics.per_class): a class the generator gets wrong, or
copies from its training data, is flagged on that class and not on the others."""

from __future__ import annotations

import math

import numpy as np

from rgan.metrics.fidelity import median_bandwidth
from rgan.metrics.per_class import per_class_scores, worst_class

NOISE, COPIED = 3, 5


def test_a_class_replaced_by_noise_or_copied_from_training_is_the_flagged_one(digits):
    """Synthetic digits: real held-out ones (the validation split, never trained on) for every
    class but two, uniform noise for NOISE and the training sequences themselves for COPIED."""
    train, test = (digits.X["train"], digits.y["train"]), (digits.X["test"], digits.y["test"])
    X_val, y_val = digits.X["val"], digits.y["val"]
    noise = np.random.default_rng(0).uniform(-1, 1, size=(40, *X_val.shape[1:]))
    copies = train[0][train[1] == COPIED]
    keep = (y_val != NOISE) & (y_val != COPIED)
    synthetic = (
        np.concatenate([X_val[keep], noise.astype(np.float32), copies]),
        np.concatenate([y_val[keep], np.full(40, NOISE), np.full(len(copies), COPIED)]),
    )
    names = digits.class_names
    bandwidth = median_bandwidth(train[0], test[0])
    scores = per_class_scores(synthetic, train, test, names, bandwidth, private=True)
    assert list(scores) == names

    worst = worst_class(scores)
    assert worst["worst_class_mmd2_class"] == worst["worst_class_detection_strongest_class"]
    assert worst["worst_class_mmd2_class"] == names[NOISE]
    assert worst["worst_class_detection_strongest"] >= 0.45  # noise: told apart every time
    assert worst["worst_class_mia_auc_class"] == worst["worst_class_dcr_ratio_class"]
    assert worst["worst_class_mia_auc_class"] == names[COPIED]
    assert worst["worst_class_mia_auc"] > 0.9 and worst["worst_class_dcr_ratio"] == 0.0

    others = [name for label, name in enumerate(names) if label not in (NOISE, COPIED)]
    for name in others:  # real held-out digits: not flagged
        assert scores[name]["mmd2"] < 0.2 * scores[names[NOISE]]["mmd2"]
        assert scores[name]["detection_strongest"] < 0.35
        assert abs(scores[name]["mia_auc"] - 0.5) < 0.25
        assert scores[name]["dcr_ratio"] > 0.7
    assert scores[names[COPIED]]["detection_strongest"] < 0.35  # copies look real
    assert scores[names[NOISE]]["dcr_ratio"] > 1.5  # noise sits far from every training digit


def test_without_held_out_data_only_fidelity_is_scored_per_class(digits):
    train, test = (digits.X["train"], digits.y["train"]), (digits.X["test"], digits.y["test"])
    scores = per_class_scores(train, train, test, digits.class_names[:2], 1.0, private=False)
    assert list(scores) == digits.class_names[:2]
    assert all(
        math.isnan(row["mia_auc"]) and math.isnan(row["dcr_ratio"]) for row in scores.values()
    )
    worst = worst_class(scores)
    assert math.isnan(worst["worst_class_mia_auc"]) and worst["worst_class_mia_auc_class"] == ""
    assert worst["worst_class_mmd2_class"] in digits.class_names[:2]
