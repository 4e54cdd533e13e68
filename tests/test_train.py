import json
import os
import stat

import torch

from rgan.config import RunParams, TrainBudget
from rgan.io import atomic_path, write_json
from rgan.train import train_rcgan

# Constant rates (lr_final 1): a shorter budget then stands in for a run killed early.
PARAMS = RunParams(hidden=16, batch_size=64, seed=3, lr_final=1.0)


def train(digits, epochs, checkpoint_dir):
    budget = TrainBudget(
        epochs=epochs, eval_every=2, checkpoint_every=2, eval_samples=200, select_by="mmd2"
    )
    return train_rcgan(digits, PARAMS, budget, checkpoint_dir, torch.device("cpu"))


def test_resumed_training_ends_bit_identical_to_an_uninterrupted_run(digits, tmp_path):
    straight = train(digits, 6, tmp_path / "straight")
    train(digits, 4, tmp_path / "interrupted")  # as if killed after the epoch-4 checkpoint
    resumed = train(digits, 6, tmp_path / "interrupted")
    assert resumed.resumed_from == 4
    assert resumed.best_epoch == straight.best_epoch
    for name, tensor in straight.generator.state_dict().items():
        assert torch.equal(tensor, resumed.generator.state_dict()[name]), name
    assert [row["g_loss"] for row in resumed.history] == [row["g_loss"] for row in straight.history]


def test_exported_generator_is_the_best_validation_epoch(digits, tmp_path):
    result = train(digits, 6, tmp_path)
    evaluated = [row for row in result.history if row["val_mmd2"] == row["val_mmd2"]]
    best = min(evaluated, key=lambda row: row["val_mmd2"])
    assert result.best_epoch == best["epoch"]
    assert result.best_val_mmd2 == best["val_mmd2"]


def test_checkpoint_of_other_settings_is_not_resumed(digits, tmp_path):
    train(digits, 2, tmp_path)
    other = train_rcgan(
        digits,
        RunParams(hidden=16, batch_size=64, seed=4),
        TrainBudget(epochs=2, eval_every=2, checkpoint_every=2, eval_samples=200),
        tmp_path,
        torch.device("cpu"),
    )
    assert other.resumed_from == 0


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "card.json"
    target.write_text(json.dumps({"version": 1}))
    try:
        with atomic_path(target) as tmp:
            tmp.write_text("half a fi")
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert json.loads(target.read_text()) == {"version": 1}
    assert list(tmp_path.iterdir()) == [target]


def test_atomic_write_gives_the_usual_permissions_not_mkstemps_private_ones(tmp_path):
    previous = os.umask(0o027)  # e.g. a group-shared results folder on a cluster
    try:
        write_json(tmp_path / "metrics.json", {"mmd2": 0.1})
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "metrics.json").stat().st_mode) == 0o640
