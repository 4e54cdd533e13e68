"""Differentially private training of the discriminator: the ε it reports is Opacus'
accountant's, a resumed run reports the ε of an uninterrupted one, what DP cannot be combined
with is refused before training, and a private run goes through the real workflow."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from functools import partial

import numpy as np
import pandas as pd
import pytest
import torch
from opacus.accountants import RDPAccountant
from PIL import Image
from runner import TINY, new_workdir, snakemake

from rgan.config import RunParams, TrainBudget, run_table
from rgan.models import Discriminator, ModelSpec
from rgan.privacy import PrivacyPlan, PrivateDiscriminator, privacy_plan
from rgan.train import train_rcgan

BUDGET = TrainBudget(epochs=2, eval_every=1, checkpoint_every=1, eval_samples=100)
PRIVATE = {"hidden": 8, "batch_size": 128, "dp_noise_multiplier": 1.0, "dp_max_grad_norm": 0.5}


def test_epsilon_is_opacus_accountant_for_the_run_sampling_rate_noise_and_steps(digits, tmp_path):
    params = RunParams(**PRIVATE)
    result = train_rcgan(digits, params, BUDGET, tmp_path, torch.device("cpu"))
    n = len(digits.y["train"])
    steps = BUDGET.epochs * (n // 128)
    accountant = RDPAccountant()
    accountant.history = [(1.0, 128 / n, steps)]
    assert result.dp_epsilon == pytest.approx(accountant.get_epsilon(1 / (10 * n)))
    assert result.privacy.delta == pytest.approx(1 / (10 * n))
    # ε grows epoch by epoch in log.csv, and the guards that read training losses were off.
    epsilons = [row["dp_epsilon"] for row in result.history]
    assert 0 < epsilons[0] < epsilons[1] == pytest.approx(result.dp_epsilon)
    assert result.status == "completed" and result.restarts == 0


def test_noise_derived_from_a_target_spends_at_most_that_epsilon(digits, tmp_path):
    params = RunParams(hidden=8, batch_size=128, dp_target_epsilon=5.0, dp_target_delta=1e-4)
    plan = privacy_plan(params, len(digits.y["train"]), BUDGET.epochs)
    assert plan.delta == 1e-4 and plan.noise_multiplier > 0
    result = train_rcgan(digits, params, BUDGET, tmp_path, torch.device("cpu"))
    assert 4.9 < result.dp_epsilon <= 5.0
    # More epochs would spend more than the target: a continuation is refused, naming why.
    more = replace(BUDGET, epochs=4)
    with pytest.raises(ValueError, match="spends dp_target_epsilon 5 over 2 epochs"):
        train_rcgan(digits, params, more, tmp_path, torch.device("cpu"))


def test_a_resumed_private_run_reports_the_epsilon_and_weights_of_an_uninterrupted_one(
    digits, tmp_path
):
    params = RunParams(**PRIVATE)
    budget = replace(BUDGET, epochs=3)
    straight = train_rcgan(digits, params, budget, tmp_path / "straight", torch.device("cpu"))
    train_rcgan(digits, params, BUDGET, tmp_path / "resumed", torch.device("cpu"))
    resumed = train_rcgan(digits, params, budget, tmp_path / "resumed", torch.device("cpu"))
    assert resumed.resumed_from == 2
    assert resumed.dp_epsilon == straight.dp_epsilon
    for name, tensor in straight.generator.state_dict().items():
        assert torch.equal(tensor, resumed.generator.state_dict()[name]), name


def test_a_private_step_clips_each_real_sequence_and_divides_by_the_expected_batch():
    spec = ModelSpec(seq_len=4, n_features=3, n_classes=2, hidden=4, noise_dim=2)
    plan = PrivacyPlan(
        noise_multiplier=0.0,
        max_grad_norm=0.5,
        sample_rate=0.5,
        delta=1e-5,
        batch_size=8,
        epochs=1,
        steps=1,
        target_epsilon=None,
    )
    private = PrivateDiscriminator(Discriminator(spec), partial(torch.optim.SGD, lr=1.0), plan)
    before = {name: p.detach().clone() for name, p in private.parameters.items()}
    x, labels = torch.randn(4, 4, 3), torch.tensor([0, 1, 0, 1])

    def real_losses() -> torch.Tensor:  # huge: every sequence's gradient is clipped
        return 1e3 * private.module(x, labels)[0].mean(dim=1)

    def fake_loss() -> torch.Tensor:
        return 0.0 * private.plain(x, labels)[0].sum()

    plain_gradient = torch.autograd.grad(real_losses().mean(), list(private.parameters.values()))
    assert torch.sqrt(sum((g**2).sum() for g in plain_gradient)) > 10
    private.step(real_losses, fake_loss)
    moved = torch.sqrt(
        sum(((p.detach() - before[name]) ** 2).sum() for name, p in private.parameters.items())
    )
    # SGD with rate 1: the sum of 4 gradients of norm ≤ 0.5, over the 8 expected sequences.
    assert 0 < moved <= 4 * 0.5 / 8 + 1e-6
    assert private.accountant.history == [(0.0, 0.5, 1)]


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"spectral_norm": True}, "spectral_norm: Opacus"),
        ({"loss": "wgan_gp"}, "loss: the gradient penalty"),
        ({"match_marginals": True}, "match_marginals: the map is fitted"),
        ({"dynamic_g_factor": True}, "dynamic_g_factor: it reads the losses"),
        ({"amp": True}, "amp: "),
        ({"dp_target_epsilon": 1.0}, "dp_noise_multiplier: set dp_noise_multiplier or"),
    ],
)
def test_what_privacy_cannot_be_combined_with_is_refused_in_the_config(options, named):
    with pytest.raises(ValueError, match="differential privacy") as refused:
        run_table({"dp_noise_multiplier": 1.0}, {name: [value] for name, value in options.items()})
    assert named in str(refused.value)
    RunParams(**options)  # each is fine without privacy


def test_data_with_masks_are_refused_with_privacy(digits, tmp_path):
    masks = {split: np.ones_like(X) for split, X in digits.X.items()}
    masked = replace(digits, mask=masks)
    with pytest.raises(ValueError, match="masks of real training sequences"):
        train_rcgan(masked, RunParams(**PRIVATE), BUDGET, tmp_path, torch.device("cpu"))
    assert not list(tmp_path.iterdir())  # refused before anything was written


def test_a_private_run_goes_through_the_dag_with_its_epsilon_in_the_csv_and_frontier(tmp_path):
    workdir = new_workdir(tmp_path / "dp", {**TINY, "grid": {"dp_noise_multiplier": [1.0]}})
    snakemake(workdir, "--cores", "2")
    row = pd.read_csv(workdir / "results/tstr/digits.csv").iloc[0]
    n_train = len(np.load(workdir / "results/data/digits/prepared.npz")["y_train"])
    assert row["run"] == "hidden~32/batch_size~32/dp_noise_multiplier~1.0/seed~0"
    assert row["dp_delta"] == pytest.approx(1 / (10 * n_train))
    history = pd.read_csv(next((workdir / "results/models/digits").rglob("log.csv")))
    assert history["dp_epsilon"].is_monotonic_increasing
    assert (
        row["dp_epsilon"] == pytest.approx(history["dp_epsilon"].iloc[-1]) and row["dp_epsilon"] > 0
    )
    assert row["status"] == "completed" and 0 <= row["mia_auc"] <= 1
    log = next((workdir / "results/logs/train/digits").rglob("*.log")).read_text()
    assert "differential privacy: DP-SGD on the discriminator, noise multiplier 1" in log
    assert re.search(r"epoch 6/6 .* ε [\d.]+", log)
    figure = Image.open(workdir / "results/tstr/digits_privacy.png")
    assert figure.size[0] > 2 * figure.size[1]  # a panel per score: TSTR/TRTR and membership


def test_runs_without_privacy_do_not_import_opacus():
    """Opacus takes seconds to import: only a private run pays for it."""
    code = "import sys, rgan.train, rgan.export, rgan.cli; print('opacus' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
