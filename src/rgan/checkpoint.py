"""Crash-safe files of a run: atomic writes that keep the previous checkpoint beside the newest,
files read back without running code (`weights_only`) and checked for their format version, and
the full training state needed to resume bit for bit."""

from __future__ import annotations

import io
import logging
import os
import pickle
import random
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rgan.io import atomic_path

logger = logging.getLogger(__name__)

STATE_FILE = "state.pt"
PREVIOUS_STATE_FILE = "state.previous.pt"  # the checkpoint before the newest, kept as a fallback
INTERRUPTED_STATE_FILE = "state.interrupted.pt"  # inside an epoch, on a stop signal: resumed
# from, never rolled back to (its epoch has not passed the divergence checks)
CHECKPOINT_FORMAT = "rgan-checkpoint"
GENERATOR_FORMAT = "rgan-generator"
FORMAT_VERSION = 2  # 1: generators before formats were versioned; checkpoints start at 2
ZIP_MAGIC = b"PK\x03\x04"  # torch.save writes zip archives
START_AFRESH = (
    "to start this run afresh, move its checkpoint folder aside (`mv {folder} {folder}.broken`) "
    "and rerun (README, 'Checkpoints')"
)


class UnreadableFileError(RuntimeError):
    """A file the project reads back is missing, damaged, foreign, unsafe or of another format
    version; the message names the file and what to do."""


def atomic_torch_save(obj: Any, path: str | os.PathLike, keep_previous: Path | None = None) -> None:
    """torch.save to a temporary file, fsync, rename: the previous file survives until then (as
    `keep_previous`, if given). Serialised in memory first, so that a full disk is reported as
    such by the file write rather than as a failure inside torch's zip writer."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    with atomic_path(path, keep_previous=keep_previous) as tmp:
        tmp.write_bytes(buffer.getvalue())


def save_versioned(obj: dict[str, Any], path: str | os.PathLike, kind: str, **options) -> None:
    atomic_torch_save({"format": kind, "format_version": FORMAT_VERSION, **obj}, path, **options)


def load_versioned(
    path: str | os.PathLike, kind: str, advice: str, legacy: bool = False, map_location="cpu"
) -> dict[str, Any]:
    """A file written by `save_versioned`, loaded with `weights_only=True` (tensors and plain
    Python values only: nothing in it can run code). `legacy` accepts version-1 files, which
    carried no format fields. Every failure names the file and ends with `advice`."""
    path = Path(path)
    if not path.exists():
        raise UnreadableFileError(f"{path}: no such file; {advice}")
    if not path.is_file():
        raise UnreadableFileError(f"{path}: not a file but a folder; {advice}")
    with open(path, "rb") as handle:
        if handle.read(len(ZIP_MAGIC)) != ZIP_MAGIC:
            raise UnreadableFileError(f"{path}: not a file written by torch.save; {advice}")
    try:
        with warnings.catch_warnings():  # about the pickle protocol of a file it may refuse
            warnings.filterwarnings("ignore", "Detected pickle protocol", UserWarning)
            payload = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        raise UnreadableFileError(
            f"{path}: refused: it holds Python objects beyond tensors and plain values "
            f"({unpickling_reason(error)}), so loading it could run code. Files of rgan format "
            f"version {FORMAT_VERSION} never do: it was written by an older rgan or by someone "
            f"else; {advice}"
        ) from None
    except Exception as error:  # torch's readers raise many kinds for a damaged file
        reason = str(error).strip().split("\n")[0].split(". ")[0] or type(error).__name__
        raise UnreadableFileError(
            f"{path}: not a readable {kind} file (damaged, truncated or of another kind: "
            f"{reason}); {advice}"
        ) from None
    if not isinstance(payload, dict):
        raise UnreadableFileError(f"{path}: not a {kind} file; {advice}")
    version = payload.get("format_version", 1 if legacy else None)
    if payload.get("format", kind if legacy else None) != kind or version is None:
        raise UnreadableFileError(
            f"{path}: not a {kind} file of format version {FORMAT_VERSION} (written by an older "
            f"rgan, or something else); {advice}"
        )
    if version > FORMAT_VERSION:
        raise UnreadableFileError(
            f"{path}: {kind} format version {version} is newer than this rgan reads "
            f"({FORMAT_VERSION}): update rgan"
        )
    return payload


def unpickling_reason(error: pickle.UnpicklingError) -> str:
    """What torch's weights-only unpickler refused, e.g. `GLOBAL posix.system`."""
    found = re.search(r"GLOBAL [\w.]+", str(error)) or re.search(r"Unsupported [^.\n]+", str(error))
    return found.group(0) if found else "not a weights-only file"


def rng_state() -> dict[str, Any]:
    """Every RNG's state as tensors and plain values (loadable with `weights_only`)."""
    name, keys, position, has_gauss, cached_gaussian = np.random.get_state()
    state = {
        "python": random.getstate(),
        "numpy": {
            "name": name,
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "position": int(position),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached_gaussian),
        },
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    numpy_state = state["numpy"]
    np.random.set_state(
        (
            numpy_state["name"],
            numpy_state["keys"].numpy().astype(np.uint32),
            numpy_state["position"],
            numpy_state["has_gauss"],
            numpy_state["cached_gaussian"],
        )
    )
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_state(directory: str | os.PathLike, state: dict[str, Any]) -> Path:
    """Write the newest checkpoint; the one it replaces becomes the previous checkpoint, and an
    interrupted-epoch checkpoint, now older, goes."""
    directory = Path(directory)
    path = directory / STATE_FILE
    save_versioned(state, path, CHECKPOINT_FORMAT, keep_previous=directory / PREVIOUS_STATE_FILE)
    discard_interrupted_state(directory)
    return path


def save_interrupted_state(directory: str | os.PathLike, state: dict[str, Any]) -> Path:
    """Write the checkpoint of an epoch stopped by a signal (beside, not over, the last one)."""
    path = Path(directory) / INTERRUPTED_STATE_FILE
    save_versioned(state, path, CHECKPOINT_FORMAT)
    return path


def discard_interrupted_state(directory: str | os.PathLike) -> None:
    (Path(directory) / INTERRUPTED_STATE_FILE).unlink(missing_ok=True)


def load_state(directory: str | os.PathLike, resume: bool = True) -> dict[str, Any] | None:
    """The newest readable checkpoint in `directory`: to resume, an interrupted epoch's if there
    is one; the previous checkpoint, with a warning, when the newest is damaged or refused. None
    when there is none. Raises UnreadableFileError, naming the files, when checkpoints exist and
    none can be read."""
    directory = Path(directory)
    names = [STATE_FILE, PREVIOUS_STATE_FILE]
    paths = [directory / name for name in ([INTERRUPTED_STATE_FILE] if resume else []) + names]
    advice = START_AFRESH.format(folder=directory)
    problems = []
    for path in paths:
        if not path.exists():
            continue
        try:
            state = load_versioned(path, CHECKPOINT_FORMAT, advice)
        except UnreadableFileError as error:
            problem = str(error).removesuffix(f"; {advice}")
            logger.warning("%s", problem)
            problems.append(problem.removeprefix(f"{directory}{os.sep}"))
            continue
        if problems:
            logger.warning("falling back to the checkpoint %s (epoch %d)", path, state["epoch"])
        return state
    if not problems:
        return None
    raise UnreadableFileError(
        f"no readable checkpoint in {directory}: " + "; ".join(problems) + f"; {advice}"
    )
