"""Checkpoints and generators: read without running code, checked for their format version,
the previous checkpoint kept as a fallback, a full disk named as such, and training stopped by a
signal inside an epoch resumed exactly there."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import pickle
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
import torch

from rgan.checkpoint import (
    INTERRUPTED_STATE_FILE,
    PREVIOUS_STATE_FILE,
    STATE_FILE,
    UnreadableFileError,
    load_state,
    rng_state,
    set_rng_state,
)
from rgan.config import RunParams, TrainBudget
from rgan.gan import BETAS, EpochPosition, train_epoch
from rgan.interrupt import TrainingInterrupted
from rgan.models import Discriminator, Generator, ModelSpec, load_generator, save_generator
from rgan.train import model_spec, seed_everything, train_rcgan
from rgan.train_state import TrainState

# Constant rates (lr_final 1): a shorter budget then stands in for a run killed early.
PARAMS = RunParams(hidden=16, batch_size=64, seed=3, lr_final=1.0)


def budget(epochs: int, **options) -> TrainBudget:
    return TrainBudget(epochs=epochs, eval_every=2, checkpoint_every=2, eval_samples=200, **options)


def train(digits, epochs, folder, **options):
    return train_rcgan(digits, PARAMS, budget(epochs, **options), folder, torch.device("cpu"))


class RunsCommand:
    """A pickle that runs a shell command when it is loaded without weights_only."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def test_crafted_checkpoint_is_refused_by_name_and_its_command_never_runs(digits, tmp_path):
    marker = tmp_path / "pwned"
    folder = tmp_path / "checkpoint"
    folder.mkdir()
    torch.save({"epoch": 3, "payload": RunsCommand(f"touch {marker}")}, folder / STATE_FILE)
    with pytest.raises(UnreadableFileError) as refused:
        train(digits, 4, folder)
    message = str(refused.value)
    assert f"no readable checkpoint in {folder}: state.pt: refused" in message
    assert "(GLOBAL posix.system), so loading it could run code" in message
    assert f"mv {folder} {folder}.broken" in message
    assert not marker.exists()


def test_crafted_generator_is_refused_by_name_and_its_command_never_runs(tmp_path):
    marker, path = tmp_path / "pwned", tmp_path / "generator.pt"
    torch.save({"spec": RunsCommand(f"touch {marker}")}, path)
    with pytest.raises(UnreadableFileError, match="could run code") as refused:
        load_generator(path)
    assert str(path) in str(refused.value)
    path.write_bytes(pickle.dumps(RunsCommand(f"touch {marker}")))
    with pytest.raises(UnreadableFileError, match=f"{path}: not a file written by torch.save"):
        load_generator(path)
    assert not marker.exists()


def test_checkpoint_of_the_old_format_is_refused_with_what_to_do(digits, tmp_path):
    """Before format version 2, checkpoints held numpy arrays (snapshots, numpy's RNG state)."""
    torch.save({"epoch": 2, "rng": {"numpy": np.random.get_state()}}, tmp_path / STATE_FILE)
    with pytest.raises(UnreadableFileError, match="older rgan") as refused:
        train(digits, 4, tmp_path)
    assert "start this run afresh" in str(refused.value)


def test_generators_carry_a_format_version_and_older_ones_still_load(tmp_path):
    generator = Generator(ModelSpec(seq_len=5, n_features=3, n_classes=2, hidden=8))
    save_generator(tmp_path / "new.pt", generator, {"class_names": ["a", "b"]})
    assert torch.load(tmp_path / "new.pt", weights_only=True)["format_version"] == 2
    legacy = {"spec": vars(generator.spec), "state_dict": generator.state_dict()}
    torch.save(legacy, tmp_path / "v1.pt")  # written before versions: tensors and plain values
    loaded, _ = load_generator(tmp_path / "v1.pt")
    assert torch.equal(loaded.rnn.weight_ih_l0, generator.rnn.weight_ih_l0)
    torch.save({**legacy, "format": "rgan-generator", "format_version": 3}, tmp_path / "v3.pt")
    with pytest.raises(UnreadableFileError, match="version 3 is newer"):
        load_generator(tmp_path / "v3.pt")


def test_every_rng_state_survives_a_weights_only_round_trip(tmp_path):
    torch.save(rng_state(), tmp_path / "rng.pt")
    expected = (np.random.rand(3), torch.rand(3), random.random())
    set_rng_state(torch.load(tmp_path / "rng.pt", weights_only=True))
    assert np.array_equal(np.random.rand(3), expected[0])
    assert torch.equal(torch.rand(3), expected[1])
    assert random.random() == expected[2]


def test_damaged_newest_checkpoint_falls_back_to_the_previous_one(digits, tmp_path, caplog):
    straight = train(digits, 6, tmp_path / "straight")
    folder = tmp_path / "damaged"
    train(digits, 4, folder)  # checkpoints of epochs 4 (newest) and 2 (previous)
    newest = folder / STATE_FILE
    newest.write_bytes(newest.read_bytes()[:1000])
    with caplog.at_level(logging.WARNING, logger="rgan"):
        resumed = train(digits, 6, folder)
    assert resumed.resumed_from == 2
    assert f"{newest}: not a readable rgan-checkpoint file" in caplog.text
    assert f"falling back to the checkpoint {folder / PREVIOUS_STATE_FILE} (epoch 2)" in caplog.text
    for name, tensor in straight.generator.state_dict().items():
        assert torch.equal(tensor, resumed.generator.state_dict()[name]), name


def test_no_readable_checkpoint_names_both_files_and_what_to_do(digits, tmp_path):
    train(digits, 4, tmp_path)
    for name in (STATE_FILE, PREVIOUS_STATE_FILE):
        (tmp_path / name).write_bytes((tmp_path / name).read_bytes()[:1000])
    with pytest.raises(UnreadableFileError) as refused:
        load_state(tmp_path)
    message = str(refused.value)
    assert f"no readable checkpoint in {tmp_path}: state.pt: not a readable" in message
    assert "state.previous.pt: not a readable" in message
    assert f"`mv {tmp_path} {tmp_path}.broken`" in message


FULL_DISK = """
import torch
from pathlib import Path
from rgan.checkpoint import save_state
folder = Path({folder!r})
save_state(folder, {{"weights": torch.zeros(1000)}})  # 4 kB: fits
before = (folder / "state.pt").read_bytes()
try:
    save_state(folder, {{"weights": torch.zeros(100_000)}})  # 400 kB: does not
except OSError as error:
    print(error)
assert (folder / "state.pt").read_bytes() == before
print(sorted(path.name for path in folder.iterdir()))
"""


def test_full_disk_is_named_and_the_previous_checkpoint_stays_intact(tmp_path):
    """On a 256 kB tmpfs mounted in a mount namespace of its own (root in a user namespace)."""
    folder = tmp_path / "small"
    folder.mkdir()
    script = textwrap.dedent(FULL_DISK.format(folder=str(folder)))
    mount = f'mount -t tmpfs -o size=256k tmpfs {folder} && exec {sys.executable} -c "$0"'
    result = subprocess.run(
        ["unshare", "--mount", "--map-root-user", "sh", "-c", mount, script],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"[Errno 28] no space left on device while writing {folder}/state.pt; "
        "the previous file is intact"
    )
    assert lines[1] == "['state.pt']"  # no temporary file left behind


def test_vanished_generator_gradient_ends_the_run_as_collapsed(digits, tmp_path):
    params = RunParams(hidden=16, batch_size=64, lr=1e9)  # saturates G: its gradient is 0
    run_budget = budget(12, collapse_epochs=3, max_grad_norm=None)
    result = train_rcgan(digits, params, run_budget, tmp_path, torch.device("cpu"))
    assert result.status == "collapsed" and result.epochs_run == 3
    assert "generator gradient norm below 1e-05 for 3 epochs in a row" in result.stop_reason
    assert all(row["g_grad_norm"] < 1e-5 for row in result.history)


def test_an_epoch_stopped_between_steps_resumes_to_the_same_weights(digits):
    """train_epoch stopped before step 5, its state saved as a checkpoint holds it (weights_only)
    and restored, ends the epoch exactly as an uninterrupted one."""
    X, y = torch.as_tensor(digits.X["train"]), torch.as_tensor(digits.y["train"])

    def fresh():
        seed_everything(0)
        spec = model_spec(digits, PARAMS)
        G, D = Generator(spec), Discriminator(spec)
        optimizers = [torch.optim.Adam(net.parameters(), betas=BETAS["bce"]) for net in (G, D)]
        return G, D, *optimizers

    G, D, opt_g, opt_d = fresh()
    straight = train_epoch(G, D, opt_g, opt_d, X, y, PARAMS)
    expected = G.state_dict()

    G, D, opt_g, opt_d = fresh()
    position = EpochPosition.start(len(X), PARAMS, X.device)
    calls = iter(range(100))
    assert (
        train_epoch(
            G, D, opt_g, opt_d, X, y, PARAMS, position=position, stop=lambda: next(calls) == 5
        )
        is None
    )
    assert position.step == 5
    saved = {"position": position.to_checkpoint(), "rng": rng_state(), "g": G.state_dict()}
    saved |= {"d": D.state_dict(), "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict()}
    buffer = io.BytesIO()
    torch.save(saved, buffer)
    buffer.seek(0)
    restored = torch.load(buffer, weights_only=True)

    G, D, opt_g, opt_d = fresh()
    torch.rand(7)  # whatever ran in between: the checkpoint's RNG state replaces it
    G.load_state_dict(restored["g"]), D.load_state_dict(restored["d"])
    opt_g.load_state_dict(restored["opt_g"]), opt_d.load_state_dict(restored["opt_d"])
    set_rng_state(restored["rng"])
    resumed_position = EpochPosition.from_checkpoint(restored["position"], X.device)
    resumed = train_epoch(G, D, opt_g, opt_d, X, y, PARAMS, position=resumed_position)
    assert resumed == straight
    for name, tensor in expected.items():
        assert torch.equal(tensor, G.state_dict()[name]), name


def signal_after_epoch_2(folder, number: int) -> None:
    """Send this process signal `number` once training in `folder` has checkpointed epoch 2."""
    while True:
        with contextlib.suppress(OSError, RuntimeError, KeyError):
            if torch.load(folder / STATE_FILE, weights_only=True)["epoch"] >= 2:
                break
        time.sleep(0.01)
    time.sleep(random.uniform(0.0, 0.2))
    os.kill(os.getpid(), number)


@pytest.mark.parametrize(
    "number", [signal.SIGTERM, signal.SIGINT, signal.SIGUSR1], ids=lambda n: signal.Signals(n).name
)
def test_stop_signal_checkpoints_inside_the_epoch_and_the_rerun_resumes_there(
    digits, tmp_path, number
):
    """A stop signal (here from a timer thread) during a long run: the epoch stops at a step,
    its checkpoint is beside the last periodic one (which stays the rollback target), and
    resuming ends bit-identical to a run that was never stopped."""
    folder = tmp_path / "signalled"
    sender = threading.Thread(target=signal_after_epoch_2, args=(folder, number))
    sender.start()
    name = signal.Signals(number).name
    with pytest.raises(TrainingInterrupted, match=f"{name}: stopped at step") as stopped:
        train(digits, 1000, folder)
    sender.join()
    assert stopped.value.exit_code == 128 + number
    interrupted = load_state(folder)
    assert interrupted["position"] is not None
    assert load_state(folder, resume=False)["position"] is None
    epochs = interrupted["epoch"] + 2
    straight = train(digits, epochs, tmp_path / "straight")
    resumed = train(digits, epochs, folder)
    assert not (folder / INTERRUPTED_STATE_FILE).exists()
    for name, tensor in straight.generator.state_dict().items():
        assert torch.equal(tensor, resumed.generator.state_dict()[name]), name
    assert [row["d_loss"] for row in resumed.history] == [row["d_loss"] for row in straight.history]


def test_train_state_round_trips_through_a_weights_only_checkpoint(tmp_path):
    """Every field of TrainState survives to_checkpoint → torch.save → load → from_checkpoint,
    and the RNGs are back where they were when it was written."""
    weights = {"w": torch.randn(3, 2)}
    state = TrainState.start(weights, g_factor=1.5)
    state.epoch, state.seconds, state.rollbacks, state.lr_scale = 7, 12.5, 1, 0.5
    state.history.append({"epoch": 7, "d_loss": 0.5})
    state.snapshots.append((5, torch.zeros(2, 3)))
    state.loss_ratio_strikes, state.collapse_strikes, state.evals_since_best = 2, 3, 4
    state.start_strikes, state.restarts = 1, 2
    state.position = EpochPosition(torch.arange(4), torch.full((4,), 0.9), 2, torch.ones(4))
    torch.save(state.to_checkpoint(), tmp_path / "state.pt")
    expected_draw = torch.rand(3)
    torch.rand(5)  # move the RNG on: loading must set it back
    loaded = TrainState.from_checkpoint(
        torch.load(tmp_path / "state.pt", weights_only=True), torch.device("cpu")
    )
    assert torch.equal(torch.rand(3), expected_draw)
    names = ("epoch", "seconds", "rollbacks", "lr_scale", "g_factor", "history")
    for name in (*names, "start_strikes", "restarts"):
        assert getattr(loaded, name) == getattr(state, name), name
    assert (loaded.best.epoch, loaded.best.scores) == (0, state.best.scores)
    assert torch.equal(loaded.best.weights["w"], weights["w"])
    assert loaded.snapshots[0][0] == 5 and loaded.position.step == 2
    assert torch.equal(loaded.position.order, state.position.order)
