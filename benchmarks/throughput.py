"""Training throughput (samples/s) of the default RCGAN on random 8×8 and 28×28 sequences.

Usage: .venv/bin/python benchmarks/throughput.py [--threads N] [--seconds S]
Prints one line per shape and a final JSON line with every figure.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from rgan.config import RunParams
from rgan.devices import choose_device
from rgan.models import Discriminator, Generator, ModelSpec
from rgan.train import BETAS, train_epoch

SHAPES = {"8x8": (8, 8), "28x28": (28, 28)}
N_CLASSES = 10


def measure(steps: int, features: int, params: RunParams, seconds: float, device) -> float:
    """Samples per second of full D+G steps, after one warm-up epoch."""
    torch.manual_seed(0)
    spec = ModelSpec(steps, features, N_CLASSES, params.hidden, params.noise_dim, params.layers)
    G, D = Generator(spec).to(device), Discriminator(spec).to(device)
    opt_g = torch.optim.Adam(
        G.parameters(), lr=params.lr * params.g_factor, betas=BETAS[params.loss]
    )
    opt_d = torch.optim.Adam(D.parameters(), lr=params.lr, betas=BETAS[params.loss])
    X = torch.rand(params.batch_size * 20, steps, features, device=device) * 2 - 1
    y = torch.randint(0, N_CLASSES, (len(X),), device=device)
    train_epoch(G, D, opt_g, opt_d, X, y, params)
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        train_epoch(G, D, opt_g, opt_d, X, y, params)
        done += len(X)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return done / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    device = choose_device(args.threads)
    params = RunParams()
    figures = {}
    for name, (steps, features) in SHAPES.items():
        figures[name] = round(measure(steps, features, params, args.seconds, device), 1)
        print(
            f"{name}: {figures[name]:.0f} samples/s (hidden {params.hidden}, batch "
            f"{params.batch_size}, {device}, {torch.get_num_threads()} threads)"
        )
    print(
        json.dumps(
            {
                "benchmark": "train_throughput",
                "unit": "samples/s",
                "device": str(device),
                "threads": torch.get_num_threads(),
                "hidden": params.hidden,
                "batch_size": params.batch_size,
                "torch": torch.__version__,
                **figures,
            }
        )
    )


if __name__ == "__main__":
    main()
