"""Evaluate one run's synthetic data (utility, fidelity, privacy), and gather all runs of a
dataset into one table."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from rgan.config import FromConfig
from rgan.data.prepare import PreparedData
from rgan.data.sequences import UNLABELLED, SequenceDataset
from rgan.grid import point_of
from rgan.io import atomic_path, read_json
from rgan.lengths import length_statistics
from rgan.metrics.attributes import attribute_scores
from rgan.metrics.detection import all_detectors
from rgan.metrics.fidelity import mmd2_unbiased, permutation_mmd_test, select_bandwidth
from rgan.metrics.identification import identification
from rgan.metrics.per_class import per_class_scores, worst_class
from rgan.metrics.posthoc import predictive_mae
from rgan.metrics.privacy import equal_sizes, membership_inference, three_sample_test
from rgan.metrics.protocol import summary
from rgan.metrics.protocol_suite import SCORES, protocol_runs
from rgan.metrics.utility import accuracy, tstr_scores, utility_scores
from rgan.provenance import PROVENANCE_KEYS

TRAINING_COLUMNS = (
    "status",
    "stop_reason",
    "rollbacks",
    "restarts",
    "best_epoch",
    "epochs_run",
    "train_seconds",
    "threads",
    "best_val_mmd2",
    "best_val_tstr",
    "dp_epsilon",  # differential privacy: ε spent at δ (empty without)
    "dp_delta",
    *PROVENANCE_KEYS,  # rgan_version, code_commit
)


@dataclass(frozen=True)
class EvalSettings(FromConfig):
    """The config's `evaluate:` section (with the rule's threads). The defaults are those of
    config.yaml."""

    classifiers: tuple[str, ...] = ("logistic_regression", "random_forest", "cnn")
    n_repeats: int = 3
    seed: int = 0
    threads: int = 2
    mmd_permutations: int = 200
    max_points: int = 2000  # per side, for the kernel tests (their cost grows with its square)
    extra_tstr_multipliers: tuple[int, ...] = ()  # TSTR also with this many × the 1× samples
    identification_confidence: float = 0.9  # probability at which a face counts as identified
    protocol_repeats: int = 5  # seeds of each benchmark-protocol score (protocol data sets; 0: off)
    per_class: bool = True  # fidelity and privacy scores per class too (labelled data)

    @property
    def sample_multiplier(self) -> int:
        """How many times the 1× synthetic set the evaluate rule draws."""
        return max((1, *self.extra_tstr_multipliers))


def halves(X: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A random split of X into two halves."""
    order = np.random.default_rng(seed).permutation(len(X))
    return X[np.sort(order[: len(X) // 2])], X[np.sort(order[len(X) // 2 :])]


def fidelity(data: PreparedData, synthetic: np.ndarray, settings: EvalSettings) -> dict:
    """MMD² of synthetic against real test sequences, as in the RGAN paper: the RBF bandwidth
    that maximises the test-power criterion on one half of each, MMD² and its permutation-test
    p-value on the other halves, and the real-vs-real floor (training vs test) at that
    bandwidth; TimeGAN's discriminative and predictive scores (the latter also for a predictor
    trained on real data, the reference); the detection scores of a random forest and of
    histogram gradient boosting, and the strongest of all detectors, the GRU included."""
    seed, limit = settings.seed, settings.max_points
    synthetic_select, synthetic_test = halves(synthetic, seed)
    real_select, real_test = halves(data.X["test"], seed + 1)
    bandwidth, median = select_bandwidth(synthetic_select, real_select, seed)
    synthetic_test, real_test = equal_sizes(synthetic_test, real_test, seed, limit)
    mmd2, p_value = permutation_mmd_test(
        synthetic_test, real_test, bandwidth, settings.mmd_permutations, seed
    )
    train, _ = equal_sizes(data.X["train"], real_test, seed, limit)
    return {
        "mmd2": mmd2,
        "mmd2_p_value": p_value,
        "mmd2_floor": mmd2_unbiased(train, real_test, bandwidth),
        "mmd2_bandwidth": bandwidth,
        "mmd2_median_bandwidth": median,
        **all_detectors(data.X["test"], synthetic, seed, limit, settings.threads),
        "predictive_mae": predictive_mae(synthetic, data.X["test"], seed, limit),
        "predictive_mae_real": predictive_mae(data.X["train"], data.X["test"], seed, limit),
    }


RAW_COLUMNS = ("detection_strongest", "detection_strongest_by")
RAW_PROTOCOL_SCORES = ("discriminative", "predictive")  # the quality targets' protocol scores


def raw_scores(data: PreparedData, raw: SequenceDataset, settings: EvalSettings) -> dict:
    """What the samples score before their marginals are matched (run key match_marginals):
    `raw_detection_strongest` (and `_by`); for labelled data
    `raw_tstr_logistic_regression_accuracy`; for protocol data the means of
    `raw_protocol_discriminative` and `raw_protocol_predictive`; on the 1× set."""
    base = len(raw.y) // settings.sample_multiplier
    X, y = raw.X[:base], raw.y[:base]
    found = all_detectors(data.X["test"], X, settings.seed, settings.max_points, settings.threads)
    scores = {f"raw_{column}": found[column] for column in RAW_COLUMNS}
    if data.protocol and settings.protocol_repeats:
        found = protocol_scores(data.X["train"], X, settings, RAW_PROTOCOL_SCORES)
        scores |= {
            f"raw_protocol_{name}": found[f"protocol_{name}"] for name in RAW_PROTOCOL_SCORES
        }
    if raw.labelled:
        test = (data.X["test"], data.y["test"])
        scores["raw_tstr_logistic_regression_accuracy"] = accuracy(
            "logistic_regression", (X, y), test, settings.seed
        )
    return scores


def protocol_scores(
    real: np.ndarray,
    synthetic: np.ndarray,
    settings: EvalSettings,
    scores: Sequence[str] = SCORES,
) -> dict:
    """The TimeGAN / Diffusion-TS benchmark's four scores as their reference code computes them,
    against every real window (the protocol trains and scores on all of them): `protocol_<score>`
    is the mean over `protocol_repeats` seeds, `protocol_<score>_ci95` its 95 % half-width
    (Diffusion-TS's display_scores). Like Diffusion-TS, the first len(real) synthetic sequences.
    The work is shared by `threads` processes."""
    seeds = range(settings.seed, settings.seed + settings.protocol_repeats)
    runs = protocol_runs(real, synthetic[: len(real)], seeds, settings.threads, scores)
    metrics = {}
    for name, values in runs.items():
        metrics[f"protocol_{name}"], metrics[f"protocol_{name}_ci95"] = summary(values)
    return metrics


PRIVACY_COLUMNS = ("mia_auc", "memorisation_mmd2_difference", "memorisation_p_value")
PROTOCOL_PRIVACY = (
    "not measured in protocol mode: the generator trained on every real window, so none is "
    "held out to compare with (set data.<dataset>.protocol: false for a time split)"
)


NO_CLASSES = (
    "no per-class scores: the data (or the samples) have no class labels, "
    "or evaluate.per_class is false"
)


def privacy(
    data: PreparedData, synthetic: np.ndarray, bandwidth: float, settings: EvalSettings
) -> tuple[dict, dict | None]:
    """Membership-inference AUC from distances to the closest synthetic record, and the
    three-sample memorisation test; plus the distances, for plotting. Both attacks need
    held-out real data: in protocol mode (every window trained on) they are NaN, and the
    distances None."""
    if data.protocol:
        return dict.fromkeys(PRIVACY_COLUMNS, float("nan")), None
    attack = membership_inference(synthetic, data.X["train"], data.X["test"], settings.seed)
    difference, p_value = three_sample_test(
        synthetic,
        data.X["train"],
        data.X["test"],
        bandwidth,
        settings.mmd_permutations,
        settings.max_points,
        settings.seed,
    )
    metrics = dict(zip(PRIVACY_COLUMNS, (attack["auc"], difference, p_value), strict=True))
    return metrics, {"members": attack["members"], "non_members": attack["non_members"]}


def evaluate_run(
    data: PreparedData,
    synthetic: SequenceDataset,
    card: dict,
    settings: EvalSettings,
    raw: SequenceDataset | None = None,
) -> tuple[dict, dict | None]:
    """(result, distances): utility (TRTR/TSTR/TRTS per classifier on the 1× samples, the first
    1/sample_multiplier of them; TSTR with each extra multiplier; TRTR only for an RGAN's
    unlabelled samples), fidelity and privacy metrics of one run; identification when the labels
    name people; `raw_scores` of the same samples before marginal matching, if given; for
    labelled data the fidelity and privacy scores per class (`per_class`) and the worst
    class's in the metrics; for samples generated for static attributes, how well they carry
    them (`attribute_scores`); for data with masks, how their lengths compare with the real
    test sequences' (`length_statistics`, per class under `lengths`)."""
    if synthetic.X.shape[1:] != data.X["test"].shape[1:]:
        raise ValueError(
            f"synthetic sequences have shape {synthetic.X.shape[1:]}, "
            f"real ones {data.X['test'].shape[1:]}"
        )
    base = len(synthetic.y) // settings.sample_multiplier
    everything = synthetic
    synthetic = SequenceDataset(
        synthetic.X[:base],
        synthetic.y[:base],
        synthetic.class_names,
        synthetic.kind,
        static=None if synthetic.static is None else synthetic.static[:base],
        attributes=synthetic.attributes,
    )
    labelled = (synthetic.X, synthetic.y) if synthetic.labelled else None
    metrics = {}
    real_labels = (data.y["train"] != UNLABELLED).any()  # no TRTR (nor TSTR) without them
    if real_labels:
        metrics = utility_scores(
            (data.X["train"], data.y["train"]),
            (data.X["test"], data.y["test"]),
            labelled,
            list(settings.classifiers),
            seed=settings.seed,
            n_repeats=settings.n_repeats,
            threads=settings.threads,
        )
    for multiplier in settings.extra_tstr_multipliers if labelled else ():
        metrics |= tstr_scores(
            (data.X["test"], data.y["test"]),
            (everything.X[: base * multiplier], everything.y[: base * multiplier]),
            list(settings.classifiers),
            f"tstr_x{multiplier}",
            settings.seed,
            settings.n_repeats,
            settings.threads,
        )
    if synthetic.static is not None and data.static is not None:
        metrics |= attribute_scores(
            data.attributes,
            (data.X["train"], data.static["train"]),
            (data.X["test"], data.static["test"]),
            (synthetic.X, synthetic.static),
            settings.seed,
        )
    lengths = {}
    if data.mask is not None and everything.mask is not None:
        masks, labels = everything.mask[:base], everything.y[:base]
        scores, by_class = length_statistics(data.mask["test"], data.y["test"], masks, labels)
        lengths = {
            "unlabelled" if label == UNLABELLED else synthetic.class_names[label]: value
            for label, value in by_class.items()
        }
        metrics |= scores | worst_length(lengths)
    metrics |= fidelity(data, synthetic.X, settings)
    if raw is not None:
        metrics |= raw_scores(data, raw, settings)
    if data.protocol and settings.protocol_repeats:
        metrics |= protocol_scores(data.X["train"], synthetic.X, settings)
    private, distances = privacy(data, synthetic.X, metrics["mmd2_bandwidth"], settings)
    metrics |= private
    classes = {}
    if settings.per_class and labelled and real_labels:
        classes = per_class_scores(
            labelled,
            (data.X["train"], data.y["train"]),
            (data.X["test"], data.y["test"]),
            synthetic.class_names,
            metrics["mmd2_bandwidth"],
            not data.protocol,
            settings.seed,
            settings.max_points,
            settings.threads,
        )
        metrics |= worst_class(classes)
    if labelled and data.meta.get("labels") == "identity":
        metrics |= identification(
            (data.X["train"], data.y["train"]),
            (data.X["test"], data.y["test"]),
            labelled,
            settings.identification_confidence,
            settings.seed,
        )
    result = {
        "params": card["params"],
        "training": training_summary(card),
        "metrics": metrics,
        "per_class": classes,
        "lengths": lengths,
        "n_synthetic": len(synthetic.y),
    }
    return result, distances


def worst_length(lengths: dict[str, float]) -> dict:
    """The class whose synthetic lengths differ most from its real ones (empty: no class)."""
    if not lengths:
        return {}
    name = max(lengths, key=lengths.get)
    return {"worst_class_length_ks": lengths[name], "worst_class_length_ks_class": name}


# What a card written before rgan recorded these says: provenance unknown (an empty cell), no
# restarts (there were none) and no differential privacy.
LATER_KEYS = dict.fromkeys((*PROVENANCE_KEYS, "dp_epsilon", "dp_delta")) | {"restarts": 0}


def training_summary(card: dict) -> dict:
    """The card's TRAINING_COLUMNS (LATER_KEYS where a card predates them)."""
    return {
        key: card.get(key, LATER_KEYS[key]) if key in LATER_KEYS else card[key]
        for key in TRAINING_COLUMNS
    }


def best_run(table: pd.DataFrame, classifier: str) -> int:
    """Row of the best run: highest TSTR/TRTR ratio of `classifier`, else lowest MMD²."""
    ratio = f"tstr_trtr_ratio_{classifier}"
    if ratio in table and table[ratio].notna().any():
        return int(table[ratio].idxmax())
    return int(table["mmd2"].idxmin())


def best_run_samples(
    table: pd.DataFrame, classifier: str, samples: list[str], dataset: str
) -> tuple[str, str]:
    """(run, samples file) of the table's best run (best_run), found among `samples` (paths
    .../{dataset}/{run}/samples.npz); a ValueError when exactly one does not match."""
    run = table.loc[best_run(table, classifier), "run"]
    wanted = (dataset, *PurePosixPath(run).parts)
    found = [path for path in samples if PurePosixPath(path).parent.parts[-len(wanted) :] == wanted]
    if len(found) != 1:
        raise ValueError(
            f"the best run of the {dataset} table, {run}, has {len(found)} samples files among "
            f"the {len(samples)} declared (it needs exactly one): is the table from another "
            "grid than the config's? Rerun aggregate for this dataset."
        )
    return run, found[0]


def write_results_table(evaluation_paths: list[str], csv_path: str | os.PathLike) -> pd.DataFrame:
    """The results table of these evaluation files, written (atomically) as a CSV."""
    table = results_table([read_json(path) for path in evaluation_paths])
    with atomic_path(csv_path) as tmp:
        table.to_csv(tmp, index=False)
    return table


def results_table(evaluations: list[dict]) -> pd.DataFrame:
    """One row per run: dataset, run, grid point, hyper-parameters, training summary, metrics."""
    rows = [
        {
            "dataset": result["dataset"],
            "run": result["run"],
            "point": point_of(result["run"]),
            **result["params"],
            **result["training"],
            **result["metrics"],
        }
        for result in evaluations
    ]
    return pd.DataFrame(rows)
