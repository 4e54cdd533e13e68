"""Running the real Snakemake workflow from tests, in a temporary working directory, and any
process a test starts in a process group of its own, ended as a whole on timeout or failure."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
SNAKEMAKE_TIMEOUT = 900.0  # seconds a Snakemake run of a test may take
GRACE = 5.0  # seconds between SIGTERM and SIGKILL when ending a process group
TINY = {
    "datasets": ["digits"],
    "split": {"val_fraction": 0.1, "test_fraction": 0.2, "seed": 0},
    "run": {"hidden": 32, "batch_size": 32},
    "grid": {},
    # thread_probe off: tests compare fresh runs bit for bit, and a probed thread count follows
    # the load of the moment (test_unconditional_convolutional_rgan_runs_through_the_dag probes).
    "train": {
        "epochs": 6,
        "eval_every": 2,
        "checkpoint_every": 2,
        "eval_samples": 300,
        "thread_probe": False,
    },
    "generate": {"samples_per_class": None},
    "evaluate": {
        "classifiers": ["logistic_regression", "random_forest"],
        "seed": 0,
        "extra_tstr_multipliers": [2],
        "per_class": False,  # on in test_workflow.py's run, which checks it
    },
}
CLASSIFIERS = TINY["evaluate"]["classifiers"]


def start_group(command: Sequence[str | os.PathLike], **popen) -> subprocess.Popen:
    """Popen(command) as the leader of a new session, so that `end_group` reaches every process
    it starts (Snakemake's jobs, Chromium's renderers) even after it has exited itself."""
    return subprocess.Popen(command, start_new_session=True, **popen)


def end_group(process: subprocess.Popen, grace: float = GRACE) -> None:
    """SIGTERM to every process of `process`'s group, SIGKILL to any left after `grace` s; reap
    the leader."""
    if signal_group(process.pid, signal.SIGTERM):
        deadline = time.monotonic() + grace
        while group_alive(process.pid) and time.monotonic() < deadline:
            process.poll()  # a leader that has exited but is not reaped still counts
            time.sleep(0.05)
        signal_group(process.pid, signal.SIGKILL)
    process.wait()


def signal_group(pgid: int, number: int) -> bool:
    """Send signal `number` to process group `pgid`; False when the group no longer exists."""
    try:
        os.killpg(pgid, number)
    except ProcessLookupError:
        return False
    return True


def group_alive(pgid: int) -> bool:
    """Whether process group `pgid` has a process that is not a zombie."""
    return bool(group_members(pgid))


def group_members(pgid: int) -> list[int]:
    """Pids of the running (not zombie) processes of group `pgid`, from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended while read
        state, group = fields[0], int(fields[2])
        if group == pgid and state not in "ZX":
            members.append(int(stat.parent.name))
    return members


@contextmanager
def process_group(command: Sequence[str | os.PathLike], **popen) -> Iterator[subprocess.Popen]:
    """`start_group(command)`; on leaving, by any path, every process of its group is ended."""
    with start_group(command, **popen) as process:
        try:
            yield process
        finally:
            end_group(process)


def run_in_group(
    command: Sequence[str | os.PathLike], timeout: float, **popen
) -> subprocess.CompletedProcess:
    """subprocess.run(command, capture_output=True, text=True) in a group of its own. On timeout,
    every process of the group is ended, then subprocess.TimeoutExpired carries the output."""
    with process_group(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen) as job:
        try:
            stdout, stderr = job.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            end_group(job)
            stdout, stderr = rest_of_output(job)
            raise subprocess.TimeoutExpired(command, timeout, stdout, stderr) from None
    return subprocess.CompletedProcess(command, job.returncode, text(stdout), text(stderr))


def rest_of_output(job: subprocess.Popen) -> tuple[str, str]:
    """All output of an ended job; what came so far when an escaped process holds its pipes."""
    try:
        stdout, stderr = job.communicate(timeout=GRACE)
    except subprocess.TimeoutExpired as error:
        stdout, stderr = error.stdout, error.stderr
    return text(stdout), text(stderr)


def text(output: bytes | str | None) -> str:
    """Captured output as text (as it comes when the caller passed text=True)."""
    return output if isinstance(output, str) else (output or b"").decode(errors="replace")


def snakemake(
    workdir: Path, *args: str, check: bool = True, timeout: float = SNAKEMAKE_TIMEOUT
) -> subprocess.CompletedProcess:
    """Run the workflow in `workdir`; fail the test when it fails (with `check`) or runs over
    `timeout` s, after ending every job it started."""
    command = [str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "--directory", str(workdir), *args]
    try:
        result = run_in_group(command, timeout)
    except subprocess.TimeoutExpired as error:
        pytest.fail(
            f"snakemake {' '.join(args)} ran over {timeout:.0f} s and was ended with all its "
            f"jobs; its output so far:\n{error.stdout}\n{error.stderr}"
        )
    if check and result.returncode != 0:
        pytest.fail(f"snakemake {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def planned_jobs(workdir: Path, *args: str) -> dict[str, int]:
    """Rule → job count that a dry run would execute."""
    output = snakemake(workdir, "--dry-run", *args).stdout
    return {
        rule: int(count)
        for rule, count in re.findall(r"^(\w+)\s+(\d+)$", output, re.MULTILINE)
        if rule != "total"
    }


def new_workdir(root: Path, config: dict) -> Path:
    root.mkdir(parents=True)
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    return root
