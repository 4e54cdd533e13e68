"""A `train` job killed with SIGKILL mid-run resumes from its checkpoint and ends bit-identical
to an uninterrupted run (real Snakemake, CPU, deterministic settings)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

import pandas as pd
import pytest
import torch
from runner import REPO, SNAKEMAKE, TINY, new_workdir, snakemake

CONFIG = {
    **TINY,
    "train": {"epochs": 40, "eval_every": 2, "checkpoint_every": 1, "eval_samples": 300},
}


def checkpoint_epoch(workdir) -> int:
    states = list((workdir / "results/checkpoints").rglob("state.pt"))
    if not states:
        return -1
    try:
        return torch.load(states[0], map_location="cpu", weights_only=False)["epoch"]
    except (EOFError, RuntimeError, FileNotFoundError):
        return -1


def kill_during_training(workdir, after_epoch: int) -> None:
    command = [str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "--directory", str(workdir)]
    job = subprocess.Popen(
        [*command, "--cores", "2"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    try:
        while checkpoint_epoch(workdir) < after_epoch:
            if job.poll() is not None:
                pytest.fail("the workflow ended before it could be killed")
            if time.monotonic() > deadline:
                pytest.fail("training never reached the epoch to kill at")
            time.sleep(0.05)
        time.sleep(random.uniform(0.0, 0.3))  # somewhere inside a later epoch
    finally:
        os.killpg(job.pid, signal.SIGKILL)
        job.wait()


def generator_weights(workdir) -> dict[str, torch.Tensor]:
    path = next((workdir / "results/models").rglob("generator.pt"))
    return torch.load(path, map_location="cpu", weights_only=True)["state_dict"]


def test_killed_training_resumes_to_identical_weights(tmp_path):
    straight = new_workdir(tmp_path / "straight", CONFIG)
    snakemake(straight, "--cores", "2")

    killed = new_workdir(tmp_path / "killed", CONFIG)
    kill_during_training(killed, after_epoch=6)
    assert not list((killed / "results/models").rglob("generator.pt"))
    snakemake(killed, "--unlock")
    snakemake(killed, "--cores", "2", "--rerun-incomplete")

    log = next((killed / "results/logs/train").rglob("*.log")).read_text()
    assert "resuming from the checkpoint of epoch" in log
    expected, resumed = generator_weights(straight), generator_weights(killed)
    assert expected.keys() == resumed.keys()
    for name, tensor in expected.items():
        assert torch.equal(tensor, resumed[name]), name
    history = [
        pd.read_csv(next((w / "results/models").rglob("log.csv"))) for w in (straight, killed)
    ]
    pd.testing.assert_frame_equal(
        history[0].drop(columns="seconds"), history[1].drop(columns="seconds")
    )
