"""Whether synthetic sequences carry the static attributes they were generated for: for every
attribute, a model trained on real training sequences to predict it, scored on the synthetic
sequences against their attributes (TRTS); one trained on the synthetic sequences, scored on
real test sequences (TSTR); and their reference, trained and scored on real data (TRTR).
Categorical attributes: logistic regression's accuracy; continuous ones: ridge regression's R².
Sequences whose attribute is missing are left out."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from rgan.data.static import CONTINUOUS, Attribute

Labelled = tuple[np.ndarray, np.ndarray]  # sequences (samples, steps, features), attributes
SCHEMES = {"trtr": ("train", "test"), "tstr": ("synthetic", "test"), "trts": ("train", "synthetic")}


def column_name(name: str) -> str:
    """An attribute's name as part of a CSV column: lower case, letters, digits and _."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "attribute"


def attribute_score(attribute: Attribute, fit_on: Labelled, score_on: Labelled, seed: int) -> float:
    """R² (continuous) or accuracy (categorical) of a model of `fit_on` on `score_on`; NaN
    when either has too few observed values (or a single category to learn from)."""
    fit_X, fit_values = observed(fit_on)
    score_X, score_values = observed(score_on)
    if len(fit_values) < 2 or len(score_values) < 2:
        return math.nan
    if attribute.kind == CONTINUOUS:
        model = make_pipeline(StandardScaler(), Ridge(alpha=1.0))
        model.fit(fit_X, fit_values)
        return float(r2_score(score_values, model.predict(score_X)))
    if len(np.unique(fit_values)) < 2:
        return math.nan
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=seed))
    model.fit(fit_X, fit_values.astype(np.int64))
    return float(accuracy_score(score_values.astype(np.int64), model.predict(score_X)))


def observed(data: Labelled) -> tuple[np.ndarray, np.ndarray]:
    """Flattened sequences and values of one attribute, where the value is not missing."""
    X, values = data
    keep = np.isfinite(values)
    return X[keep].reshape(int(keep.sum()), -1), values[keep]


def attribute_scores(
    attributes: Sequence[Attribute],
    train: Labelled,
    test: Labelled,
    synthetic: Labelled,
    seed: int,
) -> dict[str, float]:
    """`static_<scheme>_<attribute>` for the schemes trtr, tstr and trts (see the module)."""
    sets = {"train": train, "test": test, "synthetic": synthetic}
    scores = {}
    for column, attribute in enumerate(attributes):
        for scheme, (fit_on, score_on) in SCHEMES.items():
            fit_set, score_set = sets[fit_on], sets[score_on]
            scores[f"static_{scheme}_{column_name(attribute.name)}"] = attribute_score(
                attribute,
                (fit_set[0], fit_set[1][:, column]),
                (score_set[0], score_set[1][:, column]),
                seed,
            )
    return scores
