"""A small RCGAN trained for an epoch or two and exported, as the train rule does: for tests of
what the exported generator carries and how it samples."""

from __future__ import annotations

from pathlib import Path

import torch

from rgan.config import RunParams, TrainBudget
from rgan.data.prepare import PreparedData
from rgan.export import TrainingOutputs, export_training
from rgan.train import TrainResult, train_rcgan


def train_and_export(
    data: PreparedData, folder: Path, epochs: int = 1, eval_samples: int = 50, **run_keys
) -> tuple[TrainResult, TrainingOutputs]:
    """Train hidden 8, batch 16 (and `run_keys`) on `data` (checkpoints in folder/ckpt), export
    into `folder`."""
    params = RunParams(hidden=8, batch_size=16, **run_keys)
    budget = TrainBudget(epochs=epochs, eval_every=1, checkpoint_every=1, eval_samples=eval_samples)
    result = train_rcgan(data, params, budget, folder / "ckpt", torch.device("cpu"))
    outputs = TrainingOutputs.in_folder(folder)
    export_training(result, data, params, {}, outputs)
    return result, outputs
