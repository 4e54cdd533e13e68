"""Quality floor: the default RCGAN on digits, fixed seed, one thread, a 60-epoch budget. It
catches a change that stops the generator learning the classes (chance is a TSTR/TRTR of about
0.1), not small regressions: those are measured by full runs (`make run`, `make benchmark`).
Measured on the 2-core development CPU with these settings: best validation TSTR/TRTR 0.561 (at
epoch 60), in about 30 s; across seeds and machines early figures vary widely, hence the margin."""

from __future__ import annotations

import math

import torch

from rgan.config import RunParams, TrainBudget
from rgan.train import train_rcgan

EPOCHS = 60
EVERY = 10  # epochs between validations
FLOOR = 0.3  # best validation TSTR/TRTR (logistic regression) within EPOCHS epochs


def test_default_rcgan_learns_digits_within_a_short_budget(digits, tmp_path):
    budget = TrainBudget(epochs=EPOCHS, eval_every=EVERY, checkpoint_every=EPOCHS, snapshot_every=0)
    result = train_rcgan(digits, RunParams(), budget, tmp_path, torch.device("cpu"))
    ratios = [row["val_tstr"] / row["val_trtr"] for row in result.history[EVERY - 1 :: EVERY]]
    assert result.status == "completed" and not any(math.isnan(ratio) for ratio in ratios)
    assert max(ratios) >= FLOOR, f"best validation TSTR/TRTR {max(ratios):.3f} < {FLOOR}"
