"""Training speed of the default RCGAN (fused nn.LSTM) against the same model unrolled per step.

The naive variant has the same sizes, inputs and outputs (one-hot label concatenated at every
step, a logit per step for D, tanh output for G) but runs an nn.LSTMCell in a Python loop over
the time steps. Both are trained by the project's own `train_epoch` (BCE with logits, real
target 0.9, Adam with `BETAS`, one D and one G update per batch, the fake batch reused), so only
the recurrent implementation differs. Runs on the CPU.

Usage: .venv/bin/python benchmarks/lstm_vs_cell.py [--threads N] [--seconds S] [--hidden H]
       [--batch B]   (defaults: the config's `run:` values, hidden 64 and batch 64)
Prints one line per shape and a final JSON line with every figure.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import replace

import torch
import torch.nn.functional as F
from torch import nn

from rgan.config import RunParams
from rgan.models import Discriminator, Generator, ModelSpec
from rgan.train import BETAS, train_epoch

SHAPES = {"8x8": (8, 8), "28x28": (28, 28)}
N_CLASSES = 10
DEFAULTS = RunParams(hidden=64, noise_dim=8, batch_size=64, lr=0.002)  # config.yaml `run:`
BATCHES_PER_EPOCH = 20


def unroll(
    cell: nn.LSTMCell, head: nn.Module, x: torch.Tensor, one_hot: torch.Tensor
) -> torch.Tensor:
    """Per-step loop: concatenate the label, advance the cell, apply the head; stack the steps."""
    state: tuple[torch.Tensor, torch.Tensor] | None = None
    outputs = []
    for t in range(x.shape[1]):
        state = cell(torch.cat([x[:, t], one_hot], dim=-1), state)
        outputs.append(head(state[0]))
    return torch.stack(outputs, dim=1)


class CellGenerator(Generator):
    def __init__(self, spec: ModelSpec):
        super().__init__(spec)
        self.rnn = nn.LSTMCell(spec.noise_dim + spec.n_classes, spec.hidden)

    def forward(self, noise: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        one_hot = F.one_hot(labels, self.spec.n_classes).to(torch.float32)
        return torch.tanh(unroll(self.rnn, self.head, noise, one_hot))


class CellDiscriminator(Discriminator):
    def __init__(self, spec: ModelSpec):
        super().__init__(spec)
        self.rnn = nn.LSTMCell(spec.n_features + spec.n_classes, spec.hidden)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, None]:
        one_hot = F.one_hot(labels, self.spec.n_classes).to(torch.float32)
        return unroll(self.rnn, self.head, x, one_hot).squeeze(-1), None


VARIANTS = ((Generator, Discriminator), (CellGenerator, CellDiscriminator))


def check_same_function(spec: ModelSpec) -> None:
    """With the fused weights copied in, the cell-loop nets must compute the same outputs."""
    for fused_cls, cell_cls, width in (
        (Generator, CellGenerator, spec.noise_dim),
        (Discriminator, CellDiscriminator, spec.n_features),
    ):
        fused, cell = fused_cls(spec), cell_cls(spec)
        cell.load_state_dict({k.replace("_l0", ""): v for k, v in fused.state_dict().items()})
        x, labels = torch.randn(5, spec.seq_len, width), torch.randint(0, N_CLASSES, (5,))
        torch.testing.assert_close(cell(x, labels), fused(x, labels), atol=1e-5, rtol=1e-4)


def trainer(
    nets: tuple[type, type], steps: int, features: int, params: RunParams
) -> Callable[[], object]:
    """One training epoch (BATCHES_PER_EPOCH batches of random data) of the given G and D."""
    torch.manual_seed(0)
    spec = ModelSpec(steps, features, N_CLASSES, params.hidden, params.noise_dim, params.layers)
    G, D = nets[0](spec), nets[1](spec)
    opt_g = torch.optim.Adam(G.parameters(), lr=params.lr * params.g_factor, betas=BETAS["bce"])
    opt_d = torch.optim.Adam(D.parameters(), lr=params.lr, betas=BETAS["bce"])
    X = torch.rand(params.batch_size * BATCHES_PER_EPOCH, steps, features) * 2 - 1
    y = torch.randint(0, N_CLASSES, (len(X),))
    return lambda: train_epoch(G, D, opt_g, opt_d, X, y, params)


def measure(steps: int, features: int, seconds: float, params: RunParams) -> list[float]:
    """Samples per second of full D+G steps, fused then cell loop, after one warm-up epoch each;
    epochs alternate between the two so that both see the same background load."""
    runs = [trainer(nets, steps, features, params) for nets in VARIANTS]
    for run in runs:
        run()
    spent, epochs = [0.0] * len(runs), [0] * len(runs)
    while min(spent) < seconds:
        for i, run in enumerate(runs):
            if spent[i] < seconds:
                started = time.perf_counter()
                run()
                spent[i] += time.perf_counter() - started
                epochs[i] += 1
    samples = params.batch_size * BATCHES_PER_EPOCH
    return [done * samples / took for done, took in zip(epochs, spent, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--hidden", type=int, default=DEFAULTS.hidden)
    parser.add_argument("--batch", type=int, default=DEFAULTS.batch_size)
    args = parser.parse_args()
    params = replace(DEFAULTS, hidden=args.hidden, batch_size=args.batch)
    torch.set_num_threads(args.threads)  # the comparison itself is on the CPU
    figures: dict[str, dict[str, float]] = {}
    for name, (steps, features) in SHAPES.items():
        check_same_function(ModelSpec(steps, features, N_CLASSES, params.hidden, params.noise_dim))
        fused, cell = measure(steps, features, args.seconds, params)
        figures[name] = {
            "fused": round(fused, 1),
            "cell_loop": round(cell, 1),
            "ratio": round(fused / cell, 2),
        }
        print(
            f"{name}: fused nn.LSTM {fused:.0f} samples/s, nn.LSTMCell loop {cell:.0f} samples/s,"
            f" ratio {fused / cell:.2f}x (hidden {params.hidden}, batch {params.batch_size}, "
            f"cpu, {torch.get_num_threads()} threads)"
        )
    print(
        json.dumps(
            {
                "benchmark": "lstm_vs_cell",
                "unit": "samples/s",
                "device": "cpu",
                "threads": torch.get_num_threads(),
                "hidden": params.hidden,
                "noise_dim": params.noise_dim,
                "batch_size": params.batch_size,
                "lr": params.lr,
                "seconds": args.seconds,
                "torch": torch.__version__,
                **figures,
            }
        )
    )


if __name__ == "__main__":
    main()
