"""Training speed of the default RCGAN (fused nn.LSTM) against the same model unrolled per step.

The naive variant has the same sizes, inputs and outputs (one-hot label concatenated at every
step, a logit per step for D, tanh output for G) but runs an nn.LSTMCell in a Python loop over
the time steps. Both are trained by the project's own `train_epoch` (BCE with logits, real
target 0.9, Adam with `BETAS`, one D and one G update per batch, the fake batch reused, the
moving average of G's weights), so only the recurrent implementation differs. Runs on the CPU.

It also times the recurrent layer alone (the discriminator's: label concatenated, forward and
backward, no heads, losses or optimizers). That ratio bounds the training-step ratio: the rest of
a step costs the same in both variants. `--amp` runs both under bfloat16 autocast (the `amp` run
option). Each variant is timed in processes of its own, alternating, `seconds` in all per figure.

Usage: .venv/bin/python benchmarks/lstm_vs_cell.py [--threads N] [--seconds S] [--hidden H]
       [--batch B] [--amp]   (defaults: config.yaml's `run:` values)
Prints two lines per shape and a final JSON line with every figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Callable
from dataclasses import replace

import torch
import torch.nn.functional as F
from common import (
    BATCHES_PER_EPOCH,
    N_CLASSES,
    SHAPES,
    calls_per_second,
    default_run,
    in_own_process,
    training_epoch,
)
from torch import nn

from rgan.config import RunParams
from rgan.models import Discriminator, Generator, ModelSpec, with_conditions


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


VARIANTS = {"fused": (Generator, Discriminator), "cell_loop": (CellGenerator, CellDiscriminator)}
ROUNDS = 2  # processes per variant, alternating


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


def layer_pass(fused: bool, steps: int, features: int, params: RunParams) -> Callable[[], None]:
    """Forward and backward of the discriminator's recurrent layer alone, on one batch."""
    torch.manual_seed(0)
    spec = ModelSpec(steps, features, N_CLASSES, hidden=params.hidden, noise_dim=params.noise_dim)
    x = torch.rand(params.batch_size, steps, features, requires_grad=True)
    labels = torch.randint(0, N_CLASSES, (params.batch_size,))
    lstm = nn.LSTM(features + N_CLASSES, params.hidden, batch_first=True)
    cell = nn.LSTMCell(features + N_CLASSES, params.hidden)
    one_hot = F.one_hot(labels, N_CLASSES).to(torch.float32)

    def run() -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=params.amp):
            if fused:
                states = lstm(with_conditions(x, labels, None, spec))[0]
            else:
                states = unroll(cell, nn.Identity(), x, one_hot)
        states.float().sum().backward()

    return run


def timed_variant(
    variant: str, params: RunParams, threads: int, seconds: float
) -> dict[str, dict[str, float]]:
    """Samples/s of one variant at every shape: training step and recurrent layer alone."""
    torch.set_num_threads(threads)
    figures = {}
    for name, (steps, features) in SHAPES.items():
        epoch = training_epoch(steps, features, params, nets=VARIANTS[variant])
        layer = layer_pass(variant == "fused", steps, features, params)
        figures[name] = {
            "training_step": calls_per_second(epoch, seconds)
            * params.batch_size
            * BATCHES_PER_EPOCH,
            "recurrent_layer": calls_per_second(layer, seconds) * params.batch_size,
        }
    return figures


def main() -> None:
    defaults = default_run()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--hidden", type=int, default=defaults.hidden)
    parser.add_argument("--batch", type=int, default=defaults.batch_size)
    parser.add_argument("--amp", action="store_true", help="bfloat16 autocast in both variants")
    args = parser.parse_args()
    params = replace(defaults, hidden=args.hidden, batch_size=args.batch, amp=args.amp)
    print(
        f"hidden {params.hidden}, batch {params.batch_size}, cpu, {args.threads} threads,"
        f" {'bfloat16 autocast' if params.amp else 'float32'}"
    )
    for steps, features in SHAPES.values():
        check_same_function(
            ModelSpec(steps, features, N_CLASSES, hidden=params.hidden, noise_dim=params.noise_dim)
        )
    timings: dict[str, list[dict]] = {variant: [] for variant in VARIANTS}
    seconds = args.seconds / ROUNDS
    for _ in range(ROUNDS):  # alternating, so that both variants see the same background load
        for variant, runs in timings.items():
            runs.append(in_own_process(timed_variant, variant, params, args.threads, seconds))
    figures: dict[str, dict[str, dict[str, float]]] = {}
    for name in SHAPES:
        figures[name] = {}
        for what in ("training_step", "recurrent_layer"):
            fused, cell = (
                statistics.mean(run[name][what] for run in runs) for runs in timings.values()
            )
            figures[name][what] = {
                "fused": round(fused, 1),
                "cell_loop": round(cell, 1),
                "ratio": round(fused / cell, 2),
            }
            print(
                f"{name} {what.replace('_', ' ')}: fused nn.LSTM {fused:.0f} samples/s,"
                f" nn.LSTMCell loop {cell:.0f} samples/s, ratio {fused / cell:.2f}x"
            )
    print(
        json.dumps(
            {
                "benchmark": "lstm_vs_cell",
                "unit": "samples/s",
                "device": "cpu",
                "threads": args.threads,
                "hidden": params.hidden,
                "noise_dim": params.noise_dim,
                "batch_size": params.batch_size,
                "lr": params.lr,
                "amp": params.amp,
                "seconds": args.seconds,
                "torch": torch.__version__,
                **figures,
            }
        )
    )


if __name__ == "__main__":
    main()
