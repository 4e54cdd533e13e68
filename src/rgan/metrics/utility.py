"""Utility of synthetic data: TSTR, TRTS and TRTR with scikit-learn, aeon and PyTorch
classifiers, each repeated over seeds and reported as mean and standard deviation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, average_precision_score, f1_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from rgan.metrics.cnn import SequenceCNN

Data = tuple[np.ndarray, np.ndarray]


def flattened(X: np.ndarray) -> np.ndarray:
    return X.reshape(len(X), -1)


MINIROCKET_STEPS = 9  # MiniRocket's shortest series; shorter ones are zero-padded at the end
MINIROCKET_KERNELS = 2000  # aeon's default 10,000 makes its ridge CV take minutes at 10k samples


def channels_first(X: np.ndarray) -> np.ndarray:
    """aeon's layout (samples, features, steps), zero-padded to MINIROCKET_STEPS."""
    padding = max(0, MINIROCKET_STEPS - X.shape[1])
    X = np.pad(X, ((0, 0), (0, padding), (0, 0)))
    return np.ascontiguousarray(X.transpose(0, 2, 1), dtype=np.float64)


def minirocket(seed: int, threads: int) -> ClassifierMixin:
    from aeon.classification.convolution_based import MiniRocketClassifier

    return make_pipeline(
        FunctionTransformer(channels_first),
        MiniRocketClassifier(n_kernels=MINIROCKET_KERNELS, random_state=seed, n_jobs=threads),
    )


CLASSIFIERS: dict[str, Callable[[int, int], ClassifierMixin]] = {
    "logistic_regression": lambda seed, threads: make_pipeline(
        FunctionTransformer(flattened),
        StandardScaler(),
        LogisticRegression(max_iter=2000, random_state=seed),
    ),
    "random_forest": lambda seed, threads: make_pipeline(
        FunctionTransformer(flattened),
        RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=threads),
    ),
    "minirocket": minirocket,
    "cnn": lambda seed, threads: SequenceCNN(seed=seed),
}
SEEDLESS = {"logistic_regression"}  # the same fit for every seed: fitted once, std 0
MULTICLASS_METRICS = ("accuracy", "f1_macro")
BINARY_METRICS = (*MULTICLASS_METRICS, "auroc", "auprc")


def fit(name: str, train: Data, seed: int, threads: int = 1) -> ClassifierMixin:
    if name not in CLASSIFIERS:
        raise ValueError(f"unknown classifier {name!r}: expected one of {sorted(CLASSIFIERS)}")
    return CLASSIFIERS[name](seed, threads).fit(*train)


def accuracy(name: str, train: Data, test: Data, seed: int) -> float:
    """Fit classifier `name` on `train` sequences, return its accuracy on `test`."""
    model = fit(name, train, seed)
    return float(accuracy_score(test[1], model.predict(test[0])))


def score(model: ClassifierMixin, test: Data, binary: bool) -> dict[str, float]:
    """Accuracy and macro-F1; for two classes also AUROC and AUPRC of the positive class."""
    X, y = test
    predicted = model.predict(X)
    scores = {
        "accuracy": float(accuracy_score(y, predicted)),
        "f1_macro": float(f1_score(y, predicted, average="macro")),
    }
    if binary:
        positive = model.predict_proba(X)[:, list(model.classes_).index(1)]
        scores["auroc"] = float(roc_auc_score(y, positive))
        scores["auprc"] = float(average_precision_score(y, positive))
    return scores


def is_binary(labels: np.ndarray) -> bool:
    return set(np.unique(labels)) == {0, 1}


def summarise(kind: str, name: str, scores: list[dict[str, float]]) -> dict[str, float]:
    """`<kind>_<name>_<metric>` (mean over the repeats) and `..._std` for every metric."""
    results = {}
    for metric in scores[0]:
        values = np.array([one[metric] for one in scores])
        results[f"{kind}_{name}_{metric}"] = float(values.mean())
        results[f"{kind}_{name}_{metric}_std"] = float(values.std())
    return results


def utility_scores(
    real_train: Data,
    real_test: Data,
    synthetic: Data | None,
    classifiers: list[str],
    seed: int = 0,
    n_repeats: int = 1,
    threads: int = 1,
) -> dict[str, float]:
    """`{trtr,tstr,trts}_<classifier>_<metric>` (mean over `n_repeats` seeds) and `..._std`,
    plus `tstr_trtr_ratio_<classifier>` of the headline metric (accuracy; AUROC for binary
    tasks). TRTS reuses the model fitted for TRTR. Without labelled synthetic data (an RGAN's)
    TSTR and TRTS are NaN."""
    binary = is_binary(real_train[1])
    headline = "auroc" if binary else "accuracy"
    nan = dict.fromkeys(BINARY_METRICS if binary else MULTICLASS_METRICS, float("nan"))
    results: dict[str, float] = {}
    for name in classifiers:
        runs: dict[str, list[dict[str, float]]] = {"trtr": [], "tstr": [], "trts": []}
        for repeat in range(n_repeats):
            if repeat and name in SEEDLESS:
                for kind in runs:
                    runs[kind].append(runs[kind][0])
                continue
            real_model = fit(name, real_train, seed + repeat, threads)
            runs["trtr"].append(score(real_model, real_test, binary))
            if synthetic is None:
                runs["trts"].append(nan)
                runs["tstr"].append(nan)
                continue
            runs["trts"].append(score(real_model, synthetic, binary))
            synthetic_model = fit(name, synthetic, seed + repeat, threads)
            runs["tstr"].append(score(synthetic_model, real_test, binary))
        for kind, scores in runs.items():
            results |= summarise(kind, name, scores)
        trtr = results[f"trtr_{name}_{headline}"]
        tstr = results[f"tstr_{name}_{headline}"]
        results[f"tstr_trtr_ratio_{name}"] = tstr / trtr if trtr > 0 else float("nan")
    return results


def tstr_scores(
    real_test: Data,
    synthetic: Data,
    classifiers: list[str],
    kind: str,
    seed: int = 0,
    n_repeats: int = 1,
    threads: int = 1,
) -> dict[str, float]:
    """TSTR alone, as `<kind>_<classifier>_<metric>` and `..._std` (e.g. with more samples)."""
    binary = is_binary(real_test[1])
    results: dict[str, float] = {}
    for name in classifiers:
        repeats = 1 if name in SEEDLESS else n_repeats
        scores = [
            score(fit(name, synthetic, seed + repeat, threads), real_test, binary)
            for repeat in range(repeats)
        ]
        results |= summarise(kind, name, scores * (n_repeats // repeats))
    return results
