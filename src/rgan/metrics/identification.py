"""Can a face-identity classifier, trained on the real faces of the people in the dataset, name
the person a synthetic face was conditioned on? Compared with how often it names held-out real
faces, this says how identifiable the synthetic people are."""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from rgan.metrics.utility import flattened

EIGENFACES = 100  # principal components kept (fewer when the data have fewer)


def identity_classifier(X: np.ndarray, y: np.ndarray, seed: int) -> Pipeline:
    """Eigenfaces (whitened PCA) and multinomial logistic regression, fitted on real faces."""
    components = min(EIGENFACES, len(X) - 1, X[0].size)
    return make_pipeline(
        PCA(n_components=components, whiten=True, random_state=seed),
        LogisticRegression(max_iter=2000),
    ).fit(flattened(X), y)


def named_with_confidence(
    identifier: Pipeline, X: np.ndarray, y: np.ndarray, confidence: float
) -> tuple[float, float]:
    """(accuracy, share of faces named as identity y with probability ≥ confidence)."""
    probabilities = identifier.predict_proba(flattened(X))
    named = identifier.classes_[probabilities.argmax(axis=1)] == y
    sure = named & (probabilities.max(axis=1) >= confidence)
    return float(named.mean()), float(sure.mean())


def identification(
    train: tuple[np.ndarray, np.ndarray],
    held_out: tuple[np.ndarray, np.ndarray],
    synthetic: tuple[np.ndarray, np.ndarray],
    confidence: float = 0.9,
    seed: int = 0,
) -> dict[str, float]:
    """Accuracy of the identity classifier and the share of faces it names as their identity
    with probability ≥ `confidence`: on held-out real faces (the reference) and on synthetic
    faces (named as their conditioning identity). A synthetic rate near the real one means the
    synthetic faces are as identifiable as photographs of the people."""
    identifier = identity_classifier(*train, seed)
    accuracy_real, rate_real = named_with_confidence(identifier, *held_out, confidence)
    accuracy_synthetic, rate_synthetic = named_with_confidence(identifier, *synthetic, confidence)
    return {
        "identification_accuracy_real": accuracy_real,
        "identification_rate_real": rate_real,
        "identification_accuracy_synthetic": accuracy_synthetic,
        "identification_rate_synthetic": rate_synthetic,
    }
