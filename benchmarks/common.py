"""Shared by the speed benchmarks: the default run, its training epoch on random data, and
timings taken in processes of their own."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TypeVar

import torch
import yaml

from rgan.config import RunParams
from rgan.gan import BETAS, average_of, train_epoch
from rgan.models import Discriminator, Generator, ModelSpec

CONFIG = Path(__file__).resolve().parents[1] / "config.yaml"
N_CLASSES = 10
SHAPES = {"8x8": (8, 8), "28x28": (28, 28)}  # digits and MNIST read row by row
BATCHES_PER_EPOCH = 20
T = TypeVar("T")


def default_run() -> RunParams:
    """RunParams with the values a plain `make run` trains with (config.yaml `run:`)."""
    return RunParams.from_config(yaml.safe_load(CONFIG.read_text())["run"])


def training_epoch(
    steps: int,
    features: int,
    params: RunParams,
    device: torch.device | str = "cpu",
    nets: tuple[type, type] = (Generator, Discriminator),
) -> Callable[[], dict[str, float]]:
    """One epoch of the project's `train_epoch` (BATCHES_PER_EPOCH batches of random data in
    [-1, 1], random labels) for fresh G and D of the given classes, with the run's optimizers and
    moving average of G's weights."""
    torch.manual_seed(0)
    spec = ModelSpec.for_run(params, steps, features, N_CLASSES, bounded=True)
    G, D = nets[0](spec).to(device), nets[1](spec).to(device)
    betas = BETAS[params.loss]
    opt_g = torch.optim.Adam(G.parameters(), lr=params.lr * params.g_factor, betas=betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=params.lr, betas=betas)
    X = torch.rand(params.batch_size * BATCHES_PER_EPOCH, steps, features, device=device) * 2 - 1
    y = torch.randint(0, N_CLASSES, (len(X),), device=device)
    G_average = average_of(G) if params.ema > 0 else None
    return lambda: train_epoch(G, D, opt_g, opt_d, X, y, params, G_average)


def calls_per_second(run: Callable[[], object], seconds: float) -> float:
    """Calls per second of `run` over `seconds`, after one warm-up call."""
    run()
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        run()  # training epochs return floats: CUDA work has finished too
        calls += 1
    return calls / (time.perf_counter() - started)


def in_own_process(function: Callable[..., T], *args: object) -> T:
    """`function(*args)` in a fresh interpreter, as a training job would run it. Timings taken
    one after another in one process disturb each other: once the cell loop's matrix products
    (or bfloat16 kernels) have run, MKL's fast memory manager slows the fused float32 LSTM by
    25-35 %."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        return pool.submit(function, *args).result()
