"""The test runner's process groups: a timed-out, failed or finished command leaves no process
behind, grandchildren included (unlike subprocess.run, whose timeout kills only the child)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import runner
from runner import group_members, process_group, run_in_group

# Writes its pid (its group's id) and that of a grandchild sleeping in the background, then sleeps.
SPAWN = "sleep 300 & echo $$ $! > {pids}; echo started; exec sleep 300"


def alive(pid: int) -> bool:
    """Whether `pid` is a running process (not a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in "ZX"


def read_pids(path: Path) -> tuple[int, int]:
    group, grandchild = map(int, path.read_text().split())
    return group, grandchild


def wait_for_pids(path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() or not path.read_text().endswith("\n"):
        assert time.monotonic() < deadline, "the shell never wrote its pids"
        time.sleep(0.02)


def assert_all_ended(pids: Path) -> None:
    group, grandchild = read_pids(pids)
    assert not alive(grandchild), "the background grandchild outlived its group"
    assert group_members(group) == []  # zombies aside, which init reaps in its own time


@pytest.fixture
def pids(tmp_path):
    """Where SPAWN writes its pids; whatever a failing test leaves running is killed after it."""
    path = tmp_path / "pids"
    yield path
    if path.exists():
        for pid in read_pids(path):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_timeout_ends_the_whole_group_and_keeps_the_output(pids):
    with pytest.raises(subprocess.TimeoutExpired) as timed_out:
        run_in_group(["sh", "-c", SPAWN.format(pids=pids)], timeout=2)
    assert_all_ended(pids)
    assert timed_out.value.stdout == "started\n"


def test_exception_inside_process_group_ends_the_group(pids):
    with pytest.raises(RuntimeError), process_group(["sh", "-c", SPAWN.format(pids=pids)]):
        wait_for_pids(pids)
        raise RuntimeError("the test failed")
    assert_all_ended(pids)


def test_finished_command_returns_its_output_and_leaves_no_stray(pids):
    script = "sleep 300 >/dev/null 2>&1 & echo $$ $! > {pids}; echo out; echo err >&2; exit 3"
    result = run_in_group(["sh", "-c", script.format(pids=pids)], timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert_all_ended(pids)


def test_snakemake_over_time_fails_the_test_with_its_output(tmp_path, pids, monkeypatch):
    fake = tmp_path / "snakemake"
    fake.write_text(f"#!/bin/sh\n{SPAWN.format(pids=pids)}\n")
    fake.chmod(0o755)
    monkeypatch.setattr(runner, "SNAKEMAKE", fake)
    with pytest.raises(pytest.fail.Exception, match=r"(?s)--cores 1 ran over 2 s.*started"):
        runner.snakemake(tmp_path, "--cores", "1", timeout=2)
    assert_all_ended(pids)
