"""Typed views of the validated config: run hyper-parameters (the `{run}` wildcard) and budgets."""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, fields
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class RunParams:
    """Hyper-parameters of one training run; together they name the run's output folder."""

    model: str = "rcgan"
    hidden: int = 64
    noise_dim: int = 8
    layers: int = 1
    batch_size: int = 32
    lr: float = 1e-3
    g_factor: float = 1.0
    real_label: float = 0.9
    seed: int = 0

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> RunParams:
        """Build from a mapping (e.g. a Paramspace instance), coercing each value to its type."""
        known = {field.name: field for field in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown run parameters {unknown}: expected some of {sorted(known)}")
        types = {"int": int, "float": float, "str": str}
        return cls(**{name: types[known[name].type](value) for name, value in values.items()})


@dataclass(frozen=True)
class TrainBudget:
    """How long to train and how often to evaluate and checkpoint (not part of the run name)."""

    epochs: int = 300
    eval_every: int = 5
    checkpoint_every: int = 10
    eval_samples: int = 1000


def run_table(defaults: dict[str, Any], grid: dict[str, list]) -> pd.DataFrame:
    """One row per run: the defaults with every combination of the grid's values."""
    names = [field.name for field in fields(RunParams)]
    unknown = sorted((set(defaults) | set(grid)) - set(names))
    if unknown:
        raise ValueError(f"unknown run parameters {unknown}: expected some of {names}")
    base = {**asdict(RunParams()), **defaults}
    keys = list(grid)
    rows = [
        {**base, **dict(zip(keys, values, strict=True))}
        for values in itertools.product(*(grid[key] for key in keys))
    ]
    return pd.DataFrame(rows, columns=names).drop_duplicates(ignore_index=True)
