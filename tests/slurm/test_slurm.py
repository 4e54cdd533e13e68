"""The workflow through profiles/slurm on a real one-node SLURM cluster with two fake GPUs.

Needs the cluster of tests/slurm/start_cluster.sh (`make test-slurm` starts and stops it). One
2-run grid is run twice: first with one retry, during which one training job is cancelled with
scancel after its first checkpoint, its retry (more walltime) resumes and is cancelled too, so
Snakemake gives up; then again with the profile's own settings, which resume and finish the grid.
The second pass makes the profile's documented switch to GPU shards: its training job shares a
GPU (`--gres=shard:1`) instead of holding a whole one.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TypeVar

import pandas as pd
import pytest
from runner import REPO, SNAKEMAKE, TINY, end_group, new_workdir, start_group

from rgan.checkpoint import load_state

CONFIG = {
    **TINY,
    "grid": {"seed": [0, 1]},
    # Long enough to cancel a job between checkpoints; one thread each, so both runs train at once.
    "train": {**TINY["train"], "epochs": 40, "threads": 1},
    "evaluate": {
        **TINY["evaluate"],
        "classifiers": ["logistic_regression"],
        "n_repeats": 1,
        "extra_tstr_multipliers": [],
        "mmd_permutations": 20,
        "threads": 1,
    },
}
# A shipped profile plus what this cluster needs: no accounting database (squeue, not sacct),
# no accounts, quick status checks, and the logs and `sbatch call:` lines the tests read.
SLURM_OPTIONS = (
    "--slurm-status-command",
    "squeue",
    "--slurm-no-account",
    "--slurm-init-seconds-before-status-checks",
    "3",
    "--slurm-keep-successful-logs",
    "--verbose",
)
SLURM = ("--profile", str(REPO / "profiles/slurm"), *SLURM_OPTIONS)
GPU_RULES = {"train"}
T = TypeVar("T")


@pytest.fixture(scope="module", autouse=True)
def cluster() -> None:
    """Fail (never skip) when no SLURM cluster answers."""
    if (
        shutil.which("sbatch") is None
        or subprocess.run(["sinfo"], capture_output=True, timeout=30).returncode != 0
    ):
        pytest.fail("no SLURM cluster answers: run tests/slurm/start_cluster.sh (make test-slurm)")


def shard_profile(directory: Path) -> Path:
    """profiles/slurm with its documented switch made: training asks for a GPU shard."""
    profile = directory / "slurm-shards"
    shutil.copytree(REPO / "profiles/slurm", profile)
    config = profile / "config.v8+.yaml"
    text = config.read_text()
    switched = re.sub(r"^( +)gpu: 1\b.*\n +# (gres: .shard:1.*)$", r"\1\2", text, flags=re.M)
    assert switched != text, "profiles/slurm no longer shows the switch to GPU shards"
    config.write_text(switched)
    return profile


def resumed(log: str) -> re.Match | None:
    """The line of a training log that says from which epoch's checkpoint it resumed."""
    return re.search(r"resuming from the checkpoint of epoch (\d+)", log)


@dataclass(frozen=True)
class Sbatch:
    """One `sbatch call:` line of Snakemake's verbose output."""

    rule: str
    attempt: int
    options: list[str]  # the sbatch options before --wrap

    @classmethod
    def parse(cls, line: str) -> Sbatch:
        """Rule, attempt and sbatch options of one logged call."""
        options, wrapped = line.split(" --wrap=", 1)
        rule = re.search(r"--target-jobs '(\w+):", wrapped).group(1)
        attempt = int(re.search(r"--attempt (\d+)", wrapped).group(1))
        return cls(rule, attempt, options.split())

    def value(self, option: str) -> str:
        """The value given to a separate option such as -p or -t."""
        return self.options[self.options.index(option) + 1]


def start(workdir: Path, name: str, *args: str) -> subprocess.Popen:
    """Snakemake in the background, its output in `workdir/<name>.out`."""
    with open(workdir / f"{name}.out", "w") as out:
        return start_group(
            [str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "--directory", str(workdir), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen) -> None:
    """SIGINT, on which Snakemake cancels its SLURM jobs; then, at once or after 60 s, SIGTERM
    and SIGKILL to whatever of its process group is left (e.g. status checks it started)."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=60)
    end_group(process)


def finish(process: subprocess.Popen, seconds: float) -> int:
    """Snakemake's exit code; stopped and failed when it runs longer than `seconds`."""
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        stop(process)
        pytest.fail(f"snakemake did not finish within {seconds:.0f} s")


def wait_for(what: str, found: Callable[[], T | None], process: subprocess.Popen) -> T:
    """Poll `found()` until it returns something; fail if Snakemake ends first or 3 min pass."""
    deadline = time.monotonic() + 180
    while not (result := found()):
        if process.poll() is not None:
            pytest.fail(f"snakemake ended (exit {process.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within 3 min")
        time.sleep(0.5)
    return result


def text(path: Path) -> str:
    """The file's text; empty while it does not exist (Snakemake removes a retried job's log)."""
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def running_jobs() -> set[str]:
    """Ids of the cluster's running jobs."""
    result = subprocess.run(
        ["squeue", "-h", "-t", "RUNNING", "-o", "%i"], capture_output=True, text=True, timeout=30
    )
    return set(result.stdout.split())


def slurm_job_running(workdir: Path, run: str, attempt: int) -> str | None:
    """The id of the running SLURM job that trains `run` in this attempt, if there is one."""
    running = running_jobs()
    for log in (workdir / ".snakemake/slurm_logs").rglob("*.log"):
        content = text(log)
        if log.stem in running and f"run={run}" in content and f"--attempt {attempt}" in content:
            return log.stem
    return None


def checkpointed_run(workdir: Path) -> str | None:
    """The {run} of a training run with a checkpoint of epoch 2 or later, if there is one."""
    checkpoints = workdir / "results/checkpoints/digits"
    for state in checkpoints.rglob("state.pt") if checkpoints.exists() else ():
        with contextlib.suppress(OSError, EOFError, RuntimeError):  # replaced while read
            if load_state(state.parent)["epoch"] >= 2:
                return state.parent.relative_to(checkpoints).as_posix()
    return None


def cluster_jobs() -> dict[str, str]:
    """`scontrol -o show job` of every job the controller still knows, by job id."""
    result = subprocess.run(
        ["scontrol", "-o", "show", "job"], capture_output=True, text=True, timeout=30
    )
    return {re.match(r"JobId=(\d+)", line).group(1): line for line in result.stdout.splitlines()}


@pytest.fixture(scope="module")
def grid(tmp_path_factory) -> SimpleNamespace:
    """Both passes over the grid, with what the tests check."""
    workdir = new_workdir(tmp_path_factory.mktemp("slurm") / "grid", CONFIG)
    first = start(workdir, "first", *SLURM, "--retries", "1")
    try:
        run = wait_for("checkpoint", lambda: checkpointed_run(workdir), first)
        train_log = workdir / f"results/logs/train/digits/{run}.log"
        for attempt in (1, 2):
            job = wait_for(
                f"training job (attempt {attempt})",
                lambda: slurm_job_running(workdir, run, attempt),  # noqa: B023 - called at once
                first,
            )
            if attempt == 2:
                retry_log = wait_for("resumption", lambda: resumed(text(train_log)), first).string
            subprocess.run(["scancel", job], check=True, timeout=30)
        first_exit = finish(first, 300)
    finally:
        stop(first)
    jobs = cluster_jobs()  # the controller forgets jobs MinJobAge (300 s) after they end
    shards = shard_profile(workdir.parent)
    second = start(workdir, "second", "--profile", str(shards), *SLURM_OPTIONS)
    try:
        second_exit = finish(second, 300)
    finally:
        stop(second)
    shard_jobs = {job: line for job, line in cluster_jobs().items() if job not in jobs}
    outputs = [(workdir / f"{name}.out").read_text() for name in ("first", "second")]
    calls = [
        [Sbatch.parse(line) for line in re.findall(r"sbatch call: (.*)", out)] for out in outputs
    ]
    return SimpleNamespace(
        workdir=workdir,
        run=run,
        retry_log=retry_log,
        exits=(first_exit, second_exit),
        output="".join(outputs),
        calls=calls[0] + calls[1],
        gpu_calls=calls[0],  # the shipped profile's: whole GPUs
        shard_calls=calls[1],
        jobs=jobs,
        shard_jobs=shard_jobs,
    )


def job_rules(workdir: Path) -> dict[str, str]:
    """Rule of each SLURM job, by job id, from the job logs the plugin kept."""
    return {
        log.stem: re.search(r"--target-jobs '?(\w+):", log.read_text()).group(1)
        for log in (workdir / ".snakemake/slurm_logs").rglob("*.log")
    }


def test_every_rule_ran_as_a_slurm_job(grid):
    finished = set(re.findall(r"Finished jobid: \d+ \(Rule: (\w+)\)", grid.output)) - {"all"}
    assert {"download", "prepare_data", "preprocess", "aggregate"} | GPU_RULES <= finished
    assert "evaluate" in finished
    assert finished <= set(job_rules(grid.workdir).values())  # each has a SLURM job log
    assert finished <= {call.rule for call in grid.calls}


def test_gpu_rules_ask_for_one_gpu_and_the_others_for_none(grid):
    # Training in the shipped profile's pass; training in the shard pass is the next test's.
    for call in grid.gpu_calls:
        if call.rule in GPU_RULES:
            assert {"--gpus=1", "--cpus-per-gpu=1"} <= set(call.options), call
            assert call.value("-p") == "gpu", call
    for call in grid.calls:
        if call.rule not in GPU_RULES:
            assert not any(option.startswith(("--gpus", "--gres")) for option in call.options)
            assert any(option.startswith("--cpus-per-task=") for option in call.options), call
            assert call.value("-p") == "cpu", call
    rules = job_rules(grid.workdir)
    seen = {job: line for job, line in (grid.jobs | grid.shard_jobs).items() if job in rules}
    assert {rules[job] for job in seen} >= {"train", "evaluate"}
    for job, line in seen.items():
        if rules[job] not in GPU_RULES:
            assert "gres:" not in line, line
        elif job in grid.jobs:
            assert "TresPerJob=gres:gpu:1" in line, line


def test_with_the_switch_to_shards_training_shares_a_gpu(grid):
    trains = [call for call in grid.shard_calls if call.rule == "train"]
    assert trains  # at least the run the first pass left unfinished
    for call in trains:
        assert "--gres=shard:1" in call.options, call
        assert not any(option.startswith("--gpus") for option in call.options), call
        assert "--cpus-per-task=1" in call.options, call  # train.threads, as for a whole GPU
    rules = job_rules(grid.workdir)
    shard_trains = [line for job, line in grid.shard_jobs.items() if rules.get(job) == "train"]
    assert shard_trains and all("gres:shard:1" in line for line in shard_trains), shard_trains
    log = (grid.workdir / f"results/logs/train/digits/{grid.run}.log").read_text()
    assert re.search(r"device: cpu .*CUDA_VISIBLE_DEVICES='[01]'", log), log


def test_training_jobs_see_the_gpu_slurm_gave_them(grid):
    logs = list((grid.workdir / "results/logs/train").rglob("*.log"))
    assert len(logs) == 2
    for log in logs:
        # torch sees no GPU behind the fake devices, falls back to the CPU and says why.
        assert re.search(r"device: cpu .*CUDA_VISIBLE_DEVICES='[01]'", log.read_text()), log


def test_a_cancelled_training_job_comes_back_with_more_time_and_resumes(grid):
    walltimes = {(call.attempt, call.value("-t")) for call in grid.calls if call.rule == "train"}
    assert walltimes == {(1, "240"), (2, "480")}  # runtime: 240 * attempt minutes
    assert int(resumed(grid.retry_log).group(1)) >= 2
    # scancel's SIGTERM reached training, which checkpointed where it stood inside the epoch.
    assert re.search(
        r"resuming from the checkpoint of epoch \d+, step \d+ of the next", grid.retry_log
    )


def test_the_rerun_resumes_the_cancelled_run_and_completes_the_grid(grid):
    assert grid.exits[0] != 0  # both attempts cancelled: the first pass failed
    assert grid.exits[1] == 0
    log = (grid.workdir / f"results/logs/train/digits/{grid.run}.log").read_text()
    assert int(resumed(log).group(1)) >= int(resumed(grid.retry_log).group(1))
    table = pd.read_csv(grid.workdir / "results/tstr/digits.csv")
    assert len(table) == 2 and sorted(table["seed"]) == [0, 1]
    assert set(table["status"]) == {"completed"}
