"""Optional TensorBoard event files of a training run: losses, gradient norms, learning rate,
validation scores and the fixed-noise sample grid."""

from __future__ import annotations

import math
import os

import numpy as np

SCALARS = {
    "loss": ("d_loss", "g_loss"),
    "grad_norm": ("d_grad_norm", "g_grad_norm"),
    "optimiser": ("lr", "g_factor"),
    "validation": ("val_mmd2", "val_tstr"),
    "privacy": ("dp_epsilon",),  # private runs only (NaN otherwise, not written)
}


class TrainingBoard:
    """A SummaryWriter for one run; a resumed run first drops events after its checkpoint."""

    def __init__(self, directory: str | os.PathLike, resumed_from: int):
        from torch.utils.tensorboard import SummaryWriter  # needs the tensorboard package

        purge_step = resumed_from + 1 if resumed_from else None
        self.writer = SummaryWriter(log_dir=str(directory), purge_step=purge_step)

    def epoch(self, row: dict[str, float]) -> None:
        for group, keys in SCALARS.items():
            for key in keys:
                value = row.get(key, math.nan)
                if math.isfinite(value):
                    self.writer.add_scalar(f"{group}/{key}", value, row["epoch"])

    def samples(self, epoch: int, grid: np.ndarray) -> None:
        """An 8-bit grey picture (height, width) of the snapshot samples."""
        self.writer.add_image("samples", grid, epoch, dataformats="HW")

    def close(self) -> None:
        self.writer.close()
