"""Typed views of the validated config. The run keys (the hyper-parameters that name a run's
folder) are declared once, in `RunParams`: type, default, allowed values and meaning. The config's
run sections (`run`, `grid`, `include`, `exclude`, `experiments.<dataset>`) are checked against
the JSON schema derived from it (`run_sections_schema`), and a run's path names only the keys
whose value differs from the default, plus the seed."""

from __future__ import annotations

import itertools
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any, Self

import jsonschema

from rgan.augment import AUGMENTS
from rgan.config_schema import coerce_to_schema

MODELS = ("rcgan", "rgan")
CELLS = ("lstm", "gru")
D_OUTPUTS = ("sequence", "last")
CONVS = ("none", "1d", "2d")
LOSSES = ("bce", "wgan_gp")
OUTPUTS = ("tanh", "clip")
JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}


def key(default: Any, meaning: str, **constraints: Any) -> Any:
    """A run key: its default, its one-line meaning, and JSON-schema keywords that bound it
    (`enum`, `minimum`, `exclusiveMinimum`, `maximum`, `exclusiveMaximum`)."""
    return field(default=default, metadata={"description": meaning, **constraints})


class FromConfig:
    """`from_config(section)`: the one way a config section becomes a settings dataclass."""

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> Self:
        """From a config section: unknown keys named, lists turned into tuples."""
        names = [item.name for item in fields(cls)]
        unknown = sorted(set(section) - set(names))
        if unknown:
            raise ValueError(f"unknown {cls.__name__} keys {unknown}: expected some of {names}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in section.items()})


@dataclass(frozen=True)
class RunParams(FromConfig):
    """Hyper-parameters of one training run. The defaults are those of config.yaml."""

    model: str = key(
        "rcgan",
        "rcgan: the class label fed to both networks at every step (Esteban et al. 2017); "
        "rgan: unconditional, unlabelled samples",
        enum=MODELS,
    )
    cell: str = key("lstm", "recurrent cell of both networks", enum=CELLS)
    hidden: int = key(64, "units per recurrent layer", minimum=1)
    layers: int = key(1, "stacked recurrent layers", minimum=1, maximum=3)
    noise_dim: int = key(8, "noise values per time step fed to the generator", minimum=1)
    bidirectional: bool = key(False, "the discriminator reads the sequence both ways")
    d_output: str = key(
        "sequence", "discriminator logit per step (sequence) or from the last step", enum=D_OUTPUTS
    )
    spectral_norm: bool = key(False, "spectral norm on the discriminator's linear and conv layers")
    conv: str = key(
        "none",
        "convolutions around the recurrent layers: none, 1d (over time), 2d (over steps × "
        "features, e.g. image rows and columns)",
        enum=CONVS,
    )
    aux_classifier: bool = key(False, "the discriminator also predicts the class (AC-GAN, rcgan)")
    static: bool = key(
        False,
        "both networks also see the sequence's static attributes (data with attributes only); "
        "samples are drawn for attributes resampled from the training split or requested",
    )
    output: str = key(
        "clip",
        "generator output for data in [-1, 1]: tanh, or clip (linear, clipped to [-1, 1], so the "
        "bounds themselves are reached)",
        enum=OUTPUTS,
    )
    loss: str = key(
        "bce", "bce (the RGAN paper) or wgan_gp (Wasserstein, gradient penalty)", enum=LOSSES
    )
    batch_size: int = key(64, "sequences per batch", minimum=1)
    lr: float = key(0.002, "discriminator learning rate (Adam)", exclusiveMinimum=0)
    lr_final: float = key(
        0.1,
        "rates decay linearly to lr_final × their start by the last epoch",
        exclusiveMinimum=0,
        maximum=1,
    )
    g_factor: float = key(1.0, "generator learning rate = g_factor × lr", exclusiveMinimum=0)
    dynamic_g_factor: bool = key(
        False, "raise g_factor 10% per epoch while g/d loss > 2, lower it while < 0.5 (bce)"
    )
    d_steps: int = key(1, "discriminator updates per generator update", minimum=1)
    real_label: float = key(
        0.9,
        "one-sided label smoothing: the target for real sequences",
        exclusiveMinimum=0,
        maximum=1,
    )
    label_noise: float = key(0.0, "std of Gaussian noise on real targets, per epoch", minimum=0)
    instance_noise: float = key(0.0, "std of Gaussian noise on D's inputs", minimum=0)
    augment: str = key(
        "none",
        "D sees real and generated sequences through the same random shifts (translation) and "
        "holes (cutout), along time or, with _2d, also across features (DiffAugment)",
        enum=AUGMENTS,
    )
    ema: float = key(
        0.999,
        "decay of a moving average of G's weights, validated and exported (0: off)",
        minimum=0,
        exclusiveMaximum=1,
    )
    ema_warmup: bool = key(
        True,
        "the average's decay starts low and grows to `ema` ((1 + t) / (10 + t) after t steps), "
        "so it does not lag hundreds of steps behind the generator early on",
    )
    match_marginals: bool = key(
        False,
        "samples mapped, per class and step x feature, onto the training split's distribution "
        "of that value (quantile mapping fitted when training ends; evaluation also reports "
        "the unmapped samples' raw_* scores)",
    )
    amp: bool = key(False, "bfloat16 automatic mixed precision (torch.amp)")
    dp_noise_multiplier: float = key(
        0.0,
        "differential privacy: DP-SGD on the discriminator with Gaussian noise of this many × "
        "dp_max_grad_norm (0: off)",
        minimum=0,
    )
    dp_max_grad_norm: float = key(
        1.0,
        "differential privacy: each sequence's gradient clipped to this norm",
        exclusiveMinimum=0,
    )
    dp_target_epsilon: float | None = key(
        None,
        "differential privacy: the ε to spend over the epoch budget; the noise multiplier is "
        "derived from it (instead of dp_noise_multiplier)",
        exclusiveMinimum=0,
    )
    dp_target_delta: float | None = key(
        None,
        "differential privacy: δ of the guarantee (null: 1 / (10 × training sequences))",
        exclusiveMinimum=0,
        exclusiveMaximum=1,
    )
    seed: int = key(0, "seed of the networks' weights, noise and batches", minimum=0)

    def __post_init__(self) -> None:
        problems = [
            problem
            for item in fields(self)
            for problem in value_problems(item.name, getattr(self, item.name))
        ]
        if problems:
            raise ValueError("; ".join(problems))
        if self.aux_classifier and self.model != "rcgan":
            raise ValueError("aux_classifier needs class labels: it works with model rcgan only")
        if self.dynamic_g_factor and self.loss != "bce":
            raise ValueError("dynamic_g_factor follows the BCE loss ratio: use it with loss bce")
        if self.private:
            self.check_private()

    @property
    def private(self) -> bool:
        """Whether the discriminator trains with differential privacy (rgan.privacy)."""
        return self.dp_noise_multiplier > 0 or self.dp_target_epsilon is not None

    def check_private(self) -> None:
        """Refuse what differential privacy cannot be combined with, naming the keys."""
        refused = {
            "dp_noise_multiplier": (
                self.dp_target_epsilon is not None and self.dp_noise_multiplier > 0,
                "set dp_noise_multiplier or dp_target_epsilon, not both",
            ),
            "spectral_norm": (
                self.spectral_norm,
                "Opacus computes no per-sample gradients through spectral norm's parametrization",
            ),
            "loss": (
                self.loss == "wgan_gp",
                "the gradient penalty mixes real and generated sequences in one term, which "
                "per-sample clipping cannot bound",
            ),
            "amp": (self.amp, "Opacus' per-sample gradients run in float32"),
            "match_marginals": (
                self.match_marginals,
                "the map is fitted to the training values themselves, outside the guarantee",
            ),
            "dynamic_g_factor": (
                self.dynamic_g_factor,
                "it reads the losses on real training data, outside the guarantee",
            ),
            "static": (
                self.static,
                "synthetic sequences would take the attributes of real training records, "
                "outside the guarantee",
            ),
        }
        problems = [f"{name}: {why}" for name, (bad, why) in refused.items() if bad]
        if problems:
            raise ValueError(
                "differential privacy (dp_noise_multiplier > 0 or dp_target_epsilon) cannot be "
                "combined with " + "; ".join(problems)
            )

    @property
    def conditional(self) -> bool:
        return self.model == "rcgan"

    @property
    def path(self) -> str:
        """The run's folder below results/<stage>/<dataset>/: the keys whose value differs from
        the declared default, then the seed, e.g. `hidden~128/lr~0.001/seed~0`."""
        changed = [
            item.name
            for item in fields(self)
            if item.name != "seed" and getattr(self, item.name) != item.default
        ]
        return "/".join(f"{name}~{getattr(self, name)}" for name in [*changed, "seed"])

    @classmethod
    def from_path(cls, run: str) -> RunParams:
        """Parse a run path such as `hidden~128/seed~0` (the {run} wildcard)."""
        pairs = [part.split("~", 1) for part in run.split("/")]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError(f"run {run!r}: expected key~value parts separated by /")
        # A path writes values as Python does: None for an unset optional key.
        return cls.from_config({key: None if value == "None" else value for key, value in pairs})

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> RunParams:
        """From a mapping of run keys (config values or wildcard strings), typed as declared."""
        return cls(**typed_run_values(section, "run"))


# The run keys in path order, and their types.
RUN_KEYS = tuple(item.name for item in fields(RunParams))
RUN_TYPES = typing.get_type_hints(RunParams)
FLOAT_KEYS = {name: float in (kind, *typing.get_args(kind)) for name, kind in RUN_TYPES.items()}


def json_type(annotation: Any) -> str | list[str]:
    """The JSON-schema type of a field's type (`float | None` → ["number", "null"])."""
    if isinstance(annotation, types.UnionType):
        return [JSON_TYPES[arg] for arg in typing.get_args(annotation)]
    return JSON_TYPES[annotation]


@cache
def run_schema() -> dict[str, Any]:
    """The JSON schema of a mapping of run keys, derived from RunParams."""
    properties = {
        item.name: {"type": json_type(RUN_TYPES[item.name]), **item.metadata}
        for item in fields(RunParams)
    }
    return {"type": "object", "additionalProperties": False, "properties": properties}


def run_sections_schema() -> dict[str, Any]:
    """The JSON schema of the config's run sections: `run` (mapping of run keys), `grid` (lists
    of their values), `include` and `exclude` (lists of mappings), and the same per dataset
    under `experiments`."""
    run = run_schema()
    grid = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            name: {"type": "array", "minItems": 1, "items": schema}
            for name, schema in run["properties"].items()
        },
    }
    points = {"type": "array", "items": {**run, "minProperties": 1}}
    sections = {"run": run, "grid": grid, "include": points, "exclude": points}
    per_dataset = {"type": "object", "properties": sections}
    experiments = {"type": "object", "additionalProperties": per_dataset}
    return {"type": "object", "properties": {**sections, "experiments": experiments}}


@cache
def run_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(run_schema())


def value_problems(name: str, value: Any) -> tuple[str, ...]:
    """What is wrong with one run key's value (nothing: an empty tuple); a hashable value is
    checked once per process, as a grid of 1,000 runs repeats a few dozen values."""
    try:
        return _hashable_value_problems(name, type(value), value)
    except TypeError:  # unhashable, e.g. a list
        return _value_problems(name, value)


@cache
def _hashable_value_problems(name: str, kind: type, value: Any) -> tuple[str, ...]:
    """`_value_problems`, kept per (name, type, value): 1, 1.0 and True are different values."""
    return _value_problems(name, value)


def _value_problems(name: str, value: Any) -> tuple[str, ...]:
    return tuple(describe(error) for error in run_validator().iter_errors({name: value}))


def describe(error: jsonschema.ValidationError, where: str = "") -> str:
    """A validation error as `where: what`, e.g. `grid.hidden[1]: 0 is less than the minimum`."""
    for part in error.absolute_path:
        where += f"[{part}]" if isinstance(part, int) else f".{part}" if where else str(part)
    if error.validator == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        names = sorted(set(error.instance) - set(known))
        what = "run parameters" if known == list(RUN_KEYS) else "keys"
        message = f"unknown {what} {names}: expected some of {known}"
    else:
        message = error.message
    return f"{where}: {message}" if where else message


def typed_run_values(values: Mapping[str, Any], where: str) -> dict[str, Any]:
    """`values` (run keys) checked against the declaration and typed: strings parsed as YAML
    where the key is no string, integers made floats where the key is a float."""
    values = coerce_to_schema(dict(values), run_schema())
    problems = list(run_validator().iter_errors(values))
    if problems:
        raise ValueError("; ".join(describe(error, where) for error in problems))
    return {
        name: float(value) if FLOAT_KEYS[name] and type(value) is int else value
        for name, value in values.items()
    }


def check_run_sections(config: dict) -> None:
    """Type (in place) and check the config's run sections against the run keys' declaration;
    a ValueError names the section, the key and what was expected."""
    schema = run_sections_schema()
    coerce_to_schema(config, schema)
    problems = list(jsonschema.Draft202012Validator(schema).iter_errors(config))
    if problems:
        raise ValueError("; ".join(describe(error) for error in problems))


@dataclass(frozen=True)
class TrainBudget(FromConfig):
    """How long to train, how often to evaluate and checkpoint, and when to stop early or roll
    back (not part of the run name). The defaults are those of config.yaml."""

    epochs: int = 400
    eval_every: int = 10
    checkpoint_every: int = 10
    eval_samples: int = 1000
    snapshot_every: int = 20  # epochs between samples of fixed noise for the progress GIF (0: off)
    select_by: str = "tstr"  # export the epoch with the highest val TSTR or the lowest val MMD²
    patience: int | None = None  # evaluations without a new best before stopping early
    max_rollbacks: int = 3
    rollback_lr_factor: float = 0.5
    max_grad_norm: float | None = 10_000  # a larger gradient norm counts as divergence
    loss_ratio_limits: tuple[float, float] | None = None  # allowed g_loss / d_loss
    loss_ratio_epochs: int = 10  # epochs outside the limits before it counts as divergence
    collapse_epochs: int | None = 20  # epochs in a row with a vanished generator gradient
    collapse_grad_norm: float = 1e-5  # a generator gradient norm below this has vanished
    max_restarts: int = 1  # fresh networks (another seed) for a collapsed start, at most this often
    restart_within: int = 20  # the epochs in which a start can count as collapsed
    restart_epochs: int = 3  # epochs in a row with D winning and G's gradient small
    restart_grad_norm: float = 0.1  # a generator gradient norm below this counts as small
    tensorboard: bool = False  # also write TensorBoard event files
    thread_probe: bool = True  # a run's first start times 1, 2, 4, … threads and keeps the fastest


# Train keys that size a job rather than its training: the same for every dataset.
JOB_KEYS = ("threads", "allow_cpu_fallback", "jobs_per_gpu")


def dataset_budget(config: Mapping[str, Any], dataset: str) -> dict[str, Any]:
    """A dataset's training budget: `train` (less the JOB_KEYS), with its
    `experiments.<dataset>.train` values over it."""
    section = config.get("experiments", {}).get(dataset, {}).get("train", {})
    merged = {**config["train"], **section}
    return {name: value for name, value in merged.items() if name not in JOB_KEYS}


def check_dataset_budgets(config: dict, schema: dict) -> None:
    """Type (in place) and check every `experiments.<dataset>.train` against the schema's
    `train` section; a ValueError names the dataset and the key."""
    train_schema = schema["properties"]["train"]
    validator = jsonschema.Draft202012Validator(train_schema)
    for dataset, section in config.get("experiments", {}).items():
        where = f"experiments.{dataset}.train"
        values = coerce_to_schema(section.get("train", {}), train_schema)
        problems = [describe(error, where) for error in validator.iter_errors(values)]
        problems += [
            f"{where}.{name}: sizes the job, not the training; set it in train.{name}, for "
            "every dataset"
            for name in JOB_KEYS
            if name in values
        ]
        if problems:
            raise ValueError("; ".join(problems))


def run_table(
    defaults: Mapping[str, Any],
    grid: Mapping[str, list],
    include: list[Mapping[str, Any]] = (),
    exclude: list[Mapping[str, Any]] = (),
) -> list[RunParams]:
    """The runs of a grid: the defaults with every combination of the grid's values, plus each
    `include` point (its keys over the defaults), minus every point that has all the values of
    an `exclude` entry; duplicates once, in order."""
    base = typed_run_values(defaults, "run")
    typed_grid = {
        name: [typed_run_values({name: value}, "grid")[name] for value in values]
        for name, values in grid.items()
    }
    rows = [
        {**base, **dict(zip(typed_grid, values, strict=True))}
        for values in itertools.product(*typed_grid.values())
    ]
    rows += [{**base, **typed_run_values(p, f"include[{i}]")} for i, p in enumerate(include)]
    dropped = [typed_run_values(entry, f"exclude[{i}]") for i, entry in enumerate(exclude)]
    runs = []
    for row in rows:  # an impossible combination stops the workflow before any job runs
        try:
            runs.append(RunParams(**row))
        except ValueError as error:
            raise ValueError(f"run {row}: {error}") from None
    kept = [
        run
        for run in runs
        if not any(all(getattr(run, k) == v for k, v in entry.items()) for entry in dropped)
    ]
    if not kept:
        raise ValueError("the grid is empty: `exclude` removes every point")
    return list(dict.fromkeys(kept))


def dataset_runs(config: Mapping[str, Any], dataset: str) -> list[RunParams]:
    """The runs of one dataset: its `experiments.<dataset>` section (run values merged over the
    top-level `run`; grid, include and exclude replacing the top-level ones)."""
    section = config.get("experiments", {}).get(dataset, {})
    try:
        return run_table(
            {**config.get("run", {}), **section.get("run", {})},
            section.get("grid", config.get("grid", {})),
            section.get("include", config.get("include", [])),
            section.get("exclude", config.get("exclude", [])),
        )
    except ValueError as error:
        where = f"experiments.{dataset}" if section else "run/grid"
        raise ValueError(f"{dataset} ({where}): {error}") from None
