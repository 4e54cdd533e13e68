"""Model options, stabilisers, early stopping, divergence guards and the sampling CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from rgan.checkpoint import load_state
from rgan.cli import main as rgan_main
from rgan.config import RunParams, TrainBudget
from rgan.export import TrainingOutputs, export_training
from rgan.gan import average_decay
from rgan.guards import adjust_g_factor, collapsed_start, divergence
from rgan.metrics.utility import accuracy
from rgan.models import Discriminator, Generator, ModelSpec
from rgan.plots import progress_gif
from rgan.train import train_rcgan
from rgan.validation import SNAPSHOT_PER_CLASS, time_to_quality

SPEC = ModelSpec(seq_len=6, n_features=3, n_classes=2, hidden=8, noise_dim=2)
SHORT = TrainBudget(epochs=2, eval_every=1, checkpoint_every=1, eval_samples=100)


@pytest.mark.parametrize(
    ("options", "logits_shape"),
    [
        ({"cell": "gru"}, (4, 6)),
        ({"bidirectional": True}, (4, 6)),
        ({"d_output": "last"}, (4, 1)),
        ({"layers": 2, "spectral_norm": True}, (4, 6)),
    ],
)
def test_model_options_change_the_networks(options, logits_shape):
    spec = ModelSpec(**{**vars(SPEC), **options})
    generator, discriminator = Generator(spec), Discriminator(spec)
    labels = torch.tensor([0, 1, 0, 1])
    fake = generator(generator.noise(4), labels)
    assert fake.shape == (4, 6, 3)
    assert discriminator(fake, labels)[0].shape == logits_shape
    if options.get("cell") == "gru":
        assert isinstance(generator.rnn, torch.nn.GRU)
    if options.get("spectral_norm"):
        assert torch.nn.utils.parametrize.is_parametrized(discriminator.head)
        assert discriminator.rnn.num_layers == 2


def test_unbounded_data_get_a_linear_generator_output():
    generator = Generator(ModelSpec(**{**vars(SPEC), "bounded": False}))
    with torch.no_grad():
        generator.head.bias.fill_(5.0)
    assert generator(generator.noise(2), torch.tensor([0, 1])).min() > 1.0


@pytest.mark.parametrize(
    "options",
    [
        {"cell": "gru", "d_steps": 2},
        {"bidirectional": True, "d_output": "last", "spectral_norm": True},
        {"label_noise": 0.1, "instance_noise": 0.05, "real_label": 1.0},
        {"amp": True},
        {"conv": "1d", "spectral_norm": True},
        {"conv": "2d"},
        {"aux_classifier": True},
        {"output": "clip", "ema_warmup": True},
        {"loss": "wgan_gp", "d_steps": 2},
        {"model": "rgan", "layers": 2},
        {"augment": "translation_cutout_2d", "instance_noise": 0.05},
    ],
)
def test_stabilised_variants_train_and_log_gradient_norms(digits, tmp_path, options):
    params = RunParams(hidden=8, batch_size=128, **options)
    result = train_rcgan(digits, params, SHORT, tmp_path, torch.device("cpu"))
    assert result.status == "completed" and result.epochs_run == 2
    for row in result.history:
        assert row["d_grad_norm"] > 0 and row["g_grad_norm"] > 0
        assert np.isfinite(row["val_mmd2"])


def test_guard_names_each_kind_of_divergence():
    budget = TrainBudget(max_grad_norm=100, loss_ratio_limits=(0.2, 5), loss_ratio_epochs=2)
    ok = {"d_loss": 1.0, "g_loss": 1.0, "d_grad_norm": 1.0, "g_grad_norm": 1.0}
    assert divergence(ok, budget, "bce", 0) == ("", 0)
    assert "non-finite" in divergence({**ok, "g_loss": float("nan")}, budget, "bce", 0)[0]
    assert (
        "gradient norm exploded (D 500"
        in divergence({**ok, "d_grad_norm": 500.0}, budget, "bce", 0)[0]
    )
    # One epoch outside the limits is tolerated; the second in a row is divergence.
    assert divergence({**ok, "g_loss": 9.0}, budget, "bce", 0) == ("", 1)
    problem, strikes = divergence({**ok, "g_loss": 9.0}, budget, "bce", 1)
    assert "loss ratio g/d = 9 outside [0.2, 5] for 2 epochs" in problem and strikes == 0
    # WGAN losses change sign: their ratio is not checked.
    assert divergence({**ok, "g_loss": -9.0}, budget, "wgan_gp", 1) == ("", 0)


def test_divergence_rolls_back_with_lower_rates_then_stops_as_diverged(digits, tmp_path, caplog):
    budget = TrainBudget(
        epochs=6,
        eval_every=1,
        checkpoint_every=1,
        eval_samples=100,
        loss_ratio_limits=(50.0, 100.0),
        loss_ratio_epochs=2,
        max_rollbacks=2,
    )
    result = train_rcgan(
        digits, RunParams(hidden=8, batch_size=128), budget, tmp_path, torch.device("cpu")
    )
    assert result.status == "diverged" and result.rollbacks == 2
    assert "loss ratio" in result.stop_reason and "after 2 rollbacks" in result.stop_reason
    # Back to the last checkpoint before the streak began, each time with lower rates.
    assert "epoch 2: loss ratio" in caplog.text
    assert "rolled back to epoch 0 with learning rates × 0.5 (rollback 1/2)" in caplog.text
    assert "rolled back to epoch 0 with learning rates × 0.25 (rollback 2/2)" in caplog.text
    assert "after 2 rollbacks: stopping" in caplog.text
    # rolled-back epochs are gone from the history; the last try ran one epoch at rates × 0.25
    assert [(row["epoch"], row["lr"]) for row in result.history] == [(1, 0.25 * RunParams().lr)]


def test_a_collapsed_start_is_d_winning_while_g_barely_moves():
    budget = TrainBudget(restart_within=5, restart_epochs=2, restart_grad_norm=0.1)
    stuck = {"d_loss": 0.5, "g_loss": 3.5, "d_grad_norm": 0.7, "g_grad_norm": 0.03}
    assert collapsed_start(stuck, budget, "bce", epoch=3, strikes=0) == ("", 1)
    reason, strikes = collapsed_start(stuck, budget, "bce", epoch=4, strikes=1)
    assert reason.startswith("collapsed start: D won (G loss 3.5 > 2.3)") and strikes == 0
    # G learning (a large gradient) or D not winning (a low G loss) breaks the streak.
    assert collapsed_start({**stuck, "g_grad_norm": 0.5}, budget, "bce", 4, 1) == ("", 0)
    assert collapsed_start({**stuck, "g_loss": 0.8}, budget, "bce", 4, 1) == ("", 0)
    # After the first restart_within epochs, or with WGAN losses, a start is not judged.
    assert collapsed_start(stuck, budget, "bce", epoch=6, strikes=1) == ("", 0)
    assert collapsed_start(stuck, budget, "wgan_gp", epoch=4, strikes=1) == ("", 0)


def test_a_collapsed_start_restarts_with_fresh_networks_and_resumes_exactly(
    digits, tmp_path, caplog
):
    # D's rate 0.05 and G's 5e-7: D wins at once (G loss 4.1 at epoch 2), G cannot answer.
    params = RunParams(hidden=8, batch_size=128, lr=0.05, g_factor=1e-5, lr_final=1.0)
    guard = {"max_restarts": 1, "restart_epochs": 2, "restart_grad_norm": 1.0}
    budget = TrainBudget(epochs=6, eval_every=2, checkpoint_every=2, eval_samples=50, **guard)
    result = train_rcgan(digits, params, budget, tmp_path / "straight", torch.device("cpu"))
    assert result.restarts == 1 and result.status == "completed"
    assert "epoch 3: restart: collapsed start: D won" in caplog.text
    assert "restart 1/1: fresh networks from seed" in caplog.text
    # The log holds the fresh start's epochs; the collapsed start's time counts as training.
    assert [row["epoch"] for row in result.history] == [1, 2, 3, 4, 5, 6]
    first, second = (row["seconds"] for row in result.history[:2])
    assert first > 2 * (second - first)  # 3 collapsed epochs and the first fresh one
    # Stopped after the restart and resumed: the same networks, one restart.
    short = TrainBudget(**{**vars(budget), "epochs": 4})
    train_rcgan(digits, params, short, tmp_path / "resumed", torch.device("cpu"))
    resumed = train_rcgan(digits, params, budget, tmp_path / "resumed", torch.device("cpu"))
    assert resumed.restarts == 1
    for name, tensor in result.generator.state_dict().items():
        assert torch.equal(tensor, resumed.generator.state_dict()[name]), name


def test_early_stopping_after_patience_evaluations(digits, tmp_path):
    budget = TrainBudget(
        epochs=200, eval_every=1, checkpoint_every=5, eval_samples=100, patience=2, select_by="mmd2"
    )
    result = train_rcgan(
        digits, RunParams(hidden=8, batch_size=128), budget, tmp_path, torch.device("cpu")
    )
    assert result.status == "stopped" and result.epochs_run < 200
    assert result.epochs_run - result.best_epoch == 2
    assert "no better validation mmd2 in 2 evaluations" in result.stop_reason


def test_rgan_sample_cli_draws_from_a_saved_model(digits, tmp_path, capsys):
    params = RunParams(hidden=8, batch_size=128)
    result = train_rcgan(digits, params, SHORT, tmp_path / "ckpt", torch.device("cpu"))

    outputs = TrainingOutputs.in_folder(tmp_path)
    export_training(result, digits, params, {}, outputs)
    out = tmp_path / "out.npz"
    rgan_main(
        ["sample", "--model", str(outputs.generator), "--n", "30", "--label", "3", "-o", str(out)]
    )
    with np.load(out) as samples:
        assert samples["X"].shape == (30, 8, 8) and set(samples["y"]) == {3}
        assert np.abs(samples["X"]).max() <= 1.0
    rgan_main(
        [
            "sample",
            "--model",
            str(outputs.generator),
            "--n",
            "20",
            "--original-scale",
            "-o",
            str(out),
        ]
    )
    with np.load(out) as samples:
        assert np.bincount(samples["y"]).tolist() == [2] * 10
        assert samples["X"].max() > 1.0  # back in pixel units (0–16)
    assert "wrote 20 sequences" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="--label 12: the model knows labels 0..9"):
        rgan_main(["sample", "--model", str(outputs.generator), "--label", "12", "-o", str(out)])


def test_averaged_generator_selected_by_validation_tstr_with_decaying_rates(digits, tmp_path):
    params = RunParams(hidden=8, batch_size=128, ema=0.9, lr_final=0.1)
    budget = TrainBudget(
        epochs=4, eval_every=2, checkpoint_every=2, eval_samples=200, select_by="tstr"
    )
    result = train_rcgan(digits, params, budget, tmp_path, torch.device("cpu"))
    tstr = {row["epoch"]: row["val_tstr"] for row in result.history if row["epoch"] % 2 == 0}
    assert result.best_val_tstr == max(tstr.values())
    real = accuracy(
        "logistic_regression",
        (digits.X["train"], digits.y["train"]),
        (digits.X["val"], digits.y["val"]),
        0,
    )
    assert {row["val_trtr"] for row in result.history if row["epoch"] % 2 == 0} == {real}
    assert result.best_epoch == max(
        tstr, key=lambda epoch: (tstr[epoch], -result.history[epoch - 1]["val_mmd2"])
    )
    rates = [row["lr"] for row in result.history]
    assert rates[0] == pytest.approx(params.lr) and rates[-1] == pytest.approx(params.lr / 10)
    assert rates == sorted(rates, reverse=True)
    state = load_state(tmp_path)
    averaged = state["generator_average"]
    assert not all(torch.equal(averaged[k], state["generator"][k]) for k in averaged)


def test_average_warms_up_from_a_short_memory_to_ema():
    assert average_decay(0.999, False, 0) == 0.999
    assert average_decay(0.999, True, 0) == pytest.approx(0.1)
    assert average_decay(0.999, True, 90) == pytest.approx(0.91)
    assert average_decay(0.999, True, 10**6) == 0.999


def test_warmed_up_average_follows_the_generator_from_the_start(digits, tmp_path):
    """After one epoch (9 steps) an average of decay 0.999 still sits near the initial weights,
    far from the trained generator; warmed up, it sits near the trained generator."""
    budget = TrainBudget(epochs=1, eval_every=1, checkpoint_every=1, eval_samples=100)
    distance = {}
    for warmup in (False, True):
        params = RunParams(hidden=8, batch_size=128, ema=0.999, ema_warmup=warmup)
        train_rcgan(digits, params, budget, tmp_path / str(warmup), torch.device("cpu"))
        state = load_state(tmp_path / str(warmup))
        averaged, trained = state["generator_average"], state["generator"]
        distance[warmup] = sum(float((averaged[k] - trained[k]).norm()) for k in trained)
    assert distance[True] < 0.5 * distance[False]


def test_dynamic_g_factor_follows_the_loss_ratio_within_bounds():
    d_wins = {"d_loss": 0.3, "g_loss": 3.0}
    g_wins = {"d_loss": 3.0, "g_loss": 0.3}
    assert adjust_g_factor(1.0, d_wins) == pytest.approx(1.1)
    assert adjust_g_factor(1.0, g_wins) == pytest.approx(1 / 1.1)
    assert adjust_g_factor(1.0, {"d_loss": 1.0, "g_loss": 1.2}) == 1.0
    assert adjust_g_factor(9.5, d_wins) == 10.0 and adjust_g_factor(0.105, g_wins) == 0.1


def test_dynamic_g_factor_is_logged_and_snapshots_make_a_gif(digits, tmp_path):
    params = RunParams(hidden=8, batch_size=128, dynamic_g_factor=True, g_factor=20.0)
    budget = TrainBudget(
        epochs=4, eval_every=2, checkpoint_every=2, eval_samples=100, snapshot_every=2
    )
    result = train_rcgan(digits, params, budget, tmp_path, torch.device("cpu"))
    factors = [row["g_factor"] for row in result.history]
    assert factors[:2] == [20.0, 10.0]  # adjusted after every epoch, kept within bounds
    assert [epoch for epoch, _ in result.snapshots] == [2, 4]
    assert result.snapshots[0][1].shape == (10 * SNAPSHOT_PER_CLASS, 8, 8)
    gif = tmp_path / "progress.gif"
    progress_gif(result.snapshots, digits.n_classes, digits.meta, gif)
    with Image.open(gif) as image:
        assert image.n_frames == 2 and image.size == (6 * 8 * 6, 10 * 8 * 6)


def test_loss_ratio_streak_survives_a_checkpoint(digits, tmp_path):
    """Continuing a run that ended inside a loss-ratio streak diverges at the same epoch as
    the run trained in one go: the streak is part of the checkpoint."""
    params = RunParams(hidden=8, batch_size=128)
    guard = {"loss_ratio_limits": (50.0, 100.0), "loss_ratio_epochs": 5, "max_rollbacks": 0}
    short = TrainBudget(epochs=3, eval_every=1, checkpoint_every=1, eval_samples=100, **guard)
    longer = TrainBudget(epochs=6, eval_every=1, checkpoint_every=1, eval_samples=100, **guard)
    in_one_go = train_rcgan(digits, params, longer, tmp_path / "one", torch.device("cpu"))
    first = train_rcgan(digits, params, short, tmp_path / "two", torch.device("cpu"))
    continued = train_rcgan(digits, params, longer, tmp_path / "two", torch.device("cpu"))
    assert first.status == "completed" and continued.resumed_from == 3
    assert in_one_go.status == continued.status == "diverged"
    assert in_one_go.epochs_run == continued.epochs_run == 4  # the 5th epoch was the last straw


def test_tensorboard_event_files_hold_scalars_and_sample_grids(digits, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    budget = TrainBudget(
        epochs=4, eval_every=2, checkpoint_every=2, eval_samples=100, snapshot_every=2
    )
    board = tmp_path / "board"
    params = RunParams(hidden=8, batch_size=128)
    train_rcgan(digits, params, budget, tmp_path / "ckpt", torch.device("cpu"), board)
    events = EventAccumulator(str(board)).Reload()
    tags = events.Tags()
    assert {"loss/d_loss", "loss/g_loss", "grad_norm/d_grad_norm", "validation/val_mmd2"} <= set(
        tags["scalars"]
    )
    assert [event.step for event in events.Scalars("loss/g_loss")] == [1, 2, 3, 4]
    assert [event.step for event in events.Scalars("validation/val_mmd2")] == [2, 4]
    assert [event.step for event in events.Images("samples")] == [2, 4]


def test_unconditional_rgan_selects_by_mmd2_and_samples_unlabelled(digits, tmp_path, caplog):
    caplog.set_level("INFO")
    params = RunParams(model="rgan", hidden=8, batch_size=128)
    budget = TrainBudget(
        epochs=2, eval_every=1, checkpoint_every=1, eval_samples=100, select_by="tstr"
    )
    result = train_rcgan(digits, params, budget, tmp_path / "ckpt", torch.device("cpu"))
    assert "select_by tstr needs labels: rgan selects by mmd2" in caplog.text
    assert np.isnan(result.best_val_tstr)
    outputs = TrainingOutputs.in_folder(tmp_path)
    export_training(result, digits, params, {}, outputs)
    out = tmp_path / "out.npz"
    rgan_main(["sample", "--model", str(outputs.generator), "--n", "7", "-o", str(out)])
    with np.load(out) as samples:
        assert samples["X"].shape == (7, 8, 8) and set(samples["y"]) == {-1}
    with pytest.raises(SystemExit, match="is an unconditional RGAN"):
        rgan_main(["sample", "--model", str(outputs.generator), "--label", "1", "-o", str(out)])


def test_time_to_quality_is_the_first_validation_reaching_each_ratio():
    history = pd.DataFrame(
        {
            "val_tstr": [np.nan, 0.5, np.nan, 0.85, 0.95, 0.92],
            "val_trtr": [np.nan, 1.0, np.nan, 1.0, 1.0, 1.0],
            "seconds": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    assert time_to_quality(history, [0.8, 0.9, 0.99]) == {0.8: 4.0, 0.9: 5.0, 0.99: None}
