"""RGAN/RCGAN from Python, without Snakemake: `RCGAN(...).fit(X, y)`, `.sample(n)`, `.save`,
`RCGAN.load` and `.evaluate`, a thin layer over what the workflow's rules run: the same split
rules and scaling (`rgan.data.prepare`), training with its checkpoints and validation-based
selection (`train_rcgan`), generator file (`generator_extras`), sampling (`draw_synthetic`) and
utility scores (`utility_scores`). Static attributes (a table beside the sequences) condition
both networks, as the run key `static` does in the workflow."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import torch

from rgan.config import RUN_KEYS, RunParams, TrainBudget
from rgan.data.checks import check_dataset
from rgan.data.prepare import PreparedData, Scaler, scale_splits, validation_split
from rgan.data.sequences import UNLABELLED, SequenceDataset
from rgan.data.static import (
    CATEGORICAL,
    CONTINUOUS,
    StaticConditions,
    from_columns,
    requested,
)
from rgan.devices import choose_device
from rgan.generate import (
    STATIC_KEY,
    Drawn,
    balanced_labels,
    draw_synthetic,
    generator_extras,
    saved_extras,
)
from rgan.metrics.utility import utility_scores
from rgan.models import Generator, load_generator, save_generator
from rgan.train import TrainResult, train_rcgan, training_bytes

logger = logging.getLogger(__name__)

BUDGET_KEYS = tuple(item.name for item in fields(TrainBudget))
FIT_SOURCE = "RCGAN.fit(X, y)"


class Synthetic(NamedTuple):
    """Sampled sequences (samples, steps, features), their labels (the values `fit` was given;
    None from an unconditional RGAN), for data with masks their masks (1 = observed), and for a
    model fitted with static attributes the attributes each sequence was generated for (one
    column per attribute: numbers, or category names)."""

    X: np.ndarray
    y: np.ndarray | None
    mask: np.ndarray | None
    static: pd.DataFrame | None = None


StaticInput = pd.DataFrame | Mapping[str, Any] | np.ndarray


def static_columns(static: StaticInput, n: int, source: str) -> dict[str, list[Any]]:
    """Attribute columns by name from a DataFrame, a mapping of name to values, or a 2-D
    array (columns attribute_0, attribute_1, ...)."""
    if isinstance(static, pd.DataFrame):
        columns = {str(name): static[name].tolist() for name in static.columns}
    elif isinstance(static, Mapping):
        columns = {str(name): list(np.atleast_1d(values)) for name, values in static.items()}
    else:
        table = np.asarray(static)
        if table.ndim != 2:
            raise ValueError(
                f"{source}: static has shape {table.shape}; expected (samples, attributes)"
            )
        columns = {f"attribute_{i}": table[:, i].tolist() for i in range(table.shape[1])}
    for name, values in columns.items():
        if len(values) not in (1, n):
            raise ValueError(f"{source}: attribute {name!r} has {len(values)} values; expected {n}")
    return columns


def inferred_kind(values: list[Any]) -> str:
    """Numbers are continuous, anything else (text, booleans) categorical."""

    def number(value: Any) -> bool:
        return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
            value, bool | np.bool_
        )

    return CONTINUOUS if all(number(value) for value in values) else CATEGORICAL


class RCGAN:
    """A recurrent (conditional) GAN for labelled sequences. Keyword arguments are the
    workflow's run keys (`hidden`, `model`, `lr`, …; README, "Run keys") and training budget
    keys (`epochs`, `eval_every`, …; config.yaml's `train`), with the same defaults; beside
    them `val_fraction` and `normalise` (the split and scaling `fit` applies, as `split` and
    `data.<name>.normalise` in the workflow), `device` (None: a free GPU if there is one, else
    the CPU), `threads` (None: torch's current count) and `checkpoint_dir` (None: a temporary
    folder; a folder of an earlier fit with the same data and keys resumes it)."""

    def __init__(
        self,
        *,
        val_fraction: float = 0.1,
        normalise: str = "minmax",
        device: str | None = None,
        threads: int | None = None,
        checkpoint_dir: str | os.PathLike | None = None,
        **keys: Any,
    ):
        unknown = sorted(set(keys) - set(RUN_KEYS) - set(BUDGET_KEYS))
        if unknown:
            raise TypeError(
                f"RCGAN: unknown keys {unknown}; expected run keys {list(RUN_KEYS)} or training "
                f"keys {list(BUDGET_KEYS)}"
            )
        self.params = RunParams.from_config({k: v for k, v in keys.items() if k in RUN_KEYS})
        self.budget = TrainBudget.from_config({k: v for k, v in keys.items() if k in BUDGET_KEYS})
        self.val_fraction, self.normalise = val_fraction, normalise
        self.device, self.threads, self.checkpoint_dir = device, threads, checkpoint_dir
        self.generator: Generator | None = None
        self.payload: dict[str, Any] = {}
        self.classes: list[Any] = []
        self.result: TrainResult | None = None
        self.train_data: tuple[np.ndarray, np.ndarray] | None = None

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray | None = None,
        mask: np.ndarray | None = None,
        static: StaticInput | None = None,
        static_kinds: Mapping[str, str] | None = None,
    ) -> RCGAN:
        """Train on X (samples, steps, features; NaN where a value is missing) with labels y
        (any values: each distinct one is a class; None for `model="rgan"`), an optional
        mask (1 = observed, 0 = missing or padding) and optional static attributes, one row
        per sequence (a DataFrame, a mapping of name to values, or a 2-D array; NaN or None
        where missing), each "categorical" or "continuous" by `static_kinds` (default:
        numbers continuous, anything else categorical): both networks then see them. A
        stratified `val_fraction` of the samples selects the exported epoch; scaling is fitted
        on the rest."""
        dataset, self.classes = self.dataset(X, y, mask)
        if static is not None:
            dataset = with_static(dataset, static, static_kinds or {})
            self.params = replace(self.params, static=True)
        index = validation_split(
            dataset.y, self.val_fraction, self.params.seed, dataset.class_names, FIT_SOURCE
        )
        data = scale_splits(dataset, index, self.normalise)
        device = self.training_device(data)
        with tempfile.TemporaryDirectory(prefix="rgan-fit-") as scratch:
            folder = scratch if self.checkpoint_dir is None else self.checkpoint_dir
            self.result = train_rcgan(data, self.params, self.budget, folder, device)
        if self.result.status != "completed":
            logger.warning("training ended %s: %s", self.result.status, self.result.stop_reason)
        self.generator = self.result.generator.cpu()
        self.payload = generator_extras(self.generator, data, self.params)
        self.train_data = (data.X["train"], data.y["train"])
        return self

    def dataset(
        self, X: np.ndarray, y: np.ndarray | None, mask: np.ndarray | None
    ) -> tuple[SequenceDataset, list[Any]]:
        """`fit`'s arguments as the workflow's dataset, checked as the workflow checks files,
        and the distinct labels its class ids stand for."""
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 3:
            raise ValueError(
                f"{FIT_SOURCE}: X has shape {X.shape}; expected (samples, steps, features)"
            )
        if y is None and self.params.conditional:
            raise ValueError(f"{FIT_SOURCE}: y is None; an RCGAN needs labels (or model='rgan')")
        if y is not None and not self.params.conditional:
            raise ValueError(
                f"{FIT_SOURCE}: model {self.params.model!r} takes no labels; pass y=None"
            )
        if y is None:
            classes, ids, meta = [], np.full(len(X), UNLABELLED), {"labels": "none"}
        else:
            unique, ids = np.unique(np.asarray(y), return_inverse=True)
            classes, meta = unique.tolist(), {}
        names = [str(label) for label in classes] or ["unlabelled"]
        mask = None if mask is None else np.asarray(mask, dtype=np.float32)
        data = SequenceDataset(X, ids.astype(np.int64), names, meta=meta, mask=mask)
        check_dataset(data, FIT_SOURCE)
        return data, classes

    def training_device(self, data: PreparedData) -> torch.device:
        """`device` as asked, or the one the workflow's train rule would choose."""
        threads = self.threads or torch.get_num_threads()
        if self.device is not None:
            torch.set_num_threads(threads)
            return torch.device(self.device)
        return choose_device(threads, required_bytes=training_bytes(data, self.params))

    def fitted(self) -> Generator:
        if self.generator is None:
            raise RuntimeError("RCGAN: call fit (or RCGAN.load) first")
        return self.generator

    def sample(
        self,
        n: int,
        y: Any = None,
        seed: int = 0,
        original_scale: bool = True,
        round_to_levels: bool = True,
        match_marginals: bool = True,
        static: StaticInput | None = None,
        lengths: str = "generate",
    ) -> Synthetic:
        """`n` sequences (`y`: one label for all, one per sequence, or None for classes in
        equal shares), drawn as `rgan sample` draws them, in the data's units unless
        `original_scale` is False (the model's scale, which `evaluate` compares in). A model
        fitted with attributes generates for `static` (as `fit` took it; attributes it leaves
        out, or all when None, come from training records of each sequence's class). For data
        with masks, `lengths` is "generate" or "copy" (as `rgan sample --lengths`)."""
        ids = self.label_ids(n, y)
        fixed = None if static is None else static_columns(static, n, "sample")
        options = (original_scale, round_to_levels, match_marginals, fixed, lengths)
        drawn = self.draw(ids, seed, *options)
        labels = np.asarray(self.classes)[ids] if self.fitted().spec.conditional else None
        return Synthetic(drawn.X, labels, drawn.masks, self.static_table(drawn.static))

    def draw(
        self,
        ids: np.ndarray,
        seed: int,
        original_scale: bool = True,
        round_to_levels: bool = True,
        match_marginals: bool = True,
        fixed: Mapping[str, Any] | None = None,
        lengths: str = "generate",
    ) -> Drawn:
        """Sequences for class ids (and the `fixed` attributes), through the extras the
        generator file holds."""
        extras = saved_extras(self.payload, round_to_levels, match_marginals)
        static = None
        if fixed:
            if extras.conditions is None:
                raise ValueError("sample: static given, but the model was fitted without it")
            static = requested(extras.conditions, ids, seed, fixed, "sample")
        drawn = draw_synthetic(self.fitted(), ids, seed, extras, static, lengths)
        if original_scale:
            drawn = replace(drawn, X=Scaler(**self.payload["scaler"]).inverse(drawn.X))
        return drawn

    def static_table(self, static: np.ndarray | None) -> pd.DataFrame | None:
        """Attribute codes as a table of what `fit` was given (numbers or category names)."""
        if static is None:
            return None
        attributes = StaticConditions.encoder_of(self.payload[STATIC_KEY]).attributes
        return pd.DataFrame(
            {
                attribute.name: attribute.values(static[:, i])
                for i, attribute in enumerate(attributes)
            }
        )

    def label_ids(self, n: int, y: Any) -> np.ndarray:
        """Class ids for `n` sequences from `sample`'s `y`; an unknown label is named."""
        if n < 1:
            raise ValueError(f"sample: n must be at least 1, got {n}")
        conditional = self.fitted().spec.conditional
        if y is not None and not conditional:
            raise ValueError("sample: y given, but this is an unconditional RGAN")
        if y is None:
            return np.sort(balanced_labels(max(len(self.classes), 1), n))
        wanted = np.asarray(y)
        if wanted.ndim and wanted.shape != (n,):
            raise ValueError(f"sample: y has shape {wanted.shape}; expected one label or {n}")
        wanted = np.broadcast_to(wanted, (n,))
        lookup = {label: index for index, label in enumerate(self.classes)}
        unknown = sorted({label for label in wanted.tolist() if label not in lookup}, key=str)
        if unknown:
            raise ValueError(f"sample: unknown labels {unknown}; the model knows {self.classes}")
        return np.array([lookup[label] for label in wanted.tolist()], dtype=np.int64)

    def evaluate(
        self,
        X_test: np.ndarray,
        y_test: np.ndarray,
        train: tuple[np.ndarray, np.ndarray] | None = None,
        classifiers: tuple[str, ...] = ("logistic_regression",),
        n_repeats: int = 1,
        seed: int = 0,
    ) -> dict[str, float]:
        """The workflow's utility scores on real test data (original units): TRTR, TSTR and
        TRTS per classifier and `tstr_trtr_ratio_<classifier>`, with as many synthetic
        sequences as training ones, classes in equal shares. `train`: the real training data
        (original units); default: the split `fit` trained on (not kept by `save`)."""
        if not self.fitted().spec.conditional:
            raise ValueError("RCGAN.evaluate: an unconditional RGAN's sequences have no labels")
        scaler = Scaler(**self.payload["scaler"])
        if train is not None:
            real_train = (scaler.transform(np.asarray(train[0], np.float32)), self.ids_of(train[1]))
        elif self.train_data is not None:
            real_train = self.train_data
        else:
            raise RuntimeError("RCGAN.evaluate: a loaded model keeps no training data: pass train")
        ids = self.label_ids(len(real_train[1]), None)
        X_synthetic = self.draw(ids, seed, original_scale=False).X
        return utility_scores(
            real_train,
            (scaler.transform(np.asarray(X_test, np.float32)), self.ids_of(y_test)),
            (X_synthetic, ids),
            list(classifiers),
            seed,
            n_repeats,
            self.threads or torch.get_num_threads(),
        )

    def ids_of(self, labels: np.ndarray) -> np.ndarray:
        """Class ids of labels given in `fit`'s values."""
        return self.label_ids(len(labels), np.asarray(labels))

    def save(self, path: str | os.PathLike) -> None:
        """A generator.pt as the workflow writes it (`rgan sample` reads it), atomically."""
        save_generator(path, self.fitted(), {**self.payload, "classes": self.classes})

    @classmethod
    def load(cls, path: str | os.PathLike) -> RCGAN:
        """A model saved by `save`, or any generator.pt of the workflow (its labels are then
        its class names)."""
        generator, payload = load_generator(path)
        keys = {k: v for k, v in payload.get("params", {}).items() if k in RUN_KEYS}
        model = cls(**keys)
        model.generator, model.payload = generator, payload
        model.classes = payload.get("classes", payload["class_names"])
        return model


def with_static(
    dataset: SequenceDataset, static: StaticInput, kinds: Mapping[str, str]
) -> SequenceDataset:
    """`dataset` with the attributes `fit` was given, named and checked as such."""
    columns = static_columns(static, len(dataset.X), FIT_SOURCE)
    unknown = sorted(set(kinds) - set(columns))
    if unknown:
        raise ValueError(f"{FIT_SOURCE}: static_kinds names unknown attributes {unknown}")
    kinds = {name: kinds.get(name) or inferred_kind(values) for name, values in columns.items()}
    codes, attributes = from_columns(columns, kinds, FIT_SOURCE)
    return replace(dataset, static=codes, attributes=attributes)
