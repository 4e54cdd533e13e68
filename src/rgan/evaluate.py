"""Evaluate one run's synthetic data, and gather all runs of a dataset into one table."""

from __future__ import annotations

import pandas as pd

from rgan.data.prepare import PreparedData
from rgan.data.sequences import SequenceDataset
from rgan.metrics.fidelity import median_bandwidth, mmd2_unbiased
from rgan.metrics.utility import utility_scores

TRAINING_COLUMNS = (
    "status",
    "stop_reason",
    "rollbacks",
    "best_epoch",
    "epochs_run",
    "train_seconds",
    "best_val_mmd2",
    "best_val_tstr",
)


def evaluate_run(
    data: PreparedData,
    synthetic: SequenceDataset,
    card: dict,
    classifiers: list[str],
    seed: int,
) -> dict:
    """Utility (TRTR/TSTR/TRTS per classifier; TRTR only for an RGAN's unlabelled samples) and
    MMD² with its real-vs-real floor."""
    if synthetic.X.shape[1:] != data.X["test"].shape[1:]:
        raise ValueError(
            f"synthetic sequences have shape {synthetic.X.shape[1:]}, "
            f"real ones {data.X['test'].shape[1:]}"
        )
    real_train = (data.X["train"], data.y["train"])
    real_test = (data.X["test"], data.y["test"])
    labelled = (synthetic.X, synthetic.y) if synthetic.labelled else None
    metrics = utility_scores(real_train, real_test, labelled, classifiers, seed=seed)
    # One bandwidth from real data for both, so the synthetic score and its floor compare.
    bandwidth = median_bandwidth(data.X["train"], data.X["test"], seed=seed)
    metrics["mmd2"] = mmd2_unbiased(synthetic.X, data.X["test"], bandwidth)
    metrics["mmd2_floor"] = mmd2_unbiased(data.X["train"], data.X["test"], bandwidth)
    metrics["mmd2_bandwidth"] = bandwidth
    return {
        "params": card["params"],
        "training": {key: card[key] for key in TRAINING_COLUMNS},
        "metrics": metrics,
        "n_synthetic": len(synthetic.y),
    }


def results_table(evaluations: list[dict]) -> pd.DataFrame:
    """One row per run: dataset, run, its hyper-parameters, training summary, metrics."""
    rows = [
        {
            "dataset": result["dataset"],
            "run": result["run"],
            **result["params"],
            **result["training"],
            **result["metrics"],
        }
        for result in evaluations
    ]
    return pd.DataFrame(rows)
