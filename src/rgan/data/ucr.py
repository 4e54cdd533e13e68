"""UCR/UEA time-series classification archives through aeon: the data sets aeon ships load with
no network; others are downloaded by aeon into the data folder (or read from it, offline)."""

from __future__ import annotations

import logging
import os
from functools import cache
from pathlib import Path

import numpy as np

from rgan.data.sequences import RawData

logger = logging.getLogger(__name__)


@cache
def archive_names() -> dict[str, str]:
    """Lower-case name → aeon's spelling, for every UCR/UEA classification problem."""
    from aeon.datasets.tsc_datasets import multivariate, univariate

    return {name.lower(): name for name in sorted(set(univariate) | set(multivariate))}


@cache
def bundled_names() -> frozenset[str]:
    """Problems shipped inside aeon's wheel (readable without a network)."""
    import aeon.datasets

    folder = Path(aeon.datasets.__file__).parent / "data"
    return frozenset(entry.name for entry in folder.iterdir() if entry.is_dir())


def is_archive_name(name: str) -> bool:
    return name.lower() in archive_names()


def read_ucr(name: str, data_dir: Path) -> RawData:
    """Read an archive problem (training and test files together) as (T, F) series."""
    from aeon.datasets import load_classification

    official = archive_names()[name.lower()]
    if official in bundled_names():
        logger.info("%s: bundled with aeon, no download", official)
        X, labels = load_classification(official)
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
        logger.info("%s: reading from or downloading into %s", official, data_dir)
        X, labels = load_classification(official, extract_path=os.fspath(data_dir))
    series = [np.asarray(x, dtype=np.float32).T for x in X]  # aeon: (channels, time)
    class_names = sorted(set(labels.tolist()), key=_natural)
    index = {label: i for i, label in enumerate(class_names)}
    y = np.array([index[label] for label in labels.tolist()], dtype=np.int64)
    return RawData(X=series, y=y, class_names=[str(c) for c in class_names])


def _natural(label: str) -> tuple:
    """Sort '2' before '10' when labels are numbers."""
    try:
        return (0, float(label), "")
    except ValueError:
        return (1, 0.0, label)
