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
from rgan.data.static import npz_arrays, requested
from rgan.generate import Extras, balanced_labels, draw_synthetic, saved_extras
from rgan.io import save_npz
from rgan.lengths import LENGTHS
from rgan.models import load_generator

MAX_SEED = 2**64 - 1  # torch.Generator.manual_seed takes an unsigned 64-bit integer
PROG = "rgan"
ADVICE = "expected a generator.pt written by rgan's train rule"
SAMPLE_DESCRIPTION = (
    "Draw sequences from a generator.pt. When the model's data had observation masks, each "
    "sequence takes a mask of its class (--lengths) and, where that mask is 0, the fill the "
    "real data got, as the workflow's evaluate rule does; the npz then holds `mask`. When the "
    "model's run matched marginals, samples are first mapped onto the training data's "
    "distribution of each value. When the model's training data took at most "
    "256 distinct values (image pixels), samples are rounded to those, as the workflow's are. "
    "Generators written before rgan saved the training masks (or values) with the model have "
    "none: their samples come without masks (or unrounded), as before. A model that sees static "
    "attributes (run key static) generates each sequence for the attributes of a random "
    "training record of its class, or for those requested with --conditions or --static; the "
    "npz then holds static, static_names and static_kinds."
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


def sample_labels(
    args: argparse.Namespace, n: int, n_classes: int, conditional: bool
) -> np.ndarray:
    """`--label` for every sample, or the classes in equal shares (sorted)."""
    if args.label is not None and not conditional:
        fail(f"--label {args.label}: {args.model} is an unconditional RGAN")
    if args.label is not None and not args.label < n_classes:
        fail(f"--label {args.label}: the model knows labels 0..{n_classes - 1}")
    if args.label is not None:
        return np.full(n, args.label)
    return np.sort(balanced_labels(n_classes, n))


def read_conditions(path: str) -> dict[str, list[str]]:
    """The columns of a --conditions CSV (a header of attribute names, one row per sequence)."""
    import pandas as pd

    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as error:
        fail(f"--conditions {path}: not a readable CSV file ({error})")
    if table.empty:
        fail(
            f"--conditions {path}: no rows; expected a header of attribute names and one "
            "row per sequence"
        )
    return {str(column): table[column].tolist() for column in table.columns}


def fixed_attributes(args: argparse.Namespace) -> tuple[dict[str, Any], str, int | None]:
    """Requested attributes by name (--conditions' columns, then --static's values), what
    errors about them name, and the rows of --conditions (None without it)."""
    fixed: dict[str, Any] = {}
    sources, rows = [], None
    if args.conditions is not None:
        columns = read_conditions(args.conditions)
        rows = len(next(iter(columns.values())))
        fixed |= columns
        sources.append(f"--conditions {args.conditions}")
    for item in args.static or ():
        name, equals, value = item.partition("=")
        if not equals or not name:
            fail(f"--static {item!r}: expected name=value")
        fixed[name.strip()] = value
        sources.append(f"--static {item}")
    return fixed, ", ".join(sources), rows


def sample_attributes(
    args: argparse.Namespace,
    extras: Extras,
    labels: np.ndarray,
    seen: bool,
    fixed: dict[str, Any],
    source: str,
) -> np.ndarray | None:
    """The attributes requested on the command line (`fixed_attributes`; None: drawn from
    training records)."""
    if not fixed:
        return None
    if not seen or extras.conditions is None:
        fail(f"{source}: {args.model} does not see static attributes (run key static)")
    try:
        return requested(extras.conditions, labels, args.seed, fixed, source)
    except ValueError as error:
        fail(str(error))


def sample_count(args: argparse.Namespace, rows: int | None) -> int:
    """--n, or the `rows` of --conditions; both only when they agree."""
    if rows is None:
        return args.n or 1000
    if args.n is not None and args.n != rows:
        fail(f"--n {args.n}: --conditions {args.conditions} has {rows} rows (one per sequence)")
    return rows


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
    class_names = entry(payload, "class_names", args.model)
    fixed, source, rows = fixed_attributes(args)
    n = sample_count(args, rows)
    labels = sample_labels(args, n, spec.n_classes, spec.conditional)
    try:
        extras = saved_extras(payload, args.round_to_levels, args.match_marginals)
    except ValueError as error:
        fail(f"{args.model}: {error}; {ADVICE}")
    seen = bool(spec.static_width)
    static = sample_attributes(args, extras, labels, seen, fixed, source)
    try:
        drawn = draw_synthetic(generator, labels, args.seed, extras, static, args.lengths)
    except ValueError as error:
        fail(str(error))
    X = drawn.X
    if args.original_scale:
        X = Scaler(**entry(payload, "scaler", args.model)).inverse(X)
    arrays = {"X": X, "y": drawn.y.astype(np.int64), "class_names": np.array(class_names)}
    if drawn.masks is not None:
        arrays["mask"] = drawn.masks
    if drawn.static is not None:
        arrays |= npz_arrays(drawn.static, extras.conditions.encoder.attributes)
    write(output, **arrays)
    with_masks = " with class-matched masks" if drawn.masks is not None else ""
    with_static = " and their attributes" if drawn.static is not None else ""
    print(f"wrote {n} sequences of shape {X.shape[1:]}{with_masks}{with_static} to {output}")


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
    sampler.add_argument(
        "--n", type=positive, help="number of sequences (default: 1000, or --conditions' rows)"
    )
    sampler.add_argument(
        "--label", type=non_negative, help="class id of all samples (default: balanced)"
    )
    sampler.add_argument("--seed", type=seed, default=0)
    sampler.add_argument(
        "--lengths",
        choices=LENGTHS,
        default="generate",
        help="data with masks: generate each sequence's length from the training lengths of "
        "its class and nearest attributes (default, as the workflow's generate.lengths), or "
        "copy the whole mask of one training sequence",
    )
    sampler.add_argument(
        "--conditions",
        help="a CSV of requested static attributes: a header of attribute names, one row per "
        "sequence; attributes it leaves out come from training records",
    )
    sampler.add_argument(
        "--static",
        action="append",
        metavar="NAME=VALUE",
        help="one attribute's value for every sequence (repeatable)",
    )
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
        "class_names, mask (1 = observed) when the model's data had masks, and static, "
        "static_names and static_kinds when the model sees static attributes",
    )
    return main_parser


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.command == "sample":
        sample(args)


if __name__ == "__main__":
    main(sys.argv[1:])
