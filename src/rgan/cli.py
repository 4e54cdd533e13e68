"""Commands for use outside Snakemake: `rgan sample` draws sequences from any saved generator."""

from __future__ import annotations

import argparse
import sys

import numpy as np
import torch

from rgan.data.prepare import Scaler
from rgan.data.sequences import UNLABELLED
from rgan.io import save_npz
from rgan.models import load_generator


def sample(args: argparse.Namespace) -> None:
    generator, payload = load_generator(args.model)
    n_classes = generator.spec.n_classes
    if args.label is not None and not generator.spec.conditional:
        raise SystemExit(f"--label {args.label}: {args.model} is an unconditional RGAN")
    if args.label is not None and not 0 <= args.label < n_classes:
        raise SystemExit(f"--label {args.label}: the model knows labels 0..{n_classes - 1}")
    labels = (
        np.full(args.n, args.label)
        if args.label is not None
        else np.sort(np.arange(args.n) % n_classes)
    )
    noise_source = torch.Generator().manual_seed(args.seed)
    X = generator.sample(torch.as_tensor(labels), generator=noise_source).numpy()
    if not generator.spec.conditional:
        labels = np.full(args.n, UNLABELLED)
    if args.original_scale:
        X = Scaler(**payload["scaler"]).inverse(X)
    save_npz(
        args.output,
        X=X,
        y=labels.astype(np.int64),
        class_names=np.array(payload["class_names"]),
    )
    print(f"wrote {args.n} sequences of shape {X.shape[1:]} to {args.output}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="rgan", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    sampler = commands.add_parser("sample", help="sample labelled sequences from a generator")
    sampler.add_argument("--model", required=True, help="a generator.pt written by training")
    sampler.add_argument("--n", type=int, default=1000, help="number of sequences")
    sampler.add_argument("--label", type=int, help="class id of all samples (default: balanced)")
    sampler.add_argument("--seed", type=int, default=0)
    sampler.add_argument(
        "--original-scale",
        action="store_true",
        help="map samples back to the data's original units (default: the model's scale)",
    )
    sampler.add_argument(
        "-o",
        "--output",
        required=True,
        help=f"an .npz file: X, y ({UNLABELLED} from an RGAN), class_names",
    )
    args = parser.parse_args(argv)
    if args.command == "sample":
        sample(args)


if __name__ == "__main__":
    main(sys.argv[1:])
