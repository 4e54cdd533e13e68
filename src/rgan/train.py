"""The RGAN/RCGAN training loop, in nanoGPT's order: set the learning rates, train an epoch,
check for divergence (roll back to the last checkpoint), validate, keep the best generator,
checkpoint, log. The networks live in rgan.gan.GAN, the progress in rgan.train_state.TrainState;
a kill resumes at the last checkpoint, a stop signal exactly where it stopped."""

from __future__ import annotations

import hashlib
import logging
import math
import random
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import torch

from rgan import plots
from rgan.board import TrainingBoard
from rgan.checkpoint import (
    discard_interrupted_state,
    load_state,
    save_interrupted_state,
    save_state,
)
from rgan.config import RunParams, TrainBudget
from rgan.data.prepare import PreparedData
from rgan.devices import estimate_training_bytes
from rgan.gan import GAN, Batches, EpochPosition
from rgan.generate import conditions_of
from rgan.guards import adjust_g_factor, collapse, collapsed_start, divergence
from rgan.interrupt import StopRequest, TrainingInterrupted
from rgan.models import Discriminator, Generator, ModelSpec
from rgan.privacy import PrivacyPlan, privacy_plan, private_budget
from rgan.threads import kept_threads, starting_threads
from rgan.train_state import TrainState
from rgan.validation import Validator, selection_rule, snapshot_samples

logger = logging.getLogger(__name__)

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
    "val_trtr",
    "seconds",
    "dp_epsilon",  # ε spent so far, with differential privacy
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
    restarts: int = 0  # fresh starts after a collapsed start
    autocast: bool = False  # whether training ran under bfloat16 autocast (amp, if it can run)
    threads: int = 1  # the CPU threads it trained with (rgan.threads)
    privacy: PrivacyPlan | None = None  # DP-SGD's settings, with differential privacy
    dp_epsilon: float | None = None  # the ε spent at the plan's δ


def model_spec(data: PreparedData, params: RunParams) -> ModelSpec:
    """The networks of `params` on `data`; a run that sees static attributes needs data with
    them."""
    encoder = data.static_encoder
    if params.static and encoder is None:
        raise ValueError(
            "run key static: true, but the data have no static attributes (an npz with static, "
            "static_names and static_kinds; mimic3_ihm with data.mimic3_ihm.root)"
        )
    width = 0 if encoder is None else encoder.width
    shapes = (data.seq_len, data.n_features, data.n_classes, data.scaler.bounded, width)
    return ModelSpec.for_run(params, *shapes)


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


def seeded_gan(
    data: PreparedData,
    params: RunParams,
    seed: int,
    device: torch.device,
    privacy: PrivacyPlan | None = None,
) -> GAN:
    """New networks for `data`, their weights (and every later draw) from `seed`."""
    seed_everything(seed)
    return GAN(model_spec(data, params), params, device, privacy)


def restart_seed(seed: int, restarts: int) -> int:
    """The seed of a run's fresh networks after its `restarts`-th collapsed start: derived from
    both, so it is reproducible and is no other run's plain seed."""
    return int(np.random.SeedSequence([seed, restarts]).generate_state(1)[0])


def data_fingerprint(data: PreparedData) -> str:
    digest = hashlib.sha256()
    for split in ("train", "val"):
        digest.update(np.ascontiguousarray(data.X[split]).tobytes())
        digest.update(np.ascontiguousarray(data.y[split]).tobytes())
    return digest.hexdigest()


def learning_rates(
    params: RunParams, budget: TrainBudget, state: TrainState
) -> tuple[float, float]:
    """(D's rate, G's rate): the rollback scale × the linear decay towards lr_final over the
    epoch budget; G's × g_factor."""
    done = state.epoch / max(budget.epochs - 1, 1)
    decay = 1.0 - (1.0 - params.lr_final) * min(done, 1.0)
    return (
        params.lr * state.lr_scale * decay,
        params.lr * state.g_factor * state.lr_scale * decay,
    )


def checkpoint(identity: dict[str, Any], state: TrainState, gan: GAN) -> dict[str, Any]:
    """What a checkpoint holds: the settings it belongs to, the progress, the networks (and,
    with differential privacy, DP-SGD's plan and the accountant's history)."""
    return {"identity": identity, **state.to_checkpoint(), **gan.state_dict()}


def check_privacy_budget(saved: dict[str, Any], plan: PrivacyPlan, folder: str | Path) -> None:
    """Refuse to continue a run with a target ε for another epoch budget than the one its
    noise was derived for: it would spend more than its ε."""
    planned = (saved.get("privacy") or {}).get("plan")
    if plan.target_epsilon is None or planned is None or planned["epochs"] == plan.epochs:
        return
    raise ValueError(
        f"{folder}: this run's noise spends dp_target_epsilon {plan.target_epsilon:g} over "
        f"{planned['epochs']} epochs; continuing it for {plan.epochs} would spend more. Keep "
        f"train.epochs at {planned['epochs']}, or move the checkpoint folder aside (`mv "
        f"{folder} {folder}.old`) to train afresh with the new budget"
    )


@dataclass
class Session:
    """What stays fixed while a run trains: its settings, its data on the device, the
    validator, and where it writes checkpoints (and TensorBoard events)."""

    params: RunParams
    budget: TrainBudget
    data: PreparedData
    batches: Batches
    validator: Validator
    select_by: str
    identity: dict[str, Any]
    checkpoint_dir: str | Path
    board: TrainingBoard | None
    privacy: PrivacyPlan | None = None

    def save(self, state: TrainState, gan: GAN) -> None:
        save_state(self.checkpoint_dir, checkpoint(self.identity, state, gan))

    def resume_or_start(self, gan: GAN) -> TrainState:
        """The run's progress from its checkpoint when it has one of these settings; else a
        fresh start, checkpointed at once as a rollback target."""
        saved = load_state(self.checkpoint_dir)
        fits = saved is not None and saved["identity"] == self.identity
        if fits and self.privacy is not None:
            check_privacy_budget(saved, self.privacy, self.checkpoint_dir)
        if fits and saved["epoch"] <= self.budget.epochs:
            gan.load_state_dict(saved)
            state = TrainState.from_checkpoint(saved, gan.G.device)
            inside = "" if state.position is None else f", step {state.position.step} of the next"
            logger.info(
                "resuming from the checkpoint of epoch %d%s in %s",
                state.epoch,
                inside,
                self.checkpoint_dir,
            )
            state.threads = kept_threads(state.threads, self.batches.X.device)
            return state
        if saved is not None:
            logger.info(
                "checkpoint in %s belongs to other settings: starting afresh", self.checkpoint_dir
            )
        state = TrainState.start(gan.G.state_dict(), self.params.g_factor)
        started = time.perf_counter()
        state.threads = starting_threads(gan, self.batches, self.budget.thread_probe)
        state.seconds = time.perf_counter() - started  # a probe counts as training time
        self.save(state, gan)
        return state

    def restart(self, state: TrainState) -> tuple[GAN, TrainState]:
        """Fresh networks and progress after a collapsed start, from `restart_seed`; the time
        spent so far still counts as training time. Checkpointed at once."""
        restarts = state.restarts + 1
        seed = restart_seed(self.params.seed, restarts)
        gan = seeded_gan(self.data, self.params, seed, self.batches.X.device, self.privacy)
        fresh = TrainState.start(gan.G.state_dict(), self.params.g_factor)
        fresh.seconds, fresh.threads, fresh.restarts = state.seconds, state.threads, restarts
        logger.warning(
            "restart %d/%d: fresh networks from seed %d, epoch 0",
            restarts,
            self.budget.max_restarts,
            seed,
        )
        self.save(fresh, gan)
        return gan, fresh

    def roll_back(self, state: TrainState, problem: str, gan: GAN) -> TrainState:
        """Back to the last checkpoint, keeping the rollback count and the reduced rates."""
        saved = load_state(self.checkpoint_dir, resume=False)
        gan.load_state_dict(saved)
        rolled = replace(
            TrainState.from_checkpoint(saved, gan.G.device),
            rollbacks=state.rollbacks + 1,
            lr_scale=state.lr_scale * self.budget.rollback_lr_factor,
        )
        logger.warning(
            "epoch %d: %s: rolled back to epoch %d with learning rates × %g (rollback %d/%d)",
            state.epoch + 1,
            problem,
            rolled.epoch,
            rolled.lr_scale,
            rolled.rollbacks,
            self.budget.max_rollbacks,
        )
        return rolled

    def interrupted(self, stop: StopRequest, state: TrainState, gan: GAN) -> NoReturn:
        """Checkpoint a run stopped inside an epoch, and raise TrainingInterrupted."""
        path = save_interrupted_state(self.checkpoint_dir, checkpoint(self.identity, state, gan))
        message = (
            f"{stop.received.name}: stopped at step {state.position.step} of epoch "
            f"{state.epoch + 1}; checkpoint written to {path}; a rerun resumes there"
        )
        logger.warning("%s", message)
        raise TrainingInterrupted(message, stop.received)

    def record(self, state: TrainState, gan: GAN, stats: dict[str, float], eta: float) -> None:
        """After a completed epoch: the dynamic g_factor, the progress snapshot, validation
        (keeping the best generator) when due, and the epoch's row of log.csv."""
        budget, data = self.budget, self.data
        row = {"epoch": state.epoch, **stats, "lr": gan.lr, "g_factor": state.g_factor}
        row["dp_epsilon"] = math.nan if gan.private is None else gan.private.epsilon()
        if self.params.dynamic_g_factor:
            state.g_factor = adjust_g_factor(state.g_factor, stats)
        if budget.snapshot_every and state.epoch % budget.snapshot_every == 0:
            samples = snapshot_samples(gan.exported, data.n_classes, conditions_of(data))
            state.snapshots.append((state.epoch, torch.from_numpy(samples)))
            if self.board is not None:
                grid = plots.snapshot_grid(samples, data.n_classes, data.meta)
                self.board.samples(state.epoch, grid)
        row.update(val_mmd2=math.nan, val_tstr=math.nan, val_trtr=math.nan)
        if state.epoch % budget.eval_every == 0 or state.epoch == budget.epochs:
            scores = gan.validate(self.validator)
            row.update(scores)
            state.offer(scores, self.select_by, gan.exported.state_dict())
            log_validation(state, stats, scores, budget, eta, row["dp_epsilon"])
        row["seconds"] = state.seconds
        state.history.append(row)
        if self.board is not None:
            self.board.epoch(row)


def log_validation(
    state: TrainState, stats: dict, scores: dict, budget: TrainBudget, eta: float, epsilon: float
) -> None:
    spent = "" if math.isnan(epsilon) else f"  ε {epsilon:.3g}"
    logger.info(
        "epoch %d/%d  d_loss %.4f  g_loss %.4f  |∇D| %.3g  |∇G| %.3g  val_mmd2 %.5f  "
        "val_tstr %.3f  (best @ %d)  %.0fs  ETA %.0fs%s",
        state.epoch,
        budget.epochs,
        stats["d_loss"],
        stats["g_loss"],
        stats["d_grad_norm"],
        stats["g_grad_norm"],
        scores["val_mmd2"],
        scores["val_tstr"],
        state.best.epoch,
        state.seconds,
        eta,
        spent,
    )


def early_end(
    state: TrainState, stats: dict, budget: TrainBudget, loss: str, select_by: str
) -> tuple[str, str]:
    """(status, reason) when the run should restart after this epoch (a collapsed start, while
    restarts are left) or end (collapse or patience), else ("", "")."""
    if state.restarts < budget.max_restarts:
        collapsed, state.start_strikes = collapsed_start(
            stats, budget, loss, state.epoch, state.start_strikes
        )
        if collapsed:
            return "restart", collapsed
    collapsed, state.collapse_strikes = collapse(stats, budget, state.collapse_strikes)
    if collapsed:
        return "collapsed", collapsed
    if budget.patience is not None and state.evals_since_best >= budget.patience:
        return "stopped", f"no better validation {select_by} in {budget.patience} evaluations"
    return "", ""


def train_epochs(run: Session, gan: GAN, state: TrainState) -> tuple[TrainState, str, str]:
    """The epoch loop: (the final state, status, reason); status "restart" after a collapsed
    start (see `early_end`)."""
    params, budget = run.params, run.budget
    session_start, session_epochs = time.perf_counter(), 0
    with StopRequest() as stop:
        while state.epoch < budget.epochs:
            started = time.perf_counter()
            gan.set_lr(*learning_rates(params, budget, state))
            if state.position is None:
                state.position = EpochPosition.start(len(run.batches.X), params, gan.G.device)
            stats = gan.train_epoch(run.batches, state.position, stop)
            state.seconds += time.perf_counter() - started
            if stats is None:  # a stop signal: checkpoint where the epoch stands, and exit
                run.interrupted(stop, state, gan)
            state.position = None
            problem, state.loss_ratio_strikes = divergence(
                stats, budget, params.loss, state.loss_ratio_strikes
            )
            if problem and state.rollbacks >= budget.max_rollbacks:
                reason = f"{problem} after {state.rollbacks} rollbacks"
                logger.error("epoch %d: diverged: %s: stopping", state.epoch + 1, reason)
                return state, "diverged", reason
            if problem:
                state = run.roll_back(state, problem, gan)
                continue
            state.epoch, session_epochs = state.epoch + 1, session_epochs + 1
            per_epoch = (time.perf_counter() - session_start) / session_epochs
            run.record(state, gan, stats, eta=per_epoch * (budget.epochs - state.epoch))
            status, reason = early_end(state, stats, budget, params.loss, run.select_by)
            # Epochs inside a loss-ratio streak are suspect: no checkpoint, so a rollback goes
            # back to before the streak.
            due = state.epoch % budget.checkpoint_every == 0 and not state.loss_ratio_strikes
            if due or state.epoch == budget.epochs or status:
                run.save(state, gan)
            if status:
                logger.warning("epoch %d: %s: %s", state.epoch, status, reason)
                return state, status, reason
    return state, "completed", ""


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
    if params.augment != "none" and data.mask is not None:
        raise ValueError(
            f"augment {params.augment} would move the discriminator's inputs off their masks: "
            "this data set has missing values or varying lengths; use augment none"
        )
    plan = privacy_plan(params, len(data.y["train"]), budget.epochs)
    if plan is not None:
        budget = private_run(data, plan, budget)
    gan = seeded_gan(data, params, params.seed, device, plan)
    select_by = selection_rule(budget, params)
    identity = {
        "params": asdict(params),
        "eval_every": budget.eval_every,
        "eval_samples": budget.eval_samples,
        "select_by": budget.select_by,
        "data": data_fingerprint(data),
    }
    run = Session(
        params,
        budget,
        data,
        Batches.of(data, device, params.static),
        Validator(data, budget.eval_samples, params.seed, select_by == "tstr", params.static),
        select_by,
        identity,
        checkpoint_dir,
        board=None,
        privacy=plan,
    )
    state = run.resume_or_start(gan)
    resumed_from = state.epoch
    if select_by != budget.select_by:
        logger.info("select_by %s needs labels: %s selects by mmd2", budget.select_by, params.model)
    if tensorboard_dir:
        run.board = TrainingBoard(tensorboard_dir, resumed_from)
    logger.info(
        "training %s on %d sequences (%d steps × %d features, %d classes) on %s, epochs %d → %d",
        params.model,
        len(run.batches.X),
        data.seq_len,
        data.n_features,
        data.n_classes,
        device.type,
        state.epoch,
        budget.epochs,
    )
    if select_by == "tstr":
        logger.info(
            "validation TRTR (TSTR's reference, real training data): %.3f", run.validator.trtr
        )
    state, status, reason = train_epochs(run, gan, state)
    while status == "restart":
        gan, state = run.restart(state)
        state, status, reason = train_epochs(run, gan, state)
    discard_interrupted_state(checkpoint_dir)  # a diverged run ends at its last checkpoint
    if run.board is not None:
        run.board.close()
    return finish(gan, state, status, reason, resumed_from)


def private_run(data: PreparedData, plan: PrivacyPlan, budget: TrainBudget) -> TrainBudget:
    """Check that a private run can keep its guarantee on `data`, log its plan, and return its
    budget (private_budget)."""
    if data.mask is not None:
        raise ValueError(
            "differential privacy: this data set has missing values or varying lengths, and "
            "generated sequences would take the masks of real training sequences, outside the "
            "guarantee: use data without masks, or train without dp_* keys"
        )
    target = "" if plan.target_epsilon is None else f" (for ε {plan.target_epsilon:g})"
    logger.info(
        "differential privacy: DP-SGD on the discriminator, noise multiplier %.4g%s, gradients "
        "clipped to %g, Poisson sampling rate %.4g, δ %.3g, %d steps planned",
        plan.noise_multiplier,
        target,
        plan.max_grad_norm,
        plan.sample_rate,
        plan.delta,
        plan.steps,
    )
    return private_budget(budget)


def finish(gan: GAN, state: TrainState, status: str, reason: str, resumed_from: int) -> TrainResult:
    """The result: the generator with the best validated weights, and the run's summary."""
    gan.G.load_state_dict(state.best.weights)
    logger.info(
        "%s: exporting epoch %d of %d (val_mmd2 %.5f, val_tstr %.3f)",
        status,
        state.best.epoch,
        state.epoch,
        state.best.scores["val_mmd2"],
        state.best.scores["val_tstr"],
    )
    return TrainResult(
        generator=gan.G,
        best_epoch=state.best.epoch,
        best_val_mmd2=state.best.scores["val_mmd2"],
        best_val_tstr=state.best.scores["val_tstr"],
        epochs_run=state.epoch,
        seconds=state.seconds,
        history=state.history,
        resumed_from=resumed_from,
        snapshots=[(epoch, samples.numpy()) for epoch, samples in state.snapshots],
        status=status,
        stop_reason=reason,
        rollbacks=state.rollbacks,
        restarts=state.restarts,
        autocast=gan.trained_as.amp,
        threads=state.threads,
        privacy=None if gan.private is None else gan.private.plan,
        dp_epsilon=None if gan.private is None else gan.private.epsilon(),
    )
