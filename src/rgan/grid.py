"""A grid's results table seen by grid point: seeds of one point grouped, and which
hyper-parameters the grid varies."""

from __future__ import annotations

import re

import pandas as pd

from rgan.config import RUN_KEYS

PARAMETERS = list(RUN_KEYS)
SEED = re.compile(r"(^|/)seed~[^/]+")


def grid_share(runs: list[str], part: int, parts: int, dataset: str) -> list[str]:
    """One person's share of a grid's runs: every `parts`-th run from the `part`-th on, so that
    expensive points spread over the parts."""
    if not 1 <= part <= parts <= len(runs):
        raise ValueError(
            f"part {part} of {parts}: expected 1 <= part <= parts <= {len(runs)}, the number "
            f"of runs in the {dataset} grid"
        )
    return runs[part - 1 :: parts]


def point_of(run: str) -> str:
    """The run's path without its seed: the grid point that its seeds repeat."""
    return SEED.sub("", run).strip("/") or "defaults"


def varied(table: pd.DataFrame) -> list[str]:
    """Hyper-parameters other than the seed that take more than one value in the table (the
    grid's axes)."""
    axes = [name for name in PARAMETERS if name != "seed" and name in table]
    return [name for name in axes if table[name].nunique() > 1]


def by_point(table: pd.DataFrame) -> pd.DataFrame:
    """One row per grid point of a results table (grouped by its `point` column): the point's
    hyper-parameters, `n_seeds`, the statuses of its runs, and for every numeric result its mean
    (`<name>_mean`) and standard deviation (`<name>_sd`) over the seeds."""
    keys = ["dataset", "point"] + [name for name in PARAMETERS if name != "seed" and name in table]
    numeric = [column for column in table.select_dtypes("number") if column not in PARAMETERS]
    groups = table.groupby(keys, sort=False, dropna=False)
    summary = groups.agg(
        n_seeds=("seed", "nunique"),
        statuses=("status", lambda statuses: ", ".join(sorted(set(statuses)))),
    )
    means, spreads = groups[numeric].mean(), groups[numeric].std()
    for column in numeric:
        summary[f"{column}_mean"], summary[f"{column}_sd"] = means[column], spreads[column]
    return summary.reset_index()


def plot_choices(
    table: pd.DataFrame, metric: str | None, heatmap: list[str] | None, classifier: str
) -> tuple[str, tuple[str, str] | None]:
    """The grid figure's metric (default: the TSTR/TRTR ratio of `classifier`, or MMD² when no
    run has labels) and heat-map keys (default: the first two varied hyper-parameters)."""
    if metric is None:
        ratio = f"tstr_trtr_ratio_{classifier}"
        metric = ratio if ratio in table and table[ratio].notna().any() else "mmd2"
    if metric not in table:
        raise ValueError(f"grid_plot.metric {metric!r} is not a column of the results table")
    if heatmap is None:
        axes = varied(table)
        return metric, (axes[0], axes[1]) if len(axes) >= 2 else None
    unknown = [key for key in heatmap if key not in PARAMETERS]
    if unknown:
        raise ValueError(f"grid_plot.heatmap: {unknown} are not run parameters: {PARAMETERS}")
    return metric, (heatmap[0], heatmap[1])


# The run keys that set a run's ε: the frontier's x axis, not one of its curves.
PRIVACY_KEYS = ("dp_noise_multiplier", "dp_target_epsilon")
LEAKAGE = ("mia_auc", "identification_rate_synthetic")  # identification: face data only


def frontier_metrics(points: pd.DataFrame, classifier: str) -> list[str]:
    """The privacy frontier's scores that the points have: utility (the TSTR/TRTR ratio of
    `classifier`) and leakage (membership inference; identification for faces)."""
    wanted = (f"tstr_trtr_ratio_{classifier}", *LEAKAGE)
    return [
        name for name in wanted if f"{name}_mean" in points and points[f"{name}_mean"].notna().any()
    ]


def frontier_curves(points: pd.DataFrame) -> list[str]:
    """The keys that tell the frontier's curves apart: those the grid varies, less the seed and
    the keys that set ε."""
    return [name for name in varied(points) if name not in PRIVACY_KEYS]
