"""The RCGAN training loop: Adam for both players, one-sided label smoothing, validation MMD²
every few epochs, the best generator kept, and a checkpoint to resume from after a kill."""

from __future__ import annotations

import copy
import hashlib
import logging
import math
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from rgan.checkpoint import load_state, rng_state, save_state, set_rng_state
from rgan.config import RunParams, TrainBudget
from rgan.data.prepare import PreparedData
from rgan.metrics.fidelity import median_bandwidth, mmd2_unbiased
from rgan.models import Discriminator, Generator, ModelSpec

logger = logging.getLogger(__name__)

BETAS = (0.5, 0.999)


@dataclass
class TrainResult:
    generator: Generator
    best_epoch: int
    best_val_mmd2: float
    epochs_run: int
    seconds: float
    history: list[dict] = field(default_factory=list)
    resumed_from: int = 0


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class Validator:
    """Validation MMD² of generated against real validation sequences, with fixed noise and a
    bandwidth fixed from real data, so that scores of different epochs are comparable."""

    def __init__(self, data: PreparedData, n_samples: int, seed: int):
        self.X_val = data.X["val"]
        repeats = math.ceil(n_samples / len(data.y["val"]))
        self.labels = torch.as_tensor(np.tile(data.y["val"], repeats)[:n_samples])
        self.bandwidth = median_bandwidth(data.X["train"], self.X_val)
        self.seed = seed

    def __call__(self, generator: Generator) -> float:
        noise_source = torch.Generator().manual_seed(self.seed)
        samples = generator.sample(self.labels, generator=noise_source).numpy()
        return mmd2_unbiased(samples, self.X_val, self.bandwidth)


def data_fingerprint(data: PreparedData) -> str:
    digest = hashlib.sha256()
    for split in ("train", "val"):
        digest.update(np.ascontiguousarray(data.X[split]).tobytes())
        digest.update(np.ascontiguousarray(data.y[split]).tobytes())
    return digest.hexdigest()


def train_epoch(
    G: Generator,
    D: Discriminator,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    X: torch.Tensor,
    y: torch.Tensor,
    params: RunParams,
) -> tuple[float, float]:
    """One pass over the shuffled training set; returns mean discriminator and generator loss."""
    order = torch.randperm(len(X)).to(X.device)
    d_total = g_total = 0.0
    steps = len(X) // params.batch_size
    for step in range(steps):
        batch = order[step * params.batch_size : (step + 1) * params.batch_size]
        real, labels = X[batch], y[batch]
        fake = G(G.noise(len(batch)), labels)

        real_logits = D(real, labels)
        fake_logits = D(fake.detach(), labels)
        d_loss = F.binary_cross_entropy_with_logits(
            real_logits, torch.full_like(real_logits, params.real_label)
        ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()

        fooled_logits = D(fake, labels)
        g_loss = F.binary_cross_entropy_with_logits(fooled_logits, torch.ones_like(fooled_logits))
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()

        d_total += d_loss.item()
        g_total += g_loss.item()
    return d_total / steps, g_total / steps


def train_rcgan(
    data: PreparedData,
    params: RunParams,
    budget: TrainBudget,
    checkpoint_dir: str | Path,
    device: torch.device,
) -> TrainResult:
    """Train (or resume) one run; the returned generator holds the best validation weights."""
    if params.batch_size > len(data.y["train"]):
        raise ValueError(
            f"batch_size {params.batch_size} exceeds the {len(data.y['train'])} training samples"
        )
    spec = ModelSpec(
        seq_len=data.seq_len,
        n_features=data.n_features,
        n_classes=data.n_classes,
        hidden=params.hidden,
        noise_dim=params.noise_dim,
        layers=params.layers,
        bounded=data.scaler.bounded,
    )
    seed_everything(params.seed)
    G, D = Generator(spec).to(device), Discriminator(spec).to(device)
    opt_d = torch.optim.Adam(D.parameters(), lr=params.lr, betas=BETAS)
    opt_g = torch.optim.Adam(G.parameters(), lr=params.lr * params.g_factor, betas=BETAS)
    X = torch.as_tensor(data.X["train"], device=device)
    y = torch.as_tensor(data.y["train"], device=device)
    validator = Validator(data, budget.eval_samples, params.seed)

    identity = {
        "params": asdict(params),
        "eval_every": budget.eval_every,
        "eval_samples": budget.eval_samples,
        "data": data_fingerprint(data),
    }
    epoch, seconds, history = 0, 0.0, []
    best_epoch, best_score, best_weights = 0, math.inf, copy.deepcopy(G.state_dict())
    state = load_state(checkpoint_dir)
    if state is not None and state["identity"] == identity and state["epoch"] <= budget.epochs:
        G.load_state_dict(state["generator"])
        D.load_state_dict(state["discriminator"])
        opt_g.load_state_dict(state["opt_g"])
        opt_d.load_state_dict(state["opt_d"])
        set_rng_state(state["rng"])
        epoch, seconds, history = state["epoch"], state["seconds"], state["history"]
        best_epoch, best_score, best_weights = state["best"]
        logger.info("resuming from the checkpoint of epoch %d in %s", epoch, checkpoint_dir)
    elif state is not None:
        logger.info("checkpoint in %s belongs to other settings: starting afresh", checkpoint_dir)
    resumed_from = epoch

    def checkpoint() -> None:
        save_state(
            checkpoint_dir,
            {
                "identity": identity,
                "epoch": epoch,
                "seconds": seconds,
                "history": history,
                "best": (best_epoch, best_score, best_weights),
                "generator": G.state_dict(),
                "discriminator": D.state_dict(),
                "opt_g": opt_g.state_dict(),
                "opt_d": opt_d.state_dict(),
                "rng": rng_state(),
            },
        )

    logger.info(
        "training %s on %d sequences (%d steps × %d features, %d classes), epochs %d → %d",
        params.model,
        len(X),
        spec.seq_len,
        spec.n_features,
        spec.n_classes,
        epoch,
        budget.epochs,
    )
    session_start, session_epochs = time.perf_counter(), 0
    while epoch < budget.epochs:
        started = time.perf_counter()
        d_loss, g_loss = train_epoch(G, D, opt_g, opt_d, X, y, params)
        epoch += 1
        session_epochs += 1
        seconds += time.perf_counter() - started
        row = {"epoch": epoch, "d_loss": d_loss, "g_loss": g_loss, "val_mmd2": math.nan}
        if epoch % budget.eval_every == 0 or epoch == budget.epochs:
            row["val_mmd2"] = validator(G)
            if row["val_mmd2"] < best_score:
                best_epoch, best_score = epoch, row["val_mmd2"]
                best_weights = copy.deepcopy(G.state_dict())
            per_epoch = (time.perf_counter() - session_start) / session_epochs
            logger.info(
                "epoch %d/%d  d_loss %.4f  g_loss %.4f  val_mmd2 %.5f  (best %.5f @ %d)  "
                "%.0fs  ETA %.0fs",
                epoch,
                budget.epochs,
                d_loss,
                g_loss,
                row["val_mmd2"],
                best_score,
                best_epoch,
                seconds,
                per_epoch * (budget.epochs - epoch),
            )
        row["seconds"] = seconds
        history.append(row)
        if not (math.isfinite(d_loss) and math.isfinite(g_loss)):
            raise FloatingPointError(f"loss became {d_loss}/{g_loss} at epoch {epoch}")
        if epoch % budget.checkpoint_every == 0 or epoch == budget.epochs:
            checkpoint()

    G.load_state_dict(best_weights)
    logger.info("done: best val_mmd2 %.5f at epoch %d of %d", best_score, best_epoch, epoch)
    return TrainResult(G, best_epoch, best_score, epoch, seconds, history, resumed_from)
