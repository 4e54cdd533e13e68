"""Checks on each epoch's losses and gradient norms: divergence (a rollback), a collapsed start
(a restart with fresh networks), collapse (the end of the run), and the dynamic generator
learning rate."""

from __future__ import annotations

import math

from rgan.config import TrainBudget

G_FACTOR_BOUNDS = (0.1, 10.0)
# A generator BCE loss above this (-ln 0.1): D judges the fakes under 10 % likely to be real.
D_WINS_G_LOSS = 2.3


def divergence(
    stats: dict[str, float], budget: TrainBudget, loss: str, strikes: int
) -> tuple[str, int]:
    """Why an epoch's statistics look like divergence (or ""), and the updated count of
    consecutive epochs with the loss ratio outside its limits (BCE only: WGAN losses change
    sign, so their ratio means nothing)."""
    values = [stats["d_loss"], stats["g_loss"], stats["d_grad_norm"], stats["g_grad_norm"]]
    if not all(math.isfinite(value) for value in values):
        return f"non-finite loss or gradient ({stats})", strikes
    limit = budget.max_grad_norm
    if limit is not None and max(stats["d_grad_norm"], stats["g_grad_norm"]) > limit:
        return (
            f"gradient norm exploded (D {stats['d_grad_norm']:.3g}, "
            f"G {stats['g_grad_norm']:.3g} > {limit:g})"
        ), strikes
    if budget.loss_ratio_limits is None or loss != "bce":
        return "", 0
    low, high = budget.loss_ratio_limits
    ratio = stats["g_loss"] / max(stats["d_loss"], 1e-12)
    strikes = strikes + 1 if not low <= ratio <= high else 0
    if strikes >= budget.loss_ratio_epochs:
        return (
            f"loss ratio g/d = {ratio:.3g} outside [{low:g}, {high:g}] for "
            f"{budget.loss_ratio_epochs} epochs"
        ), 0
    return "", strikes


def collapse(stats: dict[str, float], budget: TrainBudget, strikes: int) -> tuple[str, int]:
    """Why the run looks collapsed (or ""), and the updated count of consecutive epochs whose
    generator gradient norm was below `collapse_grad_norm` (the generator no longer learns)."""
    strikes = strikes + 1 if stats["g_grad_norm"] < budget.collapse_grad_norm else 0
    if budget.collapse_epochs is not None and strikes >= budget.collapse_epochs:
        return (
            f"generator gradient norm below {budget.collapse_grad_norm:g} for {strikes} epochs "
            f"in a row (last {stats['g_grad_norm']:.3g}): it no longer learns"
        ), strikes
    return "", strikes


def collapsed_start(
    stats: dict[str, float], budget: TrainBudget, loss: str, epoch: int, strikes: int
) -> tuple[str, int]:
    """Why the run's start looks collapsed (or ""), and the updated count of consecutive epochs
    in which D won (the generator's BCE loss above D_WINS_G_LOSS) while the generator's gradient
    norm was below `restart_grad_norm`: D wins at once and G's gradient vanishes. Only within the
    first `restart_within` epochs, and with the BCE loss (WGAN losses have no such scale)."""
    if loss != "bce" or epoch > budget.restart_within:
        return "", 0
    stuck = stats["g_loss"] > D_WINS_G_LOSS and stats["g_grad_norm"] < budget.restart_grad_norm
    strikes = strikes + 1 if stuck else 0
    if strikes >= budget.restart_epochs:
        return (
            f"collapsed start: D won (G loss {stats['g_loss']:.3g} > {D_WINS_G_LOSS}) while the "
            f"generator gradient norm stayed below {budget.restart_grad_norm:g} (last "
            f"{stats['g_grad_norm']:.3g}) for {strikes} epochs in a row"
        ), 0
    return "", strikes


def adjust_g_factor(g_factor: float, stats: dict[str, float]) -> float:
    """Raise the generator's rate by 10% while D wins (g/d loss ratio > 2), lower it while G
    wins (< 0.5), within G_FACTOR_BOUNDS."""
    ratio = stats["g_loss"] / max(stats["d_loss"], 1e-12)
    if ratio > 2.0:
        g_factor *= 1.1
    elif ratio < 0.5:
        g_factor /= 1.1
    return min(max(g_factor, G_FACTOR_BOUNDS[0]), G_FACTOR_BOUNDS[1])
