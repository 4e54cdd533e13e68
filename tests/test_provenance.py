"""Provenance in cards and results rows: the package version, and the commit of the checkout
the package runs from (with -dirty), or None where there is no checkout or no git."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
from pathlib import Path

from rgan.evaluate import TRAINING_COLUMNS, training_summary
from rgan.provenance import PROVENANCE_KEYS, code_commit, provenance


def git(folder: Path, *args: str) -> str:
    identity = ["-c", "user.name=test", "-c", "user.email=test@example.org"]
    done = subprocess.run(["git", *identity, "-C", str(folder), *args], capture_output=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode().strip()


def test_this_package_records_its_version_and_commit():
    found = provenance()
    assert found["rgan_version"] == importlib.metadata.version("rgan")
    commit = found["code_commit"]
    assert commit is None or re.fullmatch(r"[0-9a-f]{40}(-dirty)?", commit)


def test_commit_of_a_checkout_dirty_only_for_tracked_changes(tmp_path):
    package = tmp_path / "src" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("x = 1\n")
    assert code_commit(package) is None  # not a checkout
    git(tmp_path, "init", "-q")
    assert code_commit(package) is None  # a checkout, but the package is not tracked in it
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first")
    head = git(tmp_path, "rev-parse", "HEAD")
    (tmp_path / "notes.txt").write_text("untracked files do not count\n")
    assert code_commit(package) == head
    (package / "__init__.py").write_text("x = 2\n")
    assert code_commit(package) == f"{head}-dirty"


def test_no_git_gives_none(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no git on it
    assert code_commit(Path(__file__).parent) is None


def test_cards_without_provenance_still_evaluate():
    old_card = {key: 1 for key in TRAINING_COLUMNS if key not in PROVENANCE_KEYS}
    summary = training_summary(old_card)
    assert list(summary) == list(TRAINING_COLUMNS)
    assert all(summary[key] is None for key in PROVENANCE_KEYS)
