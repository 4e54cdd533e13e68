"""scikit-learn's embedded 8×8 digits (1,797 real images, no network): image rows as time steps."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits

from rgan.data.sequences import SequenceDataset


def load_digits_sequences(options: dict) -> SequenceDataset:
    """Each 8×8 image becomes a sequence of 8 steps with 8 features (pixel intensities 0–16)."""
    digits = load_digits()
    return SequenceDataset(
        X=digits.images.astype(np.float32),
        y=digits.target.astype(np.int64),
        class_names=[str(name) for name in digits.target_names],
        kind="image",
    )
