"""The RGAN/RCGAN training loop: Adam for both players, label smoothing and noise, validation
MMD² (and TSTR) every few epochs with the best generator kept, early stopping, divergence guards
that roll back to the last good checkpoint, a collapse guard, and checkpoints to resume from
after a kill (at the last checkpoint) or a stop signal (exactly where it stopped)."""

from __future__ import annotations

import copy
import hashlib
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rgan import plots
from rgan.board import TrainingBoard
from rgan.checkpoint import (
    discard_interrupted_state,
    load_state,
    rng_state,
    save_interrupted_state,
    save_state,
    set_rng_state,
)
from rgan.config import RunParams, TrainBudget
from rgan.data.prepare import PreparedData
from rgan.devices import estimate_training_bytes
from rgan.interrupt import StopRequest, TrainingInterrupted
from rgan.losses import (
    GP_WEIGHT,
    class_loss,
    discriminator_loss,
    generator_loss,
    gradient_penalty,
)
from rgan.masks import apply_mask, missing_fill
from rgan.metrics.fidelity import median_bandwidth, mmd2_unbiased
from rgan.metrics.utility import accuracy
from rgan.models import CELLS, Discriminator, Generator, ModelSpec

logger = logging.getLogger(__name__)

BETAS = {"bce": (0.5, 0.999), "wgan_gp": (0.0, 0.9)}  # Adam's betas per loss
HISTORY_COLUMNS = (
    "epoch",
    "d_loss",
    "g_loss",
    "d_grad_norm",
    "g_grad_norm",
    "lr",
    "g_factor",
    "val_mmd2",
    "val_tstr",
    "seconds",
)


@dataclass
class TrainResult:
    generator: Generator
    best_epoch: int
    best_val_mmd2: float
    best_val_tstr: float
    epochs_run: int
    seconds: float
    history: list[dict] = field(default_factory=list)
    resumed_from: int = 0
    snapshots: list[tuple[int, np.ndarray]] = field(default_factory=list)
    status: str = "completed"  # completed, stopped (early stopping), diverged or collapsed
    stop_reason: str = ""
    rollbacks: int = 0
    autocast: bool = False  # whether training ran under bfloat16 autocast (amp, if it can run)


def training_bytes(data: PreparedData, params: RunParams) -> int:
    """Rough memory a run needs (see rgan.devices.estimate_training_bytes)."""
    spec = model_spec(data, params)
    n_parameters = sum(
        p.numel() for net in (Generator(spec), Discriminator(spec)) for p in net.parameters()
    )
    return estimate_training_bytes(
        n_parameters, params.batch_size, spec.seq_len, spec.n_features, spec.hidden, spec.layers
    )


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def model_spec(data: PreparedData, params: RunParams) -> ModelSpec:
    return ModelSpec(
        seq_len=data.seq_len,
        n_features=data.n_features,
        n_classes=data.n_classes,
        hidden=params.hidden,
        noise_dim=params.noise_dim,
        layers=params.layers,
        bounded=data.scaler.bounded,
        cell=params.cell,
        bidirectional=params.bidirectional,
        d_output=params.d_output,
        spectral_norm=params.spectral_norm,
        conditional=params.conditional,
        conv=params.conv,
        aux_classifier=params.aux_classifier,
    )


def to_device(array: np.ndarray, device: torch.device, dtype=None) -> torch.Tensor:
    """A tensor on `device`, copied from pinned host memory when it goes to a GPU."""
    tensor = torch.as_tensor(array, dtype=dtype)
    if device.type == "cuda":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor.to(device)


def selection_rule(budget: TrainBudget, params: RunParams) -> str:
    """The budget's select_by; an unconditional RGAN has no labels for TSTR, so MMD²."""
    return budget.select_by if params.conditional else "mmd2"


class Validator:
    """Validation MMD² of generated against real validation sequences (fixed noise, bandwidth
    fixed from real data, so that epochs compare) and, when selecting by it, validation TSTR:
    logistic regression trained on the generated sequences, tested on the real ones."""

    def __init__(self, data: PreparedData, n_samples: int, seed: int, with_tstr: bool):
        self.X_val, self.y_val = data.X["val"], data.y["val"]
        repeats = math.ceil(n_samples / len(self.y_val))
        self.labels = np.tile(self.y_val, repeats)[:n_samples]
        self.masks = self.fill = None
        if data.mask is not None:  # generated sequences get the validation masks and fill
            self.masks = np.tile(data.mask["val"], (repeats, 1, 1))[:n_samples]
            self.fill = missing_fill(data.X["train"], data.mask["train"])
        self.bandwidth = median_bandwidth(data.X["train"], self.X_val)
        self.seed, self.with_tstr = seed, with_tstr

    def __call__(self, generator: Generator) -> dict[str, float]:
        noise_source = torch.Generator().manual_seed(self.seed)
        samples = generator.sample(torch.as_tensor(self.labels), generator=noise_source).numpy()
        if self.masks is not None:
            samples = apply_mask(samples, self.masks, self.fill)
        scores = {"val_mmd2": float(mmd2_unbiased(samples, self.X_val, self.bandwidth))}
        scores["val_tstr"] = (
            float(
                accuracy("logistic_regression", (samples, self.labels), (self.X_val, self.y_val), 0)
            )
            if self.with_tstr
            else math.nan
        )
        return scores


def selection_key(scores: dict[str, float], select_by: str) -> tuple[float, float]:
    """Larger is better: highest val TSTR (ties: lowest MMD²), or lowest val MMD²."""
    if select_by == "tstr":
        return (scores["val_tstr"], -scores["val_mmd2"])
    if select_by == "mmd2":
        return (-scores["val_mmd2"], 0.0)
    raise ValueError(f"unknown select_by {select_by!r}: expected mmd2 or tstr")


@torch.no_grad()
def update_average(average: Generator, current: Generator, decay: float) -> None:
    """Exponential moving average of the generator's weights (sampled from, not trained)."""
    for kept, new in zip(average.parameters(), current.parameters(), strict=True):
        kept.lerp_(new, 1.0 - decay)


def data_fingerprint(data: PreparedData) -> str:
    digest = hashlib.sha256()
    for split in ("train", "val"):
        digest.update(np.ascontiguousarray(data.X[split]).tobytes())
        digest.update(np.ascontiguousarray(data.y[split]).tobytes())
    return digest.hexdigest()


G_FACTOR_BOUNDS = (0.1, 10.0)
SNAPSHOT_PER_CLASS = 6


def adjust_g_factor(g_factor: float, stats: dict[str, float]) -> float:
    """Raise the generator's rate by 10% while D wins (g/d loss ratio > 2), lower it while G
    wins (< 0.5), within G_FACTOR_BOUNDS."""
    ratio = stats["g_loss"] / max(stats["d_loss"], 1e-12)
    if ratio > 2.0:
        g_factor *= 1.1
    elif ratio < 0.5:
        g_factor /= 1.1
    return min(max(g_factor, G_FACTOR_BOUNDS[0]), G_FACTOR_BOUNDS[1])


def autocast_works(device: torch.device, cell: str) -> bool:
    """Whether bfloat16 autocast can run the recurrent layers on `device` (oneDNN's CPU LSTM
    has no bfloat16 kernel on processors without AVX-512). Leaves the RNGs as they were."""
    with torch.random.fork_rng(devices=[]):
        layer = CELLS[cell](2, 2, batch_first=True).to(device)
    try:
        with torch.autocast(device.type, dtype=torch.bfloat16):
            layer(torch.zeros(1, 2, 2, device=device))[0].float().sum().backward()
    except RuntimeError:
        return False
    return True


def snapshot_samples(generator: Generator, n_classes: int) -> np.ndarray:
    """Samples from the same noise at every snapshot: SNAPSHOT_PER_CLASS per class, in order."""
    labels = torch.arange(n_classes).repeat_interleave(SNAPSHOT_PER_CLASS)
    noise_source = torch.Generator().manual_seed(12345)
    return generator.sample(labels, generator=noise_source).numpy()


def grad_norm(module: torch.nn.Module) -> torch.Tensor:
    return torch.nn.utils.clip_grad_norm_(module.parameters(), float("inf"))


@dataclass
class EpochPosition:
    """Where an epoch stands: its shuffle order and real targets (drawn at its start), the next
    step, and the sums of both losses and gradient norms so far."""

    order: torch.Tensor
    real_targets: torch.Tensor
    step: int
    totals: torch.Tensor

    @classmethod
    def start(cls, n: int, params: RunParams, device: torch.device) -> EpochPosition:
        order = torch.randperm(n).to(device)
        real_targets = torch.full((n,), params.real_label, device=device)
        if params.label_noise > 0:
            noise = torch.randn(n, device=device)
            real_targets = (real_targets + params.label_noise * noise).clamp(0, 1)
        return cls(order, real_targets, 0, torch.zeros(4, device=device))

    def to_checkpoint(self) -> dict[str, Any]:
        tensors = {"order": self.order, "real_targets": self.real_targets, "totals": self.totals}
        return {"step": self.step} | {name: value.cpu() for name, value in tensors.items()}

    @classmethod
    def from_checkpoint(cls, saved: dict[str, Any], device: torch.device) -> EpochPosition:
        tensors = {name: saved[name].to(device) for name in ("order", "real_targets", "totals")}
        return cls(step=saved["step"], **tensors)


def train_epoch(
    G: Generator,
    D: Discriminator,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    X: torch.Tensor,
    y: torch.Tensor,
    params: RunParams,
    G_average: Generator | None = None,
    masks: torch.Tensor | None = None,
    position: EpochPosition | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> dict[str, float] | None:
    """One pass over the shuffled training set (from `position` on, if given): mean losses and
    gradient norms of both nets; or None, with `position` at the next step, when `stop()` turned
    true (checked before every step). With `masks`, D sees real and generated values only where
    the real batch was observed (generated sequences take the real batch's masks), and per-step
    losses skip empty steps. RGAN's networks ignore the labels."""
    if position is None:
        position = EpochPosition.start(len(X), params, X.device)
    order, real_targets = position.order, position.real_targets

    def noisy(x: torch.Tensor) -> torch.Tensor:
        if params.instance_noise > 0:
            return x + params.instance_noise * torch.randn_like(x)
        return x

    steps = len(X) // params.batch_size
    autocast = torch.autocast(X.device.type, dtype=torch.bfloat16, enabled=params.amp)
    for step in range(position.step, steps):
        if stop():
            position.step = step
            return None
        batch = order[step * params.batch_size : (step + 1) * params.batch_size]
        real, labels = X[batch], y[batch]
        mask = None if masks is None else masks[batch]
        weight = None if mask is None else mask.amax(dim=-1)  # steps with anything observed

        def hide(x: torch.Tensor, mask: torch.Tensor | None = mask) -> torch.Tensor:
            return x if mask is None else x * mask

        for _ in range(params.d_steps):
            with autocast:
                fake = G(G.noise(len(batch)), labels)
                real_logits, real_classes = D(noisy(hide(real)), labels)
                fake_logits, _ = D(noisy(hide(fake.detach())), labels)
            d_loss = discriminator_loss(
                params.loss, real_logits.float(), fake_logits.float(), real_targets[batch], weight
            )
            # AC-GAN: D learns the classes from real data only, G is rewarded for its fakes'.
            d_loss = d_loss + class_loss(real_classes, labels)
            if params.loss == "wgan_gp":
                penalty = gradient_penalty(D, hide(real), hide(fake.detach()), labels)
                d_loss = d_loss + GP_WEIGHT * penalty
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            d_norm = grad_norm(D)
            opt_d.step()

        with autocast:
            fooled_logits, fooled_classes = D(noisy(hide(fake)), labels)
        g_loss = generator_loss(params.loss, fooled_logits.float(), weight)
        g_loss = g_loss + class_loss(fooled_classes, labels)
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        g_norm = grad_norm(G)
        opt_g.step()
        if G_average is not None:
            update_average(G_average, G, params.ema)
        position.totals += torch.stack([d_loss.detach(), g_loss.detach(), d_norm, g_norm])
    d_loss, g_loss, d_norm, g_norm = (position.totals / steps).tolist()
    return {"d_loss": d_loss, "g_loss": g_loss, "d_grad_norm": d_norm, "g_grad_norm": g_norm}


def divergence(
    stats: dict[str, float], budget: TrainBudget, loss: str, strikes: int
) -> tuple[str, int]:
    """Why an epoch's statistics look like divergence (or ""), and the updated count of
    consecutive epochs with the loss ratio outside its limits (BCE only: WGAN losses change
    sign, so their ratio means nothing)."""
    values = [stats["d_loss"], stats["g_loss"], stats["d_grad_norm"], stats["g_grad_norm"]]
    if not all(math.isfinite(value) for value in values):
        return f"non-finite loss or gradient ({stats})", strikes
    limit = budget.max_grad_norm
    if limit is not None and max(stats["d_grad_norm"], stats["g_grad_norm"]) > limit:
        return (
            f"gradient norm exploded (D {stats['d_grad_norm']:.3g}, "
            f"G {stats['g_grad_norm']:.3g} > {limit:g})"
        ), strikes
    if budget.loss_ratio_limits is None or loss != "bce":
        return "", 0
    low, high = budget.loss_ratio_limits
    ratio = stats["g_loss"] / max(stats["d_loss"], 1e-12)
    strikes = strikes + 1 if not low <= ratio <= high else 0
    if strikes >= budget.loss_ratio_epochs:
        return (
            f"loss ratio g/d = {ratio:.3g} outside [{low:g}, {high:g}] for "
            f"{budget.loss_ratio_epochs} epochs"
        ), 0
    return "", strikes


def collapse(stats: dict[str, float], budget: TrainBudget, strikes: int) -> tuple[str, int]:
    """Why the run looks collapsed (or ""), and the updated count of consecutive epochs whose
    generator gradient norm was below `collapse_grad_norm` (the generator no longer learns)."""
    strikes = strikes + 1 if stats["g_grad_norm"] < budget.collapse_grad_norm else 0
    if budget.collapse_epochs is not None and strikes >= budget.collapse_epochs:
        return (
            f"generator gradient norm below {budget.collapse_grad_norm:g} for {strikes} epochs "
            f"in a row (last {stats['g_grad_norm']:.3g}): it no longer learns"
        ), strikes
    return "", strikes


def train_rcgan(
    data: PreparedData,
    params: RunParams,
    budget: TrainBudget,
    checkpoint_dir: str | Path,
    device: torch.device,
    tensorboard_dir: str | Path | None = None,
) -> TrainResult:
    """Train (or resume) one run; the returned generator holds the best validation weights."""
    if params.batch_size > len(data.y["train"]):
        raise ValueError(
            f"batch_size {params.batch_size} exceeds the {len(data.y['train'])} training samples"
        )
    spec = model_spec(data, params)
    seed_everything(params.seed)
    G, D = Generator(spec).to(device), Discriminator(spec).to(device)
    betas = BETAS[params.loss]
    opt_d = torch.optim.Adam(D.parameters(), lr=params.lr, betas=betas)
    opt_g = torch.optim.Adam(G.parameters(), lr=params.lr * params.g_factor, betas=betas)
    X = to_device(data.X["train"], device)
    masks = None
    if data.mask is not None:
        masks = to_device(data.mask["train"], device, dtype=torch.float32)
    y = to_device(data.y["train"], device)
    G_average = copy.deepcopy(G) if params.ema > 0 else None
    exported = G_average if G_average is not None else G  # what is validated and exported
    select_by = selection_rule(budget, params)
    trained_as = params  # what train_epoch runs: params, less autocast where it cannot run
    if params.amp and not autocast_works(device, params.cell):
        logger.warning("bfloat16 autocast cannot run %s on this %s: float32", params.cell, device)
        trained_as = replace(params, amp=False)
    validator = Validator(data, budget.eval_samples, params.seed, select_by == "tstr")

    identity = {
        "params": asdict(params),
        "eval_every": budget.eval_every,
        "eval_samples": budget.eval_samples,
        "select_by": budget.select_by,
        "data": data_fingerprint(data),
    }
    # Everything a checkpoint holds besides the networks, optimizers and RNGs; tensors and plain
    # Python values only, so that it loads with weights_only.
    progress = {
        "epoch": 0,
        "seconds": 0.0,
        "history": [],
        "best": (0, {"val_mmd2": math.inf, "val_tstr": -math.inf}, copy.deepcopy(G.state_dict())),
        "evals_since_best": 0,
        "g_factor": params.g_factor,
        "snapshots": [],  # (epoch, samples as a tensor)
        "loss_ratio_strikes": 0,
        "collapse_strikes": 0,
    }
    rollbacks, lr_scale = 0, 1.0
    position: EpochPosition | None = None  # the epoch in progress

    def snapshot() -> dict:
        return {
            "identity": identity,
            **copy.deepcopy(progress),
            "rollbacks": rollbacks,
            "lr_scale": lr_scale,
            "position": None if position is None else position.to_checkpoint(),
            "generator": G.state_dict(),
            "generator_average": None if G_average is None else G_average.state_dict(),
            "discriminator": D.state_dict(),
            "opt_g": opt_g.state_dict(),
            "opt_d": opt_d.state_dict(),
            "rng": rng_state(),
        }

    def restore(state: dict) -> EpochPosition | None:
        """Load a checkpoint's state; returns the position inside its epoch, if it has one."""
        G.load_state_dict(state["generator"])
        if G_average is not None:
            G_average.load_state_dict(state["generator_average"])
        D.load_state_dict(state["discriminator"])
        opt_g.load_state_dict(state["opt_g"])
        opt_d.load_state_dict(state["opt_d"])
        set_rng_state(state["rng"])
        for key in progress:
            progress[key] = state[key]
        saved = state["position"]
        return None if saved is None else EpochPosition.from_checkpoint(saved, device)

    def set_lr_scale(scale: float) -> None:
        """Rollback scale × the linear decay towards lr_final over the epoch budget."""
        done = progress["epoch"] / max(budget.epochs - 1, 1)
        decay = 1.0 - (1.0 - params.lr_final) * min(done, 1.0)
        for group in opt_d.param_groups:
            group["lr"] = params.lr * scale * decay
        for group in opt_g.param_groups:
            group["lr"] = params.lr * progress["g_factor"] * scale * decay

    state = load_state(checkpoint_dir)
    if state is not None and state["identity"] == identity and state["epoch"] <= budget.epochs:
        position = restore(state)
        rollbacks, lr_scale = state["rollbacks"], state["lr_scale"]
        set_lr_scale(lr_scale)
        inside = "" if position is None else f", step {position.step} of the next"
        logger.info(
            "resuming from the checkpoint of epoch %d%s in %s",
            state["epoch"],
            inside,
            checkpoint_dir,
        )
    else:
        if state is not None:
            logger.info(
                "checkpoint in %s belongs to other settings: starting afresh", checkpoint_dir
            )
        save_state(checkpoint_dir, snapshot())  # epoch 0: a rollback target from the start
    resumed_from = progress["epoch"]
    if select_by != budget.select_by:
        logger.info("select_by %s needs labels: %s selects by mmd2", budget.select_by, params.model)
    board = TrainingBoard(tensorboard_dir, resumed_from) if tensorboard_dir else None

    logger.info(
        "training %s on %d sequences (%d steps × %d features, %d classes) on %s, epochs %d → %d",
        params.model,
        len(X),
        spec.seq_len,
        spec.n_features,
        spec.n_classes,
        device.type,
        progress["epoch"],
        budget.epochs,
    )
    status, reason = "completed", ""
    session_start, session_epochs = time.perf_counter(), 0
    with StopRequest() as stop:
        while progress["epoch"] < budget.epochs:
            started = time.perf_counter()
            set_lr_scale(lr_scale)
            if position is None:
                position = EpochPosition.start(len(X), params, device)
            stats = train_epoch(
                G, D, opt_g, opt_d, X, y, trained_as, G_average, masks, position, stop
            )
            if stats is None:  # a stop signal: checkpoint where the epoch stands, and exit
                progress["seconds"] += time.perf_counter() - started
                path = save_interrupted_state(checkpoint_dir, snapshot())
                message = (
                    f"{stop.received.name}: stopped at step {position.step} of epoch "
                    f"{progress['epoch'] + 1}; checkpoint written to {path}; a rerun resumes there"
                )
                logger.warning("%s", message)
                raise TrainingInterrupted(message, stop.received)
            position = None
            problem, progress["loss_ratio_strikes"] = divergence(
                stats, budget, params.loss, progress["loss_ratio_strikes"]
            )
            if problem:
                if rollbacks >= budget.max_rollbacks:
                    status, reason = "diverged", f"{problem} after {rollbacks} rollbacks"
                    logger.error("epoch %d: %s: stopping", progress["epoch"] + 1, reason)
                    break
                rollbacks += 1
                lr_scale *= budget.rollback_lr_factor
                failed_epoch = progress["epoch"] + 1
                position = restore(load_state(checkpoint_dir, resume=False))
                set_lr_scale(lr_scale)
                logger.warning(
                    "epoch %d: %s: rolled back to epoch %d with learning rates × %g "
                    "(rollback %d/%d)",
                    failed_epoch,
                    problem,
                    progress["epoch"],
                    lr_scale,
                    rollbacks,
                    budget.max_rollbacks,
                )
                continue
            epoch = progress["epoch"] = progress["epoch"] + 1
            session_epochs += 1
            progress["seconds"] += time.perf_counter() - started
            row = {"epoch": epoch, **stats, "lr": opt_d.param_groups[0]["lr"]}
            row["g_factor"] = progress["g_factor"]
            if params.dynamic_g_factor:
                progress["g_factor"] = adjust_g_factor(progress["g_factor"], stats)
            if budget.snapshot_every and epoch % budget.snapshot_every == 0:
                samples = snapshot_samples(exported, data.n_classes)
                progress["snapshots"].append((epoch, torch.from_numpy(samples)))
                if board is not None:
                    board.samples(epoch, plots.snapshot_grid(samples, data.n_classes, data.meta))
            row.update(val_mmd2=math.nan, val_tstr=math.nan)
            if epoch % budget.eval_every == 0 or epoch == budget.epochs:
                scores = validator(exported)
                row.update(scores)
                best_key = selection_key(progress["best"][1], select_by)
                if selection_key(scores, select_by) > best_key:
                    progress["best"] = (epoch, scores, copy.deepcopy(exported.state_dict()))
                    progress["evals_since_best"] = 0
                else:
                    progress["evals_since_best"] += 1
                per_epoch = (time.perf_counter() - session_start) / session_epochs
                logger.info(
                    "epoch %d/%d  d_loss %.4f  g_loss %.4f  |∇D| %.3g  |∇G| %.3g  val_mmd2 %.5f  "
                    "val_tstr %.3f  (best @ %d)  %.0fs  ETA %.0fs",
                    epoch,
                    budget.epochs,
                    stats["d_loss"],
                    stats["g_loss"],
                    stats["d_grad_norm"],
                    stats["g_grad_norm"],
                    scores["val_mmd2"],
                    scores["val_tstr"],
                    progress["best"][0],
                    progress["seconds"],
                    per_epoch * (budget.epochs - epoch),
                )
            row["seconds"] = progress["seconds"]
            progress["history"].append(row)
            if board is not None:
                board.epoch(row)
            collapsed, progress["collapse_strikes"] = collapse(
                stats, budget, progress["collapse_strikes"]
            )
            patience = budget.patience
            if collapsed or (patience is not None and progress["evals_since_best"] >= patience):
                status = "collapsed" if collapsed else "stopped"
                reason = collapsed or f"no better validation {select_by} in {patience} evaluations"
                logger.warning("epoch %d: %s: %s", epoch, status, reason)
                save_state(checkpoint_dir, snapshot())
                break
            # Epochs inside a loss-ratio streak are suspect: no checkpoint, so a rollback goes
            # back to before the streak.
            streak = progress["loss_ratio_strikes"] > 0
            if (epoch % budget.checkpoint_every == 0 and not streak) or epoch == budget.epochs:
                save_state(checkpoint_dir, snapshot())
    discard_interrupted_state(checkpoint_dir)  # a diverged run ends at its last checkpoint

    if board is not None:
        board.close()
    best_epoch, best_scores, best_weights = progress["best"]
    G.load_state_dict(best_weights)
    logger.info(
        "%s: exporting epoch %d of %d (val_mmd2 %.5f, val_tstr %.3f)",
        status,
        best_epoch,
        progress["epoch"],
        best_scores["val_mmd2"],
        best_scores["val_tstr"],
    )
    return TrainResult(
        generator=G,
        best_epoch=best_epoch,
        best_val_mmd2=best_scores["val_mmd2"],
        best_val_tstr=best_scores["val_tstr"],
        epochs_run=progress["epoch"],
        seconds=progress["seconds"],
        history=progress["history"],
        resumed_from=resumed_from,
        snapshots=[(epoch, samples.numpy()) for epoch, samples in progress["snapshots"]],
        status=status,
        stop_reason=reason,
        rollbacks=rollbacks,
        autocast=trained_as.amp,
    )
