"""The benchmark protocol's four scores over several seeds, their work shared by processes.

The work is cut into units (the stacked discriminative and predictive models of all seeds, one
context-FID encoder per seed, the correlational draws) that run longest first, with one thread
(torch's and BLAS's) each, in this process (`workers=1`) or in `workers` joblib (loky)
processes. The small networks do not gain from a second thread (rgan.metrics.context_fid), but
two processes halve the time on two cores. Every unit is seeded and single-threaded, so the
scores do not depend on the number of workers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

from rgan.metrics.context_fid import context_fid
from rgan.metrics.protocol import (
    correlational_score,
    protocol_discriminative_runs,
    protocol_predictive_runs,
    torch_threads,
)

SCORES = ("discriminative", "predictive", "context_fid", "correlational")


def _unit(score: str, real: np.ndarray, synthetic: np.ndarray, seeds: list[int]) -> list[float]:
    """One unit's values, one per seed, with one torch thread and one BLAS thread (numpy's and
    scipy's sums then add up in the same order in every process)."""
    with torch_threads(1), threadpool_limits(limits=1):
        if score == "discriminative":
            return protocol_discriminative_runs(real, synthetic, seeds)
        if score == "predictive":
            return protocol_predictive_runs(real, synthetic, seeds)
        if score == "context_fid":
            return [context_fid(real, synthetic, seed) for seed in seeds]
        return [correlational_score(real, synthetic, seed) for seed in seeds]


def protocol_units(scores: Sequence[str], seeds: list[int]) -> list[tuple[str, list[int]]]:
    """(score, seeds) units, roughly longest first (on 10,000 sines windows: predictive 45 s,
    each context-FID seed 39 s, discriminative 28 s, correlational < 1 s)."""
    order = {"predictive": 0, "context_fid": 1, "discriminative": 2, "correlational": 3}
    units = []
    for score in sorted(scores, key=order.__getitem__):
        if score == "context_fid":
            units += [(score, [seed]) for seed in seeds]
        else:
            units.append((score, seeds))
    return units


def protocol_runs(
    real: np.ndarray,
    synthetic: np.ndarray,
    seeds: Sequence[int],
    workers: int = 1,
    scores: Sequence[str] = SCORES,
) -> dict[str, list[float]]:
    """Each score's value for every seed (in `seeds`' order), as the reference code computes it
    against the real set (rgan.metrics.protocol, rgan.metrics.context_fid)."""
    unknown = set(scores) - set(SCORES)
    if unknown:
        raise ValueError(f"unknown protocol scores {sorted(unknown)}; expected some of {SCORES}")
    units = protocol_units(scores, [int(seed) for seed in seeds])
    if workers > 1:
        values = Parallel(n_jobs=workers, backend="loky")(
            delayed(_unit)(score, real, synthetic, unit_seeds) for score, unit_seeds in units
        )
    else:
        values = [_unit(score, real, synthetic, unit_seeds) for score, unit_seeds in units]
    runs: dict[str, list[float]] = {score: [] for score in scores}
    for (score, _), unit_values in zip(units, values, strict=True):
        runs[score] += unit_values
    return runs
