"""Does synthetic data give away its training data? Distance-to-closest-record membership
inference, and the RGAN paper's three-sample memorisation test (as a permutation test)."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from rgan.metrics.fidelity import flatten, rbf


def closest_distances(queries: np.ndarray, records: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """Euclidean distance from each query sequence to its nearest record."""
    pool = flatten(records)
    parts = [torch.cdist(part, pool).min(dim=1).values for part in flatten(queries).split(chunk)]
    return torch.cat(parts).numpy()


def equal_sizes(
    A: np.ndarray, B: np.ndarray, seed: int, limit: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Random subsets of A and B of the same size (the smaller one's, at most `limit`)."""
    size = min(len(A), len(B), limit or len(A))
    rng = np.random.default_rng(seed)
    return (
        A[np.sort(rng.choice(len(A), size, replace=False))],
        B[np.sort(rng.choice(len(B), size, replace=False))],
    )


def membership_inference(
    synthetic: np.ndarray, members: np.ndarray, non_members: np.ndarray, seed: int = 0
) -> dict[str, np.ndarray | float]:
    """An attacker who calls a record a training member the closer it lies to a synthetic one:
    the AUC of that guess over equal numbers of members (training split) and non-members
    (held-out real data); 0.5 means the distances give nothing away."""
    members, non_members = equal_sizes(members, non_members, seed)
    dcr_members = closest_distances(members, synthetic)
    dcr_non_members = closest_distances(non_members, synthetic)
    truth = np.r_[np.ones(len(dcr_members)), np.zeros(len(dcr_non_members))]
    auc = roc_auc_score(truth, -np.r_[dcr_members, dcr_non_members])
    return {"auc": float(auc), "members": dcr_members, "non_members": dcr_non_members}


def three_sample_test(
    synthetic: np.ndarray,
    train: np.ndarray,
    held_out: np.ndarray,
    bandwidth: float,
    permutations: int = 200,
    max_points: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """(MMD²(synthetic, train) − MMD²(synthetic, held-out), one-sided p-value). Without
    memorisation the training and held-out samples are exchangeable: the p-value is the share
    of random re-splittings of their union that put synthetic data at least as much closer to
    the "training" part. A small p-value means synthetic data sit closer to the training data."""
    train, held_out = equal_sizes(train, held_out, seed, max_points)
    rng = np.random.default_rng(seed + 1)
    if len(synthetic) > max_points:
        synthetic = synthetic[np.sort(rng.choice(len(synthetic), max_points, replace=False))]
    real = torch.cat([flatten(train), flatten(held_out)])
    k_real = rbf(real, real, bandwidth)
    k_real.fill_diagonal_(0.0)
    cross = rbf(flatten(synthetic), real, bandwidth).mean(dim=0)  # mean kernel to synthetic
    n = len(train)
    generator = torch.Generator().manual_seed(seed)
    orders = [torch.arange(2 * n)] + [
        torch.randperm(2 * n, generator=generator) for _ in range(permutations)
    ]
    in_a = torch.zeros(2 * n, len(orders), dtype=torch.float64)
    for column, order in enumerate(orders):
        in_a[order[:n], column] = 1.0
    in_b = 1.0 - in_a
    k_in_a = k_real @ in_a
    aa = (in_a * k_in_a).sum(dim=0) / (n * (n - 1))
    bb = (in_b * (k_real @ in_b)).sum(dim=0) / (n * (n - 1))
    # MMD²(S, A) − MMD²(S, B): the synthetic-synthetic term cancels.
    difference = aa - 2 * (in_a * cross.unsqueeze(1)).sum(dim=0) / n
    difference -= bb - 2 * (in_b * cross.unsqueeze(1)).sum(dim=0) / n
    p_value = float((difference <= difference[0] + 1e-12).sum()) / len(orders)
    return float(difference[0]), p_value
