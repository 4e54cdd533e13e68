"""The networks of a run and how one epoch trains them: G, D, the moving average of G and both
Adam optimizers (`GAN`), and one pass over the shuffled training set (`train_epoch`) that can
stop between steps and resume from where it stood (`EpochPosition`)."""

from __future__ import annotations

import copy
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from rgan.augment import augment
from rgan.config import RunParams
from rgan.data.prepare import PreparedData
from rgan.losses import (
    GP_WEIGHT,
    class_loss,
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    sequence_losses,
    step_bce,
)
from rgan.models import RECURRENT_LAYERS, Discriminator, Generator, ModelSpec
from rgan.privacy import PrivacyPlan, PrivateDiscriminator

logger = logging.getLogger(__name__)

BETAS = {"bce": (0.5, 0.999), "wgan_gp": (0.0, 0.9)}  # Adam's betas per loss


def average_decay(ema: float, warmup: bool, updates: int) -> float:
    """The moving average's decay after `updates` generator steps: `ema`, or with `warmup` the
    smaller (1 + updates) / (10 + updates) while that is smaller (TensorFlow's
    ExponentialMovingAverage with num_updates), so the average follows the fast early changes."""
    return min(ema, (1 + updates) / (10 + updates)) if warmup else ema


def average_of(G: Generator) -> Generator:
    """A copy of G to hold the moving average. A deep copy loses cuDNN's single block of
    recurrent weights (cuDNN would then compact them at every call, with a warning): restored."""
    average = copy.deepcopy(G)
    for module in average.modules():
        if isinstance(module, torch.nn.RNNBase):
            module.flatten_parameters()  # a no-op off CUDA
    return average


@torch.no_grad()
def update_average(average: Generator, current: Generator, decay: float) -> None:
    """Exponential moving average of the generator's weights (sampled from, not trained)."""
    for kept, new in zip(average.parameters(), current.parameters(), strict=True):
        kept.lerp_(new, 1.0 - decay)


def grad_norm(module: torch.nn.Module) -> torch.Tensor:
    return torch.nn.utils.clip_grad_norm_(module.parameters(), float("inf"))


def autocast_works(device: torch.device, cell: str) -> bool:
    """Whether bfloat16 autocast can run the recurrent layers on `device` (oneDNN's CPU LSTM
    has no bfloat16 kernel on processors without AVX-512). Leaves the RNGs as they were."""
    with torch.random.fork_rng(devices=[]):
        layer = RECURRENT_LAYERS[cell](2, 2, batch_first=True).to(device)
    try:
        with torch.autocast(device.type, dtype=torch.bfloat16):
            layer(torch.zeros(1, 2, 2, device=device))[0].float().sum().backward()
    except RuntimeError:
        return False
    return True


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


def private_discriminator_step(
    private: PrivateDiscriminator,
    noisy: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    labels: torch.Tensor,
    real_targets: torch.Tensor,
    fake: torch.Tensor,
    fake_labels: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One DP-SGD step of D (PrivateDiscriminator.step): its loss and gradient norm."""

    def real_losses() -> torch.Tensor:
        logits, classes = private.module(noisy(real), labels)
        return sequence_losses(logits, real_targets, classes, labels)

    def fake_loss() -> torch.Tensor:
        logits, _ = private.plain(noisy(fake), fake_labels)
        return step_bce(logits, torch.zeros_like(logits), None)

    return private.step(real_losses, fake_loss)


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
    private: PrivateDiscriminator | None = None,
    static: torch.Tensor | None = None,
) -> dict[str, float] | None:
    """One pass over the shuffled training set (from `position` on, if given): mean losses and
        gradient norms of both nets; or None, with `position` at the next step, when `stop()` turned
        true (checked before every step). With `masks`, D sees real and generated values only where
        the real batch was observed (generated sequences take the real batch's masks), and per-step
        losses skip empty steps. RGAN's networks ignore the labels. With `private` (D behind
        Opacus), each step's real batch is Poisson-sampled, and the generated sequences, as many as
        `batch_size`, get classes drawn uniformly: nothing of them depends on the real data. With
    `static` (encoded attributes of the training sequences), both nets see each real sequence's
    attributes, and the generated ones take the real batch's."""
    if position is None:
        position = EpochPosition.start(len(X), params, X.device)
    order, real_targets = position.order, position.real_targets

    def noisy(x: torch.Tensor) -> torch.Tensor:
        """What D sees of `x`: augmented (DiffAugment), with instance noise."""
        x = augment(x, params.augment)
        if params.instance_noise > 0:
            return x + params.instance_noise * torch.randn_like(x)
        return x

    steps = len(X) // params.batch_size
    autocast = torch.autocast(X.device.type, dtype=torch.bfloat16, enabled=params.amp)
    for step in range(position.step, steps):
        if stop():
            position.step = step
            return None
        if private is None:
            batch = order[step * params.batch_size : (step + 1) * params.batch_size]
            fake_labels = y[batch]
        else:
            batch = private.real_batch(len(X), X.device)
            fake_labels = torch.randint(G.spec.n_classes, (params.batch_size,), device=X.device)
        real, labels = X[batch], y[batch]
        attributes = None if static is None else static[batch]
        mask = None if masks is None else masks[batch]
        weight = None if mask is None else mask.amax(dim=-1)  # steps with anything observed

        def hide(x: torch.Tensor, mask: torch.Tensor | None = mask) -> torch.Tensor:
            return x if mask is None else x * mask

        for _ in range(params.d_steps):
            with autocast:
                fake = G(G.noise(len(fake_labels)), fake_labels, attributes)
            if private is not None:
                d_loss, d_norm = private_discriminator_step(
                    private, noisy, real, labels, real_targets[batch], fake.detach(), fake_labels
                )
                continue
            with autocast:
                real_logits, real_classes = D(noisy(hide(real)), labels, attributes)
                fake_logits, _ = D(noisy(hide(fake.detach())), labels, attributes)
            d_loss = discriminator_loss(
                params.loss, real_logits.float(), fake_logits.float(), real_targets[batch], weight
            )
            # AC-GAN: D learns the classes (and attributes) from real data only, G is rewarded
            # for its fakes'.
            d_loss = d_loss + class_loss(real_classes, labels, attributes)
            if params.loss == "wgan_gp":
                penalty = gradient_penalty(D, hide(real), hide(fake.detach()), labels, attributes)
                d_loss = d_loss + GP_WEIGHT * penalty
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            d_norm = grad_norm(D)
            opt_d.step()

        critic = D if private is None else private.plain  # no per-sample gradients for G
        with autocast:
            fooled_logits, fooled_classes = critic(noisy(hide(fake)), fake_labels, attributes)
        g_loss = generator_loss(params.loss, fooled_logits.float(), weight)
        g_loss = g_loss + class_loss(fooled_classes, fake_labels, attributes)
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        g_norm = grad_norm(G)
        opt_g.step()
        if G_average is not None:
            # Adam's step count is the number of generator updates so far, resumed with it.
            updates = int(opt_g.state[next(G.parameters())]["step"]) - 1
            update_average(G_average, G, average_decay(params.ema, params.ema_warmup, updates))
        position.totals += torch.stack([d_loss.detach(), g_loss.detach(), d_norm, g_norm])
    d_loss, g_loss, d_norm, g_norm = (position.totals / steps).tolist()
    return {"d_loss": d_loss, "g_loss": g_loss, "d_grad_norm": d_norm, "g_grad_norm": g_norm}


def to_device(array: np.ndarray, device: torch.device, dtype=None) -> torch.Tensor:
    """A tensor on `device`, copied from pinned host memory when it goes to a GPU."""
    tensor = torch.as_tensor(array, dtype=dtype)
    if device.type == "cuda":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor.to(device)


@dataclass
class Batches:
    """The training split on the training device (with its encoded attributes, for a run
    that sees them)."""

    X: torch.Tensor
    y: torch.Tensor
    masks: torch.Tensor | None
    static: torch.Tensor | None = None

    @classmethod
    def of(cls, data: PreparedData, device: torch.device, static: bool = False) -> Batches:
        masks = encoded = None
        if data.mask is not None:
            masks = to_device(data.mask["train"], device, dtype=torch.float32)
        if static:
            encoded = to_device(data.static_encoder.encode(data.static["train"]), device)
        X, y = to_device(data.X["train"], device), to_device(data.y["train"], device)
        return cls(X, y, masks, encoded)


class GAN:
    """The networks of one run and their optimizers: the generator G, the discriminator D, the
    moving average of G's weights (when `ema` > 0, else None) and one Adam for each net; with a
    privacy plan, D trains behind Opacus (`private`, rgan.privacy). The training loop sees only
    this object's methods, so a model family plugs in here."""

    def __init__(
        self,
        spec: ModelSpec,
        params: RunParams,
        device: torch.device,
        privacy: PrivacyPlan | None = None,
    ):
        self.params = params
        self.G, self.D = Generator(spec).to(device), Discriminator(spec).to(device)
        betas = BETAS[params.loss]
        adam_d = functools.partial(torch.optim.Adam, lr=params.lr, betas=betas)
        self.private = None  # D behind Opacus, with privacy
        if privacy is None:
            self.opt_d = adam_d(self.D.parameters())
        else:
            self.private = PrivateDiscriminator(self.D, adam_d, privacy)
            self.D, self.opt_d = self.private.module, self.private.optimizer
        self.opt_g = torch.optim.Adam(
            self.G.parameters(), lr=params.lr * params.g_factor, betas=betas
        )
        self.G_average = average_of(self.G) if params.ema > 0 else None
        self.trained_as = params  # what train_epoch runs: params, less what cannot run here
        if params.amp and not autocast_works(device, params.cell):
            logger.warning(
                "bfloat16 autocast cannot run %s on this %s: float32", params.cell, device
            )
            self.trained_as = replace(params, amp=False)

    @property
    def exported(self) -> Generator:
        """The generator that is validated and exported: the moving average, if there is one."""
        return self.G if self.G_average is None else self.G_average

    @property
    def discriminator(self) -> torch.nn.Module:
        """The network whose weights are checkpointed: D, or behind Opacus its DP twin."""
        return self.D if self.private is None else self.private.network

    @property
    def lr(self) -> float:
        """The discriminator's current learning rate."""
        return self.opt_d.param_groups[0]["lr"]

    def set_lr(self, d_lr: float, g_lr: float) -> None:
        for group in self.opt_d.param_groups:
            group["lr"] = d_lr
        for group in self.opt_g.param_groups:
            group["lr"] = g_lr

    def train_epoch(
        self, batches: Batches, position: EpochPosition, stop: Callable[[], bool]
    ) -> dict[str, float] | None:
        """`train_epoch` of this object's networks (see there)."""
        nets = (self.G, self.D, self.opt_g, self.opt_d)
        X, y, masks = batches.X, batches.y, batches.masks
        return train_epoch(
            *nets,
            X,
            y,
            self.trained_as,
            self.G_average,
            masks,
            position,
            stop,
            self.private,
            batches.static,
        )

    def validate(self, validator: Callable[[Generator], dict[str, float]]) -> dict[str, float]:
        return validator(self.exported)

    def state_dict(self) -> dict[str, Any]:
        """The weights and optimizer states, for a checkpoint."""
        return {
            "generator": self.G.state_dict(),
            "generator_average": None if self.G_average is None else self.G_average.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "privacy": None if self.private is None else self.private.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Back to the weights and optimizer states of a checkpoint (to resume or roll back)."""
        self.G.load_state_dict(state["generator"])
        if self.G_average is not None:
            self.G_average.load_state_dict(state["generator_average"])
        self.discriminator.load_state_dict(state["discriminator"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        if self.private is not None:
            self.private.load_state_dict(state["privacy"])
