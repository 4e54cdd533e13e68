"""Crash-safe training state: atomic writes, and the full state needed to resume bit for bit."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rgan.io import atomic_path

STATE_FILE = "state.pt"


def atomic_torch_save(obj: Any, path: str | os.PathLike) -> None:
    """torch.save to a temporary file, fsync, rename: the previous file survives until then."""
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def rng_state() -> dict[str, Any]:
    state = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_state(directory: str | os.PathLike, state: dict[str, Any]) -> Path:
    path = Path(directory) / STATE_FILE
    atomic_torch_save(state, path)
    return path


def load_state(directory: str | os.PathLike) -> dict[str, Any] | None:
    """The newest complete training state in `directory`, or None when there is none."""
    path = Path(directory) / STATE_FILE
    if not path.exists():
        return None
    return torch.load(path, map_location="cpu", weights_only=False)
