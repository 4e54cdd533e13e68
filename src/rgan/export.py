"""What a finished training run leaves behind: generator, model card, log CSV and curves."""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd
import torch

from rgan import plots
from rgan.config import RunParams
from rgan.data.prepare import PreparedData
from rgan.io import atomic_path, write_json
from rgan.models import save_generator
from rgan.train import HISTORY_COLUMNS, TrainResult


def export_training(
    result: TrainResult, data: PreparedData, params: RunParams, budget: dict, output
) -> None:
    """Write `output.generator`, `output.card`, `output.history` and `output.curves`."""
    save_generator(
        output.generator,
        result.generator.cpu(),
        {
            "params": asdict(params),
            "scaler": asdict(data.scaler),
            "class_names": data.class_names,
            "kind": data.kind,
            "meta": data.meta,
        },
    )
    history = pd.DataFrame(result.history, columns=HISTORY_COLUMNS)
    with atomic_path(output.history) as tmp:
        history.to_csv(tmp, index=False)
    plots.training_curves(history, result.best_epoch, output.curves)
    plots.progress_gif(result.snapshots, data.n_classes, data.meta, output.progress)
    write_json(
        output.card,
        {
            "params": asdict(params),
            "budget": budget,
            "status": result.status,
            "stop_reason": result.stop_reason,
            "rollbacks": result.rollbacks,
            "best_epoch": result.best_epoch,
            "best_val_mmd2": result.best_val_mmd2,
            "best_val_tstr": result.best_val_tstr,
            "epochs_run": result.epochs_run,
            "resumed_from_epoch": result.resumed_from,
            "train_seconds": round(result.seconds, 2),
            "autocast": result.autocast,
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
        },
    )
