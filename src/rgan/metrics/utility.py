"""Utility of synthetic data: TSTR, TRTS and TRTR accuracy with scikit-learn classifiers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

CLASSIFIERS: dict[str, Callable[[int], ClassifierMixin]] = {
    "logistic_regression": lambda seed: make_pipeline(
        StandardScaler(), LogisticRegression(max_iter=2000, random_state=seed)
    ),
    "random_forest": lambda seed: RandomForestClassifier(
        n_estimators=200, random_state=seed, n_jobs=1
    ),
}


def accuracy(
    name: str,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    seed: int,
) -> float:
    """Fit classifier `name` on flattened `train` sequences, return accuracy on `test`."""
    model = CLASSIFIERS[name](seed)
    X_train, y_train = train
    X_test, y_test = test
    model.fit(X_train.reshape(len(X_train), -1), y_train)
    return float(accuracy_score(y_test, model.predict(X_test.reshape(len(X_test), -1))))


def utility_scores(
    real_train: tuple[np.ndarray, np.ndarray],
    real_test: tuple[np.ndarray, np.ndarray],
    synthetic: tuple[np.ndarray, np.ndarray] | None,
    classifiers: list[str],
    seed: int = 0,
) -> dict[str, float]:
    """trtr_, tstr_, trts_ accuracy and tstr_trtr_ratio_ for each classifier; without labelled
    synthetic data (an RGAN's) only TRTR, the others NaN."""
    nan = float("nan")
    scores: dict[str, float] = {}
    for name in classifiers:
        trtr = accuracy(name, real_train, real_test, seed)
        tstr = nan if synthetic is None else accuracy(name, synthetic, real_test, seed)
        scores[f"trtr_{name}"] = trtr
        scores[f"tstr_{name}"] = tstr
        scores[f"trts_{name}"] = (
            nan if synthetic is None else accuracy(name, real_train, synthetic, seed)
        )
        scores[f"tstr_trtr_ratio_{name}"] = tstr / trtr if trtr > 0 else nan
    return scores
