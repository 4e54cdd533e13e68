"""scikit-learn's embedded 8×8 digits: 1,797 real images, 10 classes, no network needed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

DIGITS_CLASSES = [str(digit) for digit in range(10)]


def read_digits(files: dict[str, Path]) -> tuple[np.ndarray, np.ndarray]:
    """Images (1,797, 8, 8) with intensities 0–16, and labels."""
    from sklearn.datasets import load_digits  # here: the Snakefile imports the catalogue

    digits = load_digits()
    return digits.images.astype(np.float32), digits.target.astype(np.int64)
