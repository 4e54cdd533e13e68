"""Typed views of the validated config: run hyper-parameters (the `{run}` wildcard) and budgets."""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, fields
from typing import Any

import pandas as pd


def as_bool(value: Any) -> bool:
    if isinstance(value, str):
        if value not in ("True", "False", "true", "false"):
            raise ValueError(f"expected True or False, got {value!r}")
        return value in ("True", "true")
    return bool(value)


MODELS = ("rcgan", "rgan")
LOSSES = ("bce", "wgan_gp")
COERCE = {"int": int, "float": float, "str": str, "bool": as_bool}


@dataclass(frozen=True)
class RunParams:
    """Hyper-parameters of one training run; together they name the run's output folder."""

    model: str = "rcgan"  # rcgan (labels in) or rgan (unconditional)
    cell: str = "lstm"  # recurrent cell: lstm or gru
    hidden: int = 64
    layers: int = 1
    noise_dim: int = 8
    bidirectional: bool = False  # discriminator reads both ways
    d_output: str = "sequence"  # discriminator logit per step, or "last" step only
    spectral_norm: bool = False  # on the discriminator's linear and convolutional layers
    conv: str = "none"  # convolutions around the recurrent layers: none, 1d (time), 2d (image)
    aux_classifier: bool = False  # discriminator also predicts the class (AC-GAN, rcgan only)
    loss: str = "bce"  # bce (the RGAN paper) or wgan_gp (Wasserstein with gradient penalty)
    batch_size: int = 32
    lr: float = 1e-3
    lr_final: float = 1.0  # learning rates decay linearly to lr_final × their start by the end
    g_factor: float = 1.0
    dynamic_g_factor: bool = False  # adapt g_factor per epoch to the loss ratio
    d_steps: int = 1  # discriminator updates per generator update
    real_label: float = 0.9  # one-sided label smoothing
    label_noise: float = 0.0  # std of Gaussian noise on real targets, resampled per epoch
    instance_noise: float = 0.0  # std of Gaussian noise added to D's real and fake inputs
    ema: float = 0.0  # decay of an exponential moving average of G's weights (0: none)
    amp: bool = False  # bfloat16 autocast (torch.amp) for the forward passes
    seed: int = 0

    def __post_init__(self) -> None:
        choices = {"model": MODELS, "loss": LOSSES}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"unknown {name} {getattr(self, name)!r}: expected {allowed}")
        if self.aux_classifier and self.model != "rcgan":
            raise ValueError("aux_classifier needs class labels: it works with model rcgan only")
        if self.dynamic_g_factor and self.loss != "bce":
            raise ValueError("dynamic_g_factor follows the BCE loss ratio: use it with loss bce")

    @property
    def conditional(self) -> bool:
        return self.model == "rcgan"

    @classmethod
    def from_path(cls, run: str) -> RunParams:
        """Parse a run path such as `model~rcgan/hidden~64/seed~0` (the {run} wildcard)."""
        pairs = [part.split("~", 1) for part in run.split("/")]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError(f"run {run!r}: expected key~value parts separated by /")
        return cls.from_mapping(dict(pairs))

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> RunParams:
        """Build from a mapping (e.g. a Paramspace instance), coercing each value to its type."""
        unknown = sorted(set(values) - RUN_KEYS.keys())
        if unknown:
            raise ValueError(
                f"unknown run parameters {unknown}: expected some of {sorted(RUN_KEYS)}"
            )
        return cls(**coerced(values))


# Run keys in path order, each with its field's type name (for coercing wildcard strings).
RUN_KEYS = {field.name: field.type for field in fields(RunParams)}


@dataclass(frozen=True)
class TrainBudget:
    """How long to train, how often to evaluate and checkpoint, and when to stop early or roll
    back (not part of the run name)."""

    epochs: int = 500
    eval_every: int = 5
    checkpoint_every: int = 10
    eval_samples: int = 1000
    snapshot_every: int = 20  # epochs between samples of fixed noise for the progress GIF (0: off)
    select_by: str = "mmd2"  # export the epoch with the lowest val MMD² or the highest val TSTR
    patience: int | None = None  # evaluations without a new best before stopping early
    max_rollbacks: int = 3
    rollback_lr_factor: float = 0.5
    max_grad_norm: float | None = 1e4  # a larger gradient norm counts as divergence
    loss_ratio_limits: tuple[float, float] | None = None  # allowed g_loss / d_loss
    loss_ratio_epochs: int = 10  # epochs outside the limits before it counts as divergence
    collapse_epochs: int | None = 20  # epochs in a row with a vanished generator gradient
    collapse_grad_norm: float = 1e-5  # a generator gradient norm below this has vanished
    tensorboard: bool = False  # also write TensorBoard event files


def run_table(
    defaults: dict[str, Any],
    grid: dict[str, list],
    include: list[dict[str, Any]] = (),
    exclude: list[dict[str, Any]] = (),
) -> pd.DataFrame:
    """One row per run: the defaults with every combination of the grid's values, plus each
    `include` point (its keys over the defaults), minus every point that matches all keys of
    an `exclude` entry."""
    names = list(RUN_KEYS)
    for where, keys in [("run", defaults), ("grid", grid)] + [
        (f"{section}[{i}]", entry)
        for section, entries in (("include", include), ("exclude", exclude))
        for i, entry in enumerate(entries)
    ]:
        unknown = sorted(set(keys) - set(names))
        if unknown:
            raise ValueError(f"{where}: unknown run parameters {unknown}: expected some of {names}")
    base = {**asdict(RunParams()), **defaults}
    keys = list(grid)
    rows = [
        {**base, **dict(zip(keys, values, strict=True))}
        for values in itertools.product(*(grid[key] for key in keys))
    ]
    rows += [{**base, **point} for point in include]
    points = []
    for row in rows:  # an impossible combination stops the workflow before any job runs
        try:
            points.append(RunParams.from_mapping(row))
        except ValueError as error:
            raise ValueError(f"run {row}: {error}") from None
    dropped = [coerced(entry) for entry in exclude]
    kept = [
        asdict(point)
        for point in points
        if not any(all(getattr(point, k) == v for k, v in entry.items()) for entry in dropped)
    ]
    if not kept:
        raise ValueError("the grid is empty: `exclude` removes every point")
    return pd.DataFrame(kept, columns=names).drop_duplicates(ignore_index=True)


def coerced(values: dict[str, Any]) -> dict[str, Any]:
    """Run parameter values converted to their fields' types."""
    return {name: COERCE[RUN_KEYS[name]](value) for name, value in values.items()}


def dataset_runs(config: dict, dataset: str) -> pd.DataFrame:
    """The runs of one dataset: its `experiments.<dataset>` section (run values merged over the
    top-level `run`; grid, include and exclude replacing the top-level ones) as a run table."""
    section = config.get("experiments", {}).get(dataset, {})
    try:
        return run_table(
            {**config["run"], **section.get("run", {})},
            section.get("grid", config["grid"]),
            section.get("include", config.get("include", [])),
            section.get("exclude", config.get("exclude", [])),
        )
    except ValueError as error:
        where = f"experiments.{dataset}" if section else "run/grid"
        raise ValueError(f"{dataset} ({where}): {error}") from None
