"""Maximum mean discrepancy with an RBF kernel (Gretton et al. 2012), on flattened sequences."""

from __future__ import annotations

import numpy as np
import torch


def flatten(X: np.ndarray | torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(np.asarray(X), dtype=torch.float64).reshape(len(X), -1)


def median_bandwidth(X: np.ndarray, Y: np.ndarray, max_points: int = 2000, seed: int = 0) -> float:
    """The median pairwise distance of the pooled samples (the median heuristic)."""
    pooled = torch.cat([flatten(X), flatten(Y)])
    if len(pooled) > max_points:
        rows = np.random.default_rng(seed).choice(len(pooled), max_points, replace=False)
        pooled = pooled[torch.as_tensor(rows)]
    distances = torch.cdist(pooled, pooled)
    upper = distances[torch.triu_indices(len(pooled), len(pooled), offset=1).unbind()]
    return float(upper.median())


def mmd2_unbiased(X: np.ndarray, Y: np.ndarray, bandwidth: float | None = None) -> float:
    """Unbiased MMD² between samples X and Y; the bandwidth defaults to the median heuristic."""
    if len(X) < 2 or len(Y) < 2:
        raise ValueError("MMD² needs at least two samples on each side")
    sigma = bandwidth if bandwidth is not None else median_bandwidth(X, Y)
    x, y = flatten(X), flatten(Y)
    gamma = 1.0 / (2.0 * sigma**2)
    k_xx = torch.exp(-gamma * torch.cdist(x, x).square())
    k_yy = torch.exp(-gamma * torch.cdist(y, y).square())
    k_xy = torch.exp(-gamma * torch.cdist(x, y).square())
    m, n = len(x), len(y)
    xx = (k_xx.sum() - k_xx.diagonal().sum()) / (m * (m - 1))
    yy = (k_yy.sum() - k_yy.diagonal().sum()) / (n * (n - 1))
    return float(xx + yy - 2.0 * k_xy.mean())
