"""Atomic file writes: write to a temporary file beside the target, fsync, then rename."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


@contextmanager
def atomic_path(path: str | os.PathLike, keep_previous: Path | None = None) -> Iterator[Path]:
    """Yield a temporary path that replaces `path` in one rename on success, vanishes on failure.
    With `keep_previous`, the file it replaces is renamed there first (a reader that finds no
    `path` falls back to it). A full disk is reported as such, naming `path`."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp's 0600 would hide results from a team
        if keep_previous is not None and target.exists():
            os.replace(target, keep_previous)
        os.replace(tmp, target)
    except OSError as error:
        if error.errno not in DISK_FULL:
            raise
        kept = "the previous file is intact" if target.exists() else "nothing was written"
        raise OSError(
            error.errno, f"no space left on device while writing {target}; {kept}"
        ) from error
    finally:
        tmp.unlink(missing_ok=True)


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(path: str | os.PathLike, obj: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, default=_json_default) + "\n")


def write_table(
    frame: pd.DataFrame,
    csv_path: str | os.PathLike,
    markdown: str,
    markdown_path: str | os.PathLike,
) -> None:
    """A table as CSV and its Markdown rendering, each written atomically."""
    with atomic_path(csv_path) as tmp:
        frame.to_csv(tmp, index=False)
    with atomic_path(markdown_path) as tmp:
        tmp.write_text(markdown)


def read_json(path: str | os.PathLike) -> Any:
    return json.loads(Path(path).read_text())


def save_npz(path: str | os.PathLike, **arrays: np.ndarray) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(handle, **arrays)


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
