"""Training throughput (samples/s) of the default RCGAN on random 8×8 and 28×28 sequences.

Runs on the device training would use (a free GPU, else the CPU), each figure in a process of
its own. `--amp` measures every shape
twice, in float32 and under bfloat16 autocast (the `amp` run option), and prints the speed-up.

Usage: .venv/bin/python benchmarks/throughput.py [--threads N] [--seconds S] [--hidden H]
       [--batch B] [--shapes 8x8,28x28] [--amp]
The GPU check of MNIST-28 at hidden 128: benchmarks/throughput.py --hidden 128 --shapes 28x28 --amp
Prints one line per measurement and a final JSON line with every figure.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

import torch
from common import (
    BATCHES_PER_EPOCH,
    SHAPES,
    calls_per_second,
    default_run,
    in_own_process,
    training_epoch,
)

from rgan.config import RunParams
from rgan.devices import choose_device


def measure(
    steps: int, features: int, params: RunParams, seconds: float, device: torch.device, threads: int
) -> float:
    """Samples per second of full D+G steps, after one warm-up epoch."""
    torch.set_num_threads(threads)
    epoch = training_epoch(steps, features, params, device)
    return calls_per_second(epoch, seconds) * params.batch_size * BATCHES_PER_EPOCH


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    defaults = default_run()
    parser.add_argument("--hidden", type=int, default=defaults.hidden)
    parser.add_argument("--batch", type=int, default=defaults.batch_size)
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated: 8x8,28x28")
    parser.add_argument("--amp", action="store_true", help="also under bfloat16 autocast")
    args = parser.parse_args()
    unknown = set(args.shapes.split(",")) - set(SHAPES)
    if unknown:
        parser.error(f"--shapes: unknown {sorted(unknown)}, expected some of {list(SHAPES)}")
    device = choose_device(args.threads)
    params = replace(defaults, hidden=args.hidden, batch_size=args.batch)
    precisions = {"float32": False, "bfloat16_autocast": True} if args.amp else {"float32": False}
    figures: dict[str, dict[str, float]] = {}
    for name in args.shapes.split(","):
        figures[name] = {}
        for precision, amp in precisions.items():
            config = replace(params, amp=amp)
            rate = in_own_process(
                measure, *SHAPES[name], config, args.seconds, device, args.threads
            )
            figures[name][precision] = round(rate, 1)
            print(
                f"{name} {precision}: {rate:.0f} samples/s (hidden {params.hidden}, batch "
                f"{params.batch_size}, {device}, {args.threads} threads)"
            )
        if args.amp:
            figures[name]["amp_speedup"] = round(
                figures[name]["bfloat16_autocast"] / figures[name]["float32"], 2
            )
            print(f"{name}: autocast speed-up {figures[name]['amp_speedup']:.2f}x")
    print(
        json.dumps(
            {
                "benchmark": "train_throughput",
                "unit": "samples/s",
                "device": str(device),
                "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else "",
                "threads": args.threads,
                "hidden": params.hidden,
                "batch_size": params.batch_size,
                "torch": torch.__version__,
                **figures,
            }
        )
    )


if __name__ == "__main__":
    main()
