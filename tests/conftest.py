"""Shared fixtures: the digits data prepared once per test session."""

from __future__ import annotations

import pytest
import torch

from rgan.data import load_dataset
from rgan.data.prepare import PreparedData, split_and_scale


@pytest.fixture(scope="session")
def digits() -> PreparedData:
    return split_and_scale(
        load_dataset("digits", {}, {}), val_fraction=0.1, test_fraction=0.2, seed=0
    )


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)
