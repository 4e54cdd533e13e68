"""Every dataset the workflow knows: where its files come from, how they are read, and how the
result is shaped into fixed-length labelled sequences."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from rgan.data import images as image_ops
from rgan.data import ucr
from rgan.data.checks import check_dataset, check_raw
from rgan.data.digits import DIGITS_CLASSES, read_digits
from rgan.data.lfw import read_lfwcrop
from rgan.data.mimic3 import read_mimic3_ihm, read_mimic3_statics
from rgan.data.mnist import FASHION, FASHION_CLASSES, MNIST, MNIST_CLASSES, read_idx_images
from rgan.data.npz import read_npz
from rgan.data.protocol import (
    ENERGY,
    PROTOCOL_DEFAULTS,
    STOCKS,
    energy_reader,
    sines_reader,
    stocks_reader,
)
from rgan.data.sequences import RawData, SequenceDataset
from rgan.data.sources import RemoteFile, RetryPolicy, Source, fetch
from rgan.data.timeseries import fixed_length

logger = logging.getLogger(__name__)

Files = dict[str, Path]


@dataclass(frozen=True)
class DatasetSpec:
    """kind: "image" (N, H, W) or "timeseries"; read(files, options) gives the raw data."""

    kind: str
    read: Callable[[Files, dict], RawData]
    source: Source | None = None  # downloaded files; None when embedded or brought by the user
    defaults: dict = field(default_factory=dict)
    folder: str | None = None  # sub-folder of data_dir (shared by lfw and lfw64)
    user_path: bool = False  # options["path"] points at the user's own files
    identities: bool = False  # labels name people (evaluated for identification)
    labelled: bool = True  # False: every sample UNLABELLED, trained by unconditional models only


def images_reader(read: Callable, class_names: list[str]) -> Callable[[Files, dict], RawData]:
    def reader(files: Files, options: dict) -> RawData:
        images, labels = read(files)
        return RawData(X=images, y=labels, class_names=class_names)

    return reader


def ucr_reader(name: str) -> Callable[[Files, dict], RawData]:
    return lambda files, options: ucr.read_ucr(name, files["archive"])


def npz_reader(files: Files, options: dict) -> RawData:
    return read_npz(files["path"])


def lfw_reader(files: Files, options: dict) -> RawData:
    images, labels, people = read_lfwcrop(
        files[LFWCROP.files[0].name], options["min_faces_per_person"]
    )
    return RawData(X=images, y=labels, class_names=people)


def mimic3_reader(files: Files, options: dict) -> RawData:
    X, mask, y, features = read_mimic3_ihm(files["path"], options["hours"])
    static, attributes = None, []
    if options.get("root"):
        static, attributes = read_mimic3_statics(files["path"], options["root"])
    return RawData(
        X=X,
        y=y,
        class_names=["survived", "died"],
        mask=mask,
        feature_names=features,
        static=static,
        attributes=attributes,
    )


# LFWcrop publishes no checksum: the first download's SHA-256 goes into a lock file.
LFWCROP = Source(
    mirrors=("http://conradsanderson.id.au/lfwcrop/",),
    files=(RemoteFile("lfwcrop_grey.zip", None),),
)
LFW_DEFAULTS = {"min_faces_per_person": 20}


def lfw_spec(size: int) -> DatasetSpec:
    """LFWcrop faces resized to size × size; the labels are people (lfw and lfw64 share files)."""
    defaults = {**LFW_DEFAULTS, "size": [size, size]}
    return DatasetSpec("image", lfw_reader, LFWCROP, defaults, folder="lfw", identities=True)


def protocol_spec(read: Callable, source: Source | None, normalise: str) -> DatasetSpec:
    """A data set of the TimeGAN / Diffusion-TS benchmark (rgan.data.protocol): time series
    without labels, protocol mode on, normalised as the reference does."""
    defaults = {**PROTOCOL_DEFAULTS, "normalise": normalise}
    return DatasetSpec("timeseries", read, source, defaults=defaults, labelled=False)


CATALOG: dict[str, DatasetSpec] = {
    "digits": DatasetSpec("image", images_reader(read_digits, DIGITS_CLASSES)),
    "mnist": DatasetSpec("image", images_reader(read_idx_images, MNIST_CLASSES), MNIST),
    "fashion": DatasetSpec("image", images_reader(read_idx_images, FASHION_CLASSES), FASHION),
    "lfw": lfw_spec(28),
    "lfw64": lfw_spec(64),
    "mimic3_ihm": DatasetSpec("timeseries", mimic3_reader, defaults={"hours": 48}, user_path=True),
    "npz": DatasetSpec("timeseries", npz_reader, user_path=True),
    # The TimeGAN / Diffusion-TS benchmark (rgan.data.protocol): no labels, protocol mode on.
    "sines": protocol_spec(sines_reader, None, "none"),
    "stocks": protocol_spec(stocks_reader, STOCKS, "column_minmax01"),
    "energy": protocol_spec(energy_reader, ENERGY, "column_minmax01"),
}


def known_names() -> list[str]:
    return sorted(CATALOG)


def dataset_spec(name: str) -> DatasetSpec:
    """The catalogue entry, or one for a UCR/UEA archive problem of that name."""
    if name in CATALOG:
        return CATALOG[name]
    if ucr.is_archive_name(name):
        return DatasetSpec("timeseries", ucr_reader(name), folder="ucr")
    raise ValueError(
        f"unknown dataset {name!r}: expected one of {known_names()} or a UCR/UEA archive name "
        "(e.g. ecg5000, basicmotions)"
    )


def resolved_options(name: str, options: dict) -> dict:
    """The dataset's defaults overlaid with the config's options."""
    defaults = dataset_spec(name).defaults
    if "protocol" in options and "protocol" not in defaults:
        raise ValueError(
            f"data.{name}.protocol: only the benchmark protocol's data sets "
            f"({', '.join(n for n, s in CATALOG.items() if 'protocol' in s.defaults)}) have it"
        )
    return {**defaults, **options}


def normalisation_of(name: str, options: dict) -> str:
    """The dataset's normalisation: the config's, else the dataset's default, else minmax."""
    return resolved_options(name, options).get("normalise", "minmax")


def check_labels_needed(name: str, runs: list) -> None:
    """Refuse conditional runs (they feed labels to the networks) on a data set without labels,
    naming the runs."""
    if dataset_spec(name).labelled:
        return
    conditional = [run.path for run in runs if run.conditional]
    if conditional:
        raise ValueError(
            f"{name} has no class labels, so its runs need an unconditional model (model: rgan), "
            f"e.g. experiments: {{{name}: {{run: {{model: rgan}}}}}}; conditional runs: "
            + ", ".join(conditional)
        )


def dataset_source(name: str, options: dict) -> Source | None:
    """The dataset's source, with `mirrors` and `checksums` from the options taking precedence
    (for a site-local mirror, or the fixtures of the tests). A file given its own checksum is
    another file: its official size no longer applies."""
    source = dataset_spec(name).source
    if source is None:
        return None
    checksums = options.get("checksums") or {}
    files = tuple(
        replace(f, checksum=checksums[f.name], size=None) if f.name in checksums else f
        for f in source.files
    )
    return replace(source, mirrors=tuple(options.get("mirrors") or source.mirrors), files=files)


def fetch_dataset(name: str, options: dict, data_dir: Path, policy: RetryPolicy) -> dict:
    """Download (or find in `data_dir`) and verify every file of a dataset; return a manifest
    of local paths, with checksums where the files have them."""
    spec = dataset_spec(name)
    folder = data_dir / (spec.folder or name)
    entries: dict[str, dict] = {}
    source = dataset_source(name, options)
    if source is not None:
        checksums = {file.name: file.checksum for file in source.files}
        for file, path in fetch(source, folder, policy).items():
            entries[file] = {"path": str(path), "checksum": checksums[file]}
    elif spec.user_path:
        if not options.get("path"):
            raise ValueError(f"dataset {name} needs data.{name}.path in the config")
        path = Path(options["path"])
        if not path.exists():
            raise FileNotFoundError(f"data.{name}.path: {path} does not exist")
        entries["path"] = {"path": str(path)}
    elif spec.folder == "ucr":
        entries["archive"] = {"path": str(folder)}
    return {"dataset": name, "files": entries}


def files_at_hand(name: str, options: dict, data_dir: Path) -> bool:
    """Whether the dataset can be read without a download: it has no remote source (embedded,
    generated or the user's own), or every file of its source is in data_dir already."""
    source = dataset_source(name, options)
    folder = data_dir / (dataset_spec(name).folder or name)
    return source is None or all((folder / file.name).is_file() for file in source.files)


def choose(
    labels: np.ndarray, classes: list[int] | None, max_samples: int | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices kept and their labels: only `classes` (renumbered 0..k-1 in the given order),
    then at most `max_samples`, drawn stratified by label with a fixed seed."""
    from sklearn.model_selection import train_test_split  # here: the Snakefile imports this module

    indices = np.arange(len(labels))
    if classes:
        missing = sorted(set(classes) - set(np.unique(labels).tolist()))
        if missing:
            raise ValueError(f"classes {missing} do not occur in the data")
        indices = indices[np.isin(labels, classes)]
        mapping = {label: position for position, label in enumerate(classes)}
        labels = np.array([mapping[label] for label in labels[indices]], dtype=np.int64)
    if max_samples and max_samples < len(labels):
        kept, _ = train_test_split(
            np.arange(len(labels)), train_size=max_samples, stratify=labels, random_state=seed
        )
        kept = np.sort(kept)
        indices, labels = indices[kept], labels[kept]
    return indices, labels


def data_source(name: str, files: Files) -> str:
    """What errors about a dataset's values name: the user's file or folder, or the dataset."""
    return str(files["path"]) if "path" in files else f"dataset {name!r}"


def load_dataset(name: str, options: dict, files: Files) -> SequenceDataset:
    """Read a dataset from its verified files and shape it into labelled sequences; data that
    cannot be trained on (see rgan.data.checks) are refused naming the user's file."""
    spec = dataset_spec(name)
    options = resolved_options(name, options)
    raw = spec.read(files, options)
    source = data_source(name, files)
    check_raw(raw.X, source)  # before resampling could blur an Inf into NaN
    classes = options.get("classes")
    if "window" in raw.meta and (classes or options.get("max_samples")):
        raise ValueError(
            f"{name}: classes and max_samples do not apply to the windows of one series"
        )
    indices, labels = choose(
        raw.y, classes, options.get("max_samples"), options.get("subsample_seed", 0)
    )
    names = [raw.class_names[c] for c in classes] if classes else raw.class_names
    if spec.kind == "image":
        dataset = shape_images(name, raw.X[indices], labels, names, options)
    else:
        series = [raw.X[i] for i in indices]
        mask = None if raw.mask is None else raw.mask[indices]
        dataset = shape_series(name, series, mask, labels, names, options, raw.feature_names)
    dataset.meta.update(raw.meta)
    if raw.static is not None:
        dataset = replace(dataset, static=raw.static[indices], attributes=raw.attributes)
    if spec.identities:
        dataset.meta["labels"] = "identity"
    check_dataset(dataset, source)
    return dataset


def shape_images(
    name: str, images: np.ndarray, labels: np.ndarray, class_names: list[str], options: dict
) -> SequenceDataset:
    height, width = options.get("size") or images.shape[1:]
    layout = options.get("layout", "rows")
    logger.info(
        "%s: %d images %s → %d×%d, layout %s",
        name,
        len(labels),
        images.shape[1:],
        height,
        width,
        layout,
    )
    return SequenceDataset(
        X=image_ops.to_sequences(image_ops.resize(images, height, width), layout),
        y=labels,
        class_names=class_names,
        kind="image",
        meta={"height": int(height), "width": int(width), "layout": layout},
    )


def shape_series(
    name: str,
    series: list[np.ndarray],
    mask: np.ndarray | None,
    labels: np.ndarray,
    class_names: list[str],
    options: dict,
    feature_names: list[str] | None,
) -> SequenceDataset:
    method, steps = options.get("length", "auto"), options.get("steps")
    if mask is not None and method in ("resample", "pad"):
        raise ValueError(f"{name} comes with its own mask: its `length` must stay native")
    X, padding = fixed_length(series, method, steps)
    if mask is None:
        mask = padding
    if mask is None and np.isnan(X).any():
        mask = (~np.isnan(X)).astype(np.float32)
    logger.info(
        "%s: %d series → %d steps × %d features (%s)%s",
        name,
        len(labels),
        X.shape[1],
        X.shape[2],
        method,
        "" if mask is None else f", {100 * (1 - mask.mean()):.1f}% missing or padded",
    )
    meta = {"feature_names": feature_names} if feature_names else {}
    return SequenceDataset(X=X, y=labels, class_names=class_names, meta=meta, mask=mask)
