"""Generated lengths: synthetic masks whose lengths follow the class (and the attributes) of
each sequence, today's copied masks as an option, and the two-sample report of lengths."""

from __future__ import annotations

import numpy as np
import pytest

from rgan.lengths import generated_masks, length_statistics, sequence_lengths


def prefix_masks(lengths: list[int], steps: int = 8, features: int = 2) -> np.ndarray:
    masks = np.zeros((len(lengths), steps, features), dtype=np.float32)
    for row, length in enumerate(lengths):
        masks[row, :length] = 1
    return masks


def test_a_length_runs_to_the_last_observed_step():
    masks = prefix_masks([3, 8, 0])
    masks[0, 1, 0] = 0  # a gap inside the sequence does not shorten it
    masks[1, 7, 1] = 0  # one feature observed at the last step is enough
    assert sequence_lengths(masks).tolist() == [3, 8, 0]


def test_generated_lengths_follow_each_class_and_keep_the_missingness_pattern():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 50)
    lengths = np.where(labels == 0, rng.integers(2, 5, 100), rng.integers(6, 9, 100))
    masks = prefix_masks(lengths.tolist())
    masks[:, 0, 1] = 0  # the second feature is never observed at the first step
    wanted = np.repeat([0, 1], 200)
    drawn = generated_masks(wanted, masks, labels, seed=0)
    drawn_lengths = sequence_lengths(drawn)
    assert set(drawn_lengths[wanted == 0]) == set(lengths[labels == 0])
    assert set(drawn_lengths[wanted == 1]) == set(lengths[labels == 1])
    assert (drawn[:, 0, 1] == 0).all()
    scores, per_class = length_statistics(masks, labels, drawn, wanted)
    assert scores["length_ks"] < 0.15 and max(per_class.values()) < 0.2
    swapped, _ = length_statistics(masks, labels, drawn, 1 - wanted)
    assert swapped["length_ks"] < 0.15  # over all classes the lengths still match
    _, crossed = length_statistics(masks, labels, drawn, 1 - wanted)
    assert min(crossed.values()) == pytest.approx(1.0)  # class by class they do not


def test_with_attributes_the_lengths_of_the_nearest_sequences_are_drawn():
    rng = np.random.default_rng(1)
    age = rng.uniform(-1, 1, 300)
    lengths = np.where(age > 0, 8, 3)  # the old stay long
    masks = prefix_masks(lengths.tolist())
    labels = np.zeros(300, dtype=np.int64)
    requested = np.array([[0.9]] * 50 + [[-0.9]] * 50)
    drawn = generated_masks(
        np.zeros(100, dtype=np.int64), masks, labels, 0, requested, age[:, None]
    )
    assert (sequence_lengths(drawn[:50]) == 8).all() and (sequence_lengths(drawn[50:]) == 3).all()
    blind = generated_masks(np.zeros(100, dtype=np.int64), masks, labels, 0)
    assert set(sequence_lengths(blind[:50])) == {3, 8}  # without them: the class's lengths
