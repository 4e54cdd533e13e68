"""Everything about a run's progress besides its networks and optimizers (rgan.gan.GAN): one
dataclass, and what a checkpoint holds of it."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

import torch

from rgan.checkpoint import rng_state, set_rng_state
from rgan.gan import EpochPosition
from rgan.validation import selection_key


@dataclass
class Best:
    """The best validated epoch so far: its scores and the exported generator's weights."""

    epoch: int
    scores: dict[str, float]
    weights: dict[str, torch.Tensor]


@dataclass
class TrainState:
    """A run's progress. Whoever adds a piece of state (a scheduler, an augmentation
    probability, a privacy accountant) adds a field here and a line to each checkpoint method."""

    best: Best
    g_factor: float  # the generator's rate over the discriminator's (dynamic_g_factor moves it)
    epoch: int = 0  # epochs completed
    seconds: float = 0.0  # training time over all sessions
    history: list[dict[str, float]] = field(default_factory=list)  # a row of log.csv per epoch
    evals_since_best: int = 0  # for patience
    snapshots: list[tuple[int, torch.Tensor]] = field(default_factory=list)  # progress GIF
    loss_ratio_strikes: int = 0  # epochs in a row with g/d loss outside its limits
    collapse_strikes: int = 0  # epochs in a row with a vanished generator gradient
    start_strikes: int = 0  # epochs in a row that look like a collapsed start
    restarts: int = 0  # restarts with fresh networks after a collapsed start
    rollbacks: int = 0  # divergence rollbacks so far
    lr_scale: float = 1.0  # rollback_lr_factor ** rollbacks
    position: EpochPosition | None = None  # the epoch in progress, if stopped inside one
    threads: int | None = None  # CPU threads it trains with (rgan.threads), fixed at its start

    @classmethod
    def start(cls, initial_weights: dict[str, torch.Tensor], g_factor: float) -> TrainState:
        """Before the first epoch: nothing validated yet."""
        scores = {"val_mmd2": math.inf, "val_tstr": -math.inf}
        return cls(best=Best(0, scores, copy.deepcopy(initial_weights)), g_factor=g_factor)

    def to_checkpoint(self) -> dict[str, Any]:
        """Tensors and plain values only (checkpoints load with weights_only), with the state
        of every random number generator the run draws from."""
        return {
            "epoch": self.epoch,
            "seconds": self.seconds,
            "history": self.history,
            "best": (self.best.epoch, self.best.scores, self.best.weights),
            "evals_since_best": self.evals_since_best,
            "g_factor": self.g_factor,
            "snapshots": self.snapshots,
            "loss_ratio_strikes": self.loss_ratio_strikes,
            "collapse_strikes": self.collapse_strikes,
            "start_strikes": self.start_strikes,
            "restarts": self.restarts,
            "rollbacks": self.rollbacks,
            "lr_scale": self.lr_scale,
            "position": None if self.position is None else self.position.to_checkpoint(),
            "threads": self.threads,
            "rng": rng_state(),
        }

    @classmethod
    def from_checkpoint(cls, saved: dict[str, Any], device: torch.device) -> TrainState:
        """The state a checkpoint holds; the random number generators are set back to where
        they were when it was written."""
        set_rng_state(saved["rng"])
        position = saved["position"]
        return cls(
            epoch=saved["epoch"],
            seconds=saved["seconds"],
            history=saved["history"],
            best=Best(*saved["best"]),
            evals_since_best=saved["evals_since_best"],
            g_factor=saved["g_factor"],
            snapshots=saved["snapshots"],
            loss_ratio_strikes=saved["loss_ratio_strikes"],
            collapse_strikes=saved["collapse_strikes"],
            # 0 in checkpoints written before restarts were kept
            start_strikes=saved.get("start_strikes", 0),
            restarts=saved.get("restarts", 0),
            rollbacks=saved["rollbacks"],
            lr_scale=saved["lr_scale"],
            position=None if position is None else EpochPosition.from_checkpoint(position, device),
            threads=saved.get("threads"),  # None in checkpoints written before it was kept
        )

    def offer(
        self, scores: dict[str, float], select_by: str, weights: dict[str, torch.Tensor]
    ) -> None:
        """Keep `scores` (and a copy of `weights`) as the best if they rank above it."""
        if selection_key(scores, select_by) > selection_key(self.best.scores, select_by):
            self.best = Best(self.epoch, scores, copy.deepcopy(weights))
            self.evals_since_best = 0
        else:
            self.evals_since_best += 1
