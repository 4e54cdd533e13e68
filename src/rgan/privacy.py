"""Differentially private training of the discriminator, the only network that reads real data
(the generator sees them only through D's gradients, so it inherits the guarantee by
post-processing): DP-SGD with Opacus (per-sample gradients clipped to `dp_max_grad_norm`,
Gaussian noise of `dp_noise_multiplier` × that norm, Poisson-sampled batches) and its RDP
accountant, whose history travels in the checkpoint. Opacus takes seconds to import, so it is
imported where a private run needs it, not by every run and script."""

from __future__ import annotations

import copy
import logging
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from typing import Any

import torch
from torch.func import functional_call

from rgan.config import RunParams, TrainBudget

logger = logging.getLogger(__name__)
# Opacus' full backward hooks warn whenever D's inputs need no gradient, as real sequences never
# do: expected, at every step.
HOOK_WARNING = "Full backward hook is firing when gradients are computed with respect to module"

# The training budget's guards that read losses on real data to roll back, restart or stop a
# run: a data-dependent choice outside the accountant, so a private run goes without them.
GUARDS_OFF = {
    "max_rollbacks": 0,
    "max_grad_norm": None,
    "loss_ratio_limits": None,
    "collapse_epochs": None,
    "max_restarts": 0,
}


@dataclass(frozen=True)
class PrivacyPlan:
    """The DP-SGD settings of a run, fixed at its start."""

    noise_multiplier: float
    max_grad_norm: float
    sample_rate: float  # Poisson probability of each training sequence per step
    delta: float
    batch_size: int  # the expected number of real sequences per step
    epochs: int  # the epoch budget
    steps: int  # discriminator updates over the epoch budget
    target_epsilon: float | None


def privacy_plan(params: RunParams, n_train: int, epochs: int) -> PrivacyPlan | None:
    """The run's DP-SGD settings (None without DP): δ = `dp_target_delta` or 1/(10 N); with
    `dp_target_epsilon`, the smallest noise multiplier that spends that ε over the budget."""
    if not params.private:
        return None
    sample_rate = params.batch_size / n_train
    steps = epochs * (n_train // params.batch_size) * params.d_steps
    delta = params.dp_target_delta if params.dp_target_delta is not None else 1.0 / (10 * n_train)
    noise = params.dp_noise_multiplier
    if params.dp_target_epsilon is not None:
        from opacus.accountants.utils import get_noise_multiplier

        noise = get_noise_multiplier(
            target_epsilon=params.dp_target_epsilon,
            target_delta=delta,
            sample_rate=sample_rate,
            steps=steps,
            accountant="rdp",
        )
    return PrivacyPlan(
        noise_multiplier=noise,
        max_grad_norm=params.dp_max_grad_norm,
        sample_rate=sample_rate,
        delta=delta,
        batch_size=params.batch_size,
        epochs=epochs,
        steps=steps,
        target_epsilon=params.dp_target_epsilon,
    )


def private_budget(budget: TrainBudget) -> TrainBudget:
    """The budget with GUARDS_OFF, logged (a non-finite loss still ends the run)."""
    changed = {name: value for name, value in GUARDS_OFF.items() if getattr(budget, name) != value}
    if changed:
        logger.info(
            "differential privacy: the guards that read training losses are off (%s)",
            ", ".join(f"{name} {value}" for name, value in changed.items()),
        )
    return replace(budget, **GUARDS_OFF)


class PrivateDiscriminator:
    """D behind Opacus: recurrent layers swapped for their DP twins (same weights and
    state-dict names), per-sample gradients of the real sequences' losses, the DP optimizer and
    its accountant."""

    def __init__(
        self,
        D: torch.nn.Module,
        optimizer: Callable[[Iterator[torch.nn.Parameter]], torch.optim.Optimizer],
        plan: PrivacyPlan,
    ):
        from opacus import GradSampleModule
        from opacus.accountants import RDPAccountant
        from opacus.optimizers import DPOptimizer
        from opacus.validators import ModuleValidator

        self.plan = plan
        device = next(D.parameters()).device
        self.mirror = copy.deepcopy(D)  # the fast layers, run with the weights below
        self.network = ModuleValidator.fix(D).to(device)  # the weights, as in a plain D
        self.parameters = dict(self.network.named_parameters())  # named as in a plain D
        # Per-sample gradients of per-sequence losses; their noisy sum is divided by the
        # expected batch size (the mean the accounting assumes).
        self.module = GradSampleModule(self.network, loss_reduction="sum")
        self.optimizer = DPOptimizer(
            optimizer(self.module.parameters()),
            noise_multiplier=plan.noise_multiplier,
            max_grad_norm=plan.max_grad_norm,
            expected_batch_size=plan.batch_size,
            loss_reduction="mean",
        )
        self.accountant = RDPAccountant()
        self.optimizer.attach_step_hook(self.accountant.get_optimizer_hook_fn(plan.sample_rate))

    def real_batch(self, n: int, device: torch.device) -> torch.Tensor:
        """Indices of a Poisson-sampled batch: each sequence with probability `sample_rate`."""
        from opacus.utils.uniform_sampler import UniformWithReplacementSampler

        sampler = UniformWithReplacementSampler(
            num_samples=n, sample_rate=self.plan.sample_rate, steps=1
        )
        return torch.tensor(next(iter(sampler)), dtype=torch.long, device=device)

    def step(
        self, real_losses: Callable[[], torch.Tensor], fake_loss: Callable[[], torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One DP-SGD step of D: the gradients of `real_losses()` (one loss per real sequence)
        clipped per sequence, summed, noised and divided by the expected batch size; plus the
        plain gradient of `fake_loss()` (the generated sequences' mean loss: nothing of them
        depends on real data). Returns D's loss (the real sequences' mean over the expected
        batch size, plus the generated ones') and the norm of the gradient it stepped with."""
        self.optimizer.zero_grad(set_to_none=True)
        real = real_losses()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", HOOK_WARNING)
            real.sum().backward()
        self.optimizer.pre_step()  # clip, noise, scale; the accountant counts the step
        fake = fake_loss()
        fake.backward()
        norm = torch.nn.utils.clip_grad_norm_(self.module.parameters(), float("inf"))
        self.optimizer.original_optimizer.step()
        return real.detach().sum() / self.plan.batch_size + fake.detach(), norm

    def plain(
        self, x: torch.Tensor, labels: torch.Tensor, static: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """D's output through the fused recurrent layers of a plain D holding these weights
        (gradients reach them): for generated sequences, which need no per-sample gradients."""
        return functional_call(self.mirror, self.parameters, (x, labels, static))

    def epsilon(self) -> float:
        """ε spent so far at the plan's δ (0 before the first step)."""
        if not self.accountant.history:
            return 0.0
        return self.accountant.get_epsilon(self.plan.delta)

    def state_dict(self) -> dict[str, Any]:
        """The plan (to refuse a continuation past a target's budget) and the account."""
        history = [list(entry) for entry in self.accountant.history]
        return {"plan": asdict(self.plan), "history": history}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.accountant.history = [tuple(entry) for entry in state["history"]]
