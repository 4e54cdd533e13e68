"""What a finished training run leaves behind: generator, model card, log CSV, curves and the
progress animation, at paths the caller names (`TrainingOutputs`)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import torch

from rgan import plots
from rgan.config import RunParams
from rgan.data.prepare import PreparedData
from rgan.generate import generator_extras
from rgan.io import atomic_path, write_json
from rgan.models import save_generator
from rgan.provenance import provenance
from rgan.train import HISTORY_COLUMNS, TrainResult


@dataclass(frozen=True)
class TrainingOutputs:
    """Where `export_training` writes each file (the train rule's outputs, by name)."""

    generator: Path  # best generator: spec, weights, scaler, class names (+ training masks)
    card: Path  # card.json: parameters, budget, how training ended, provenance
    history: Path  # log.csv: one row per epoch (HISTORY_COLUMNS)
    curves: Path  # training.png
    progress: Path  # progress.gif

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            object.__setattr__(self, name, Path(value))

    @classmethod
    def in_folder(cls, folder: str | os.PathLike) -> TrainingOutputs:
        """The train rule's file names inside `folder`."""
        folder = Path(folder)
        return cls(
            generator=folder / "generator.pt",
            card=folder / "card.json",
            history=folder / "log.csv",
            curves=folder / "training.png",
            progress=folder / "progress.gif",
        )


def privacy_summary(result: TrainResult) -> dict[str, float | None]:
    """The guarantee a run's generator has: ε spent at δ, and the noise that spent it (None
    without differential privacy)."""
    plan = result.privacy
    return {
        "dp_epsilon": result.dp_epsilon,
        "dp_delta": None if plan is None else plan.delta,
        "dp_noise_multiplier": None if plan is None else plan.noise_multiplier,
    }


def export_training(
    result: TrainResult,
    data: PreparedData,
    params: RunParams,
    budget: dict,
    outputs: TrainingOutputs,
) -> None:
    """Write every file of `outputs`. The generator carries its `generator_extras`, so that
    `rgan sample` and `RCGAN.load` draw class-matched masks, map and round as the workflow
    does."""
    generator = result.generator.cpu()
    save_generator(outputs.generator, generator, generator_extras(generator, data, params))
    history = pd.DataFrame(result.history, columns=HISTORY_COLUMNS)
    with atomic_path(outputs.history) as tmp:
        history.to_csv(tmp, index=False)
    plots.training_curves(history, result.best_epoch, outputs.curves)
    plots.progress_gif(result.snapshots, data.n_classes, data.meta, outputs.progress)
    write_json(
        outputs.card,
        {
            "params": asdict(params),
            "budget": budget,
            "status": result.status,
            "stop_reason": result.stop_reason,
            "rollbacks": result.rollbacks,
            "restarts": result.restarts,
            "best_epoch": result.best_epoch,
            "best_val_mmd2": result.best_val_mmd2,
            "best_val_tstr": result.best_val_tstr,
            "epochs_run": result.epochs_run,
            "resumed_from_epoch": result.resumed_from,
            "train_seconds": round(result.seconds, 2),
            "autocast": result.autocast,
            "torch": torch.__version__,
            "threads": result.threads,
            **privacy_summary(result),
            **provenance(),
        },
    )
