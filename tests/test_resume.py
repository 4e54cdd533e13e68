"""A `train` job stopped mid-run ends bit-identical to an uninterrupted run (real Snakemake, CPU,
deterministic settings): killed with SIGKILL, it resumes from its last checkpoint; stopped with
SIGTERM (SLURM's walltime, `scancel`) or SIGINT (Ctrl-C), it writes a checkpoint inside the epoch
and resumes exactly there."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import torch
from runner import REPO, SNAKEMAKE, TINY, new_workdir, process_group, snakemake

CONFIG = {
    **TINY,
    "train": {**TINY["train"], "epochs": 24, "eval_every": 10, "checkpoint_every": 1},
}
GRACE = 30  # seconds SLURM waits after SIGTERM before SIGKILL (its default KillWait)


def checkpoint_epoch(workdir) -> int:
    states = list((workdir / "results/checkpoints").rglob("state.pt"))
    if not states:
        return -1
    try:
        return torch.load(states[0], map_location="cpu", weights_only=True)["epoch"]
    except (EOFError, RuntimeError, FileNotFoundError):
        return -1


def stop_during_training(workdir: Path, after_epoch: int, number: int) -> int:
    """Snakemake and all its jobs sent signal `number` inside an epoch after `after_epoch`, as
    SLURM or Ctrl-C do; Snakemake's exit code."""
    command = [str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "--directory", str(workdir)]
    deadline = time.monotonic() + 300
    with process_group(
        [*command, "--cores", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as job:
        while checkpoint_epoch(workdir) < after_epoch:
            if job.poll() is not None:
                pytest.fail("the workflow ended before it could be stopped")
            if time.monotonic() > deadline:
                pytest.fail("training never reached the epoch to stop at")
            time.sleep(0.05)
        time.sleep(random.uniform(0.0, 0.3))  # somewhere inside a later epoch
        os.killpg(job.pid, number)  # on other paths, process_group ends the group
        if number == signal.SIGKILL:
            return job.wait()
        try:
            return job.wait(timeout=GRACE)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the workflow was still running {GRACE} s after the signal")


def generator_weights(workdir) -> dict[str, torch.Tensor]:
    path = next((workdir / "results/models").rglob("generator.pt"))
    return torch.load(path, map_location="cpu", weights_only=True)["state_dict"]


def training_log(workdir) -> str:
    return next((workdir / "results/logs/train").rglob("*.log")).read_text()


@pytest.fixture(scope="module")
def straight(tmp_path_factory) -> Path:
    workdir = new_workdir(tmp_path_factory.mktemp("resume") / "straight", CONFIG)
    snakemake(workdir, "--cores", "2")
    return workdir


def assert_same_training(straight: Path, resumed: Path) -> None:
    expected, weights = generator_weights(straight), generator_weights(resumed)
    assert expected.keys() == weights.keys()
    for name, tensor in expected.items():
        assert torch.equal(tensor, weights[name]), name
    history = [
        pd.read_csv(next((w / "results/models").rglob("log.csv"))) for w in (straight, resumed)
    ]
    pd.testing.assert_frame_equal(
        history[0].drop(columns="seconds"), history[1].drop(columns="seconds")
    )


def test_killed_training_resumes_to_identical_weights(straight, tmp_path):
    killed = new_workdir(tmp_path / "killed", CONFIG)
    stop_during_training(killed, after_epoch=6, number=signal.SIGKILL)
    assert not list((killed / "results/models").rglob("generator.pt"))
    snakemake(killed, "--unlock")
    snakemake(killed, "--cores", "2", "--rerun-incomplete")

    assert "resuming from the checkpoint of epoch" in training_log(killed)
    assert_same_training(straight, killed)


def test_sigterm_checkpoints_inside_the_epoch_and_resumes_there(straight, tmp_path):
    """SIGTERM reaches every process, as SLURM's does (Ctrl-C's SIGINT and SIGUSR1 take the
    same path: tests/test_checkpoint.py). A stop that lands between epochs (validation,
    checkpoint) resumes at step 0: then stop the rerun again, until one stop lands inside an
    epoch (each stop must resume exactly, wherever it lands)."""
    number = signal.SIGTERM
    stopped = new_workdir(tmp_path / "stopped", CONFIG)
    name = signal.Signals(number).name
    for attempt in range(4):
        exit_code = stop_during_training(stopped, after_epoch=3 + 4 * attempt, number=number)
        assert exit_code != 0
        stops = re.findall(rf"{name}: stopped at step (\d+) of epoch (\d+)", training_log(stopped))
        assert len(stops) == 1, training_log(stopped)
        if int(stops[0][0]) > 0:
            break
    else:
        pytest.fail("no stop landed inside an epoch in 4 tries")
    step, epoch = (int(value) for value in stops[0])
    snakemake(stopped, "--cores", "2")  # a plain rerun: Snakemake saw the job fail, not vanish

    log = training_log(stopped)
    assert f"resuming from the checkpoint of epoch {epoch - 1}, step {step} of the next" in log
    assert_same_training(straight, stopped)
