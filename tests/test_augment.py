"""The discriminator's differentiable augmentation (DiffAugment): what each kind does to a
sequence, and that gradients flow through it (masked data refuse it: test_masks)."""

from __future__ import annotations

import pytest
import torch

from rgan.augment import AUGMENTS, augment

STEPS, FEATURES = 16, 8


def distinct_sequences(n: int = 64) -> torch.Tensor:
    """Sequences whose every value is different and positive, so moves and holes show."""
    return torch.arange(1, n * STEPS * FEATURES + 1, dtype=torch.float32).reshape(
        n, STEPS, FEATURES
    )


def test_none_leaves_the_sequences_alone():
    x = distinct_sequences()
    assert augment(x, "none") is x


def test_translation_moves_whole_steps_by_at_most_an_eighth_of_the_length():
    torch.manual_seed(0)
    x = distinct_sequences()
    moved = augment(x, "translation")
    shifts = set()
    for original, shifted in zip(x, moved, strict=True):
        # every step is a step of the original, in order, edges repeated
        rows = [int((original == row).all(dim=1).nonzero()) for row in shifted]
        assert rows == sorted(rows)
        shifts.add(rows[STEPS // 2] - STEPS // 2)
    assert shifts == {-2, -1, 0, 1, 2}  # 16 steps: up to 2 either way, each drawn


def test_translation_2d_also_moves_across_features():
    torch.manual_seed(0)
    moved = augment(distinct_sequences(), "translation_2d")
    first_columns = moved[:, STEPS // 2, FEATURES // 2] % FEATURES
    assert len(set(first_columns.tolist())) > 1  # column shifts differ between sequences


@pytest.mark.parametrize(
    ("kind", "hole"), [("translation_cutout", 4 * FEATURES), ("translation_cutout_2d", 8 * 4)]
)
def test_cutout_sets_a_window_to_zero(kind, hole):
    torch.manual_seed(0)
    holes = (augment(distinct_sequences(), kind) == 0).sum(dim=(1, 2))
    assert holes.max() == hole  # a whole window where it fits inside the sequence
    assert holes.min() > 0  # and at least part of it where it is cut off at an edge


@pytest.mark.parametrize("kind", AUGMENTS[1:])
def test_gradients_flow_through_every_augmentation(kind):
    x = distinct_sequences(8).requires_grad_(True)
    augment(x, kind).sum().backward()
    assert x.grad.abs().sum() > 0


def test_an_unknown_kind_is_named():
    with pytest.raises(ValueError, match="unknown augment 'flip'"):
        augment(torch.zeros(1, 2, 3), "flip")
