"""Which code made a result: the installed rgan version and, when the package runs from a git
checkout, its commit (with "-dirty" when tracked files differ from it). Recorded in every
`card.json` and results row, so rows merged from a shared grid can be traced to their code."""

from __future__ import annotations

import importlib.metadata
import subprocess
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROVENANCE_KEYS = ("rgan_version", "code_commit")
GIT_TIMEOUT = 10.0  # seconds; a hung git must not hold up training


def provenance() -> dict[str, str | None]:
    """{"rgan_version": ..., "code_commit": ...}; None where unknown. Never raises."""
    return {"rgan_version": package_version(), "code_commit": code_commit()}


def package_version() -> str | None:
    """The installed distribution's version, or None when rgan is not installed as one."""
    try:
        return importlib.metadata.version("rgan")
    except importlib.metadata.PackageNotFoundError:
        return None


def code_commit(folder: Path = PACKAGE_DIR) -> str | None:
    """`git rev-parse HEAD` of the checkout that holds the package's own files, plus "-dirty"
    when `git status` shows changes to tracked files; None when the package is not tracked by
    git there (installed into site-packages, even a venv inside a checkout) or git is missing
    or fails."""
    if git(folder, "ls-files", "--error-unmatch", "__init__.py") is None:
        return None
    commit = git(folder, "rev-parse", "HEAD")
    changes = git(folder, "status", "--porcelain", "--untracked-files=no")
    if not commit or changes is None:
        return None
    return f"{commit}-dirty" if changes else commit


def git(folder: Path, *args: str) -> str | None:
    """stdout of `git -C folder *args`, stripped; None when git is missing or the command fails."""
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None
