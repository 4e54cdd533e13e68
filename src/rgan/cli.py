"""Commands for use outside Snakemake: `rgan sample` draws sequences from any saved generator."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from rgan.checkpoint import UnreadableFileError
from rgan.data.prepare import Scaler
from rgan.data.sequences import UNLABELLED
from rgan.generate import balanced_labels, draw_synthetic, saved_extras
from rgan.io import save_npz
from rgan.models import load_generator

MAX_SEED = 2**64 - 1  # torch.Generator.manual_seed takes an unsigned 64-bit integer
PROG = "rgan"
ADVICE = "expected a generator.pt written by rgan's train rule"
SAMPLE_DESCRIPTION = (
    "Draw sequences from a generator.pt. When the model's data had observation masks, each "
    "sequence takes the mask of a random training sequence of its class and, where that mask "
    "is 0, the fill the real data got, as the workflow's evaluate rule does; the npz then holds "
    "`mask`. When the model's run matched marginals, samples are first mapped onto the "
    "training data's distribution of each value. When the model's training data took at most "
    "256 distinct values (image pixels), samples are rounded to those, as the workflow's are. "
    "Generators written before rgan saved the training masks (or values) with the model have "
    "none: their samples come without masks (or unrounded), as before."
)


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (exit 2), with a pointer to --help
    instead of the usage text."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def fail(message: str) -> NoReturn:
    """Stop with one line on stderr and exit status 1."""
    raise SystemExit(f"{PROG} sample: error: {' '.join(message.split())}")


def integer(text: str, low: int, high: int | None = None) -> int:
    """`text` as an integer in [low, high], or an argparse error naming the value."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise argparse.ArgumentTypeError(f"{value}: expected an integer {bounds}")
    return value


def positive(text: str) -> int:
    return integer(text, 1)


def non_negative(text: str) -> int:
    return integer(text, 0)


def seed(text: str) -> int:
    return integer(text, 0, MAX_SEED)


def check_output(path: Path) -> None:
    """Fail before any work when `path` cannot become a file; missing folders are created."""
    if path.is_dir():
        fail(f"--output {path}: is a folder; expected an .npz file name")
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        fail(f"--output {path}: {folder} is a file, so it cannot hold a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        fail(f"--output {path}: no permission to write in {folder}")


def load(model: str) -> tuple[Any, dict[str, Any]]:
    """(generator, payload) of `model`, or one line naming the file and what is wrong."""
    try:
        return load_generator(model)
    except UnreadableFileError as error:
        fail(str(error))


def entry(payload: dict[str, Any], key: str, model: str) -> Any:
    """`payload[key]`, or one line saying that the generator file lacks it."""
    if key not in payload:
        fail(f"{model}: has no {key!r}; {ADVICE}")
    return payload[key]


def sample_labels(args: argparse.Namespace, n_classes: int, conditional: bool) -> np.ndarray:
    """`--label` for every sample, or the classes in equal shares (sorted)."""
    if args.label is not None and not conditional:
        fail(f"--label {args.label}: {args.model} is an unconditional RGAN")
    if args.label is not None and not args.label < n_classes:
        fail(f"--label {args.label}: the model knows labels 0..{n_classes - 1}")
    if args.label is not None:
        return np.full(args.n, args.label)
    return np.sort(balanced_labels(n_classes, args.n))


def write(path: Path, **arrays: np.ndarray) -> None:
    """save_npz, with a failure reported as one line naming the file."""
    try:
        save_npz(path, **arrays)
    except OSError as error:
        fail(f"--output {path}: cannot write: {error.strerror or error}")


def sample(args: argparse.Namespace) -> None:
    output = Path(args.output)
    check_output(output)
    generator, payload = load(args.model)
    spec = generator.spec
    labels = sample_labels(args, spec.n_classes, spec.conditional)
    class_names = np.array(entry(payload, "class_names", args.model))
    try:
        pool, levels, marginals = saved_extras(payload, args.round_to_levels, args.match_marginals)
    except ValueError as error:
        fail(f"{args.model}: {error}; {ADVICE}")
    X, labels, masks = draw_synthetic(generator, labels, args.seed, pool, levels, marginals)
    if args.original_scale:
        X = Scaler(**entry(payload, "scaler", args.model)).inverse(X)
    arrays = {"X": X, "y": labels.astype(np.int64), "class_names": class_names}
    if masks is not None:
        arrays["mask"] = masks
    write(output, **arrays)
    with_masks = " with class-matched masks" if masks is not None else ""
    print(f"wrote {args.n} sequences of shape {X.shape[1:]}{with_masks} to {output}")


def parser() -> argparse.ArgumentParser:
    """The `rgan` command line."""
    main_parser = OneLineParser(prog=PROG, description=__doc__)
    commands = main_parser.add_subparsers(dest="command", required=True)
    sampler = commands.add_parser(
        "sample",
        help="sample labelled sequences from a generator",
        description=SAMPLE_DESCRIPTION,
    )
    sampler.add_argument("--model", required=True, help="a generator.pt written by training")
    sampler.add_argument("--n", type=positive, default=1000, help="number of sequences")
    sampler.add_argument(
        "--label", type=non_negative, help="class id of all samples (default: balanced)"
    )
    sampler.add_argument("--seed", type=seed, default=0)
    sampler.add_argument(
        "--original-scale",
        action="store_true",
        help="map samples back to the data's original units (default: the model's scale)",
    )
    sampler.add_argument(
        "--round-to-levels",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="round to the values the training data took, when they took at most 256 "
        "(default: on, as in the workflow's generate.round_to_levels)",
    )
    sampler.add_argument(
        "--match-marginals",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="map samples onto the training data's marginals when the model's run matched "
        "them (run key match_marginals; default: on, as in the workflow)",
    )
    sampler.add_argument(
        "-o",
        "--output",
        required=True,
        help=f"an .npz file (missing folders are created): X, y ({UNLABELLED} from an RGAN), "
        "class_names, and mask (1 = observed) when the model's data had masks",
    )
    return main_parser


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.command == "sample":
        sample(args)


if __name__ == "__main__":
    main(sys.argv[1:])
