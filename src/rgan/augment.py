"""Differentiable augmentation for the discriminator (DiffAugment, Zhao et al. 2020): D sees real
and generated sequences only through the same kind of random transformation, drawn afresh for
every sequence and every call, so on a small training set it cannot memorise the real sequences
and the generator still learns the untransformed data (the gradients flow through the
transformation). Translation moves each sequence by up to an eighth of its length along time
(with `2d`, also across features, as image columns), repeating the edge values; cutout sets a
window of a quarter of the steps (with `2d`, a patch of half the rows and half the columns) to
0, the middle of the [-1, 1] scale."""

from __future__ import annotations

import math

import torch

AUGMENTS = ("none", "translation", "translation_cutout", "translation_2d", "translation_cutout_2d")


def shifts(n: int, size: int, device: torch.device) -> torch.Tensor:
    """A random shift in [-size/8, size/8] (rounded up) per sequence."""
    most = math.ceil(size / 8)
    return torch.randint(-most, most + 1, (n,), device=device)


def translate(x: torch.Tensor, across_features: bool) -> torch.Tensor:
    """Each sequence moved by its own random shift, the edge values repeated."""
    n, steps, features = x.shape
    rows = torch.arange(steps, device=x.device) - shifts(n, steps, x.device)[:, None]
    rows = rows.clamp(0, steps - 1)[:, :, None].expand(n, steps, features)
    moved = x.gather(1, rows)
    if not across_features:
        return moved
    columns = torch.arange(features, device=x.device) - shifts(n, features, x.device)[:, None]
    columns = columns.clamp(0, features - 1)[:, None, :].expand(n, steps, features)
    return moved.gather(2, columns)


def window(n: int, size: int, width: int, device: torch.device) -> torch.Tensor:
    """(n, size) booleans: a window of `width` positions at a random place per sequence (its
    centre anywhere, so it may be cut off at either end)."""
    start = torch.randint(0, size, (n, 1), device=device) - width // 2
    offset = torch.arange(size, device=device) - start
    return (offset >= 0) & (offset < width)


def cutout(x: torch.Tensor, across_features: bool) -> torch.Tensor:
    """Each sequence with a random window of steps (and of features) set to 0."""
    n, steps, features = x.shape
    if across_features:
        rows = window(n, steps, math.ceil(steps / 2), x.device)
        columns = window(n, features, math.ceil(features / 2), x.device)
        hole = rows[:, :, None] & columns[:, None, :]
    else:
        hole = window(n, steps, math.ceil(steps / 4), x.device)[:, :, None]
    return x.masked_fill(hole, 0.0)


def augment(x: torch.Tensor, kind: str) -> torch.Tensor:
    """`x` (sequences × steps × features) through the augmentation `kind` (one of AUGMENTS)."""
    if kind == "none":
        return x
    if kind not in AUGMENTS:
        raise ValueError(f"unknown augment {kind!r}; expected one of {', '.join(AUGMENTS)}")
    across_features = kind.endswith("_2d")
    x = translate(x, across_features)
    if "cutout" in kind:
        x = cutout(x, across_features)
    return x
