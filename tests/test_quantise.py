"""Discrete data get discrete samples: the training split's few values are found, kept with the
generator, and `rgan sample` and the workflow's sampling round to them alike."""

from __future__ import annotations

import numpy as np
import pytest
from small_run import train_and_export

from rgan.cli import main as rgan_main
from rgan.data.prepare import split_and_scale
from rgan.data.sequences import SequenceDataset
from rgan.generate import LEVELS_KEY, Extras, draw_synthetic, generate_balanced, levels_of
from rgan.models import load_generator
from rgan.quantise import MAX_LEVELS, quantise, value_levels


def test_levels_are_the_observed_values_when_few():
    X = np.array([[[0.0], [0.5]], [[1.0], [9.0]]], dtype=np.float32)
    np.testing.assert_array_equal(value_levels(X), [0.0, 0.5, 1.0, 9.0])
    mask = np.array([[[1.0], [1.0]], [[1.0], [0.0]]], dtype=np.float32)
    np.testing.assert_array_equal(value_levels(X, mask), [0.0, 0.5, 1.0])  # 9 is hidden
    many = np.linspace(0, 1, MAX_LEVELS + 1, dtype=np.float32).reshape(1, -1, 1)
    assert value_levels(many) is None
    assert len(value_levels(many[:, :MAX_LEVELS])) == MAX_LEVELS


def test_quantise_takes_the_nearest_level():
    levels = np.array([-1.0, 0.0, 0.5], dtype=np.float32)
    X = np.array([-3.0, -0.6, -0.5, -0.4, 0.2, 0.26, 0.9], dtype=np.float32)
    rounded = quantise(X, levels)
    np.testing.assert_array_equal(rounded, [-1.0, -1.0, -1.0, 0.0, 0.0, 0.5, 0.5])
    assert rounded.dtype == np.float32
    np.testing.assert_array_equal(quantise(X, levels[:1]), np.full_like(X, -1.0))


def pixel_dataset(n: int = 60) -> SequenceDataset:
    """Images of 5 × 4 pixels with 5 grey levels, darker for class 0 than for class 1."""
    rng = np.random.default_rng(0)
    y = np.arange(n) % 2
    X = rng.integers(0, 3, size=(n, 5, 4)) + 2 * y[:, None, None]
    return SequenceDataset(X.astype(np.float32), y, ["dark", "light"])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(prepared data, exported generator file) of a one-epoch run on pixel data."""
    data = split_and_scale(pixel_dataset(), 0.2, 0.2, seed=0)
    _, outputs = train_and_export(data, tmp_path_factory.mktemp("quantise"), eval_samples=20)
    return data, outputs.generator


def test_samples_take_only_the_training_values_in_the_workflow_and_the_cli(trained, tmp_path):
    data, model = trained
    levels = levels_of(data)
    assert len(levels) == 5  # grey levels 0..4, scaled
    generator, payload = load_generator(model)
    np.testing.assert_array_equal(payload[LEVELS_KEY].numpy(), levels)

    workflow = generate_balanced(model, data, samples_per_class=10, seed=3)
    assert set(np.unique(workflow.X)) <= set(levels)
    raw = draw_synthetic(generator, workflow.y, 3, Extras(None, None, None, None)).X
    assert len(np.unique(raw)) > 100  # what the generator gives before rounding
    np.testing.assert_array_equal(workflow.X, quantise(raw, levels))
    unrounded = generate_balanced(model, data, 10, seed=3, round_to_levels=False)
    np.testing.assert_array_equal(unrounded.X, raw)

    out = tmp_path / "out.npz"
    command = ["sample", "--model", str(model), "--n", "20", "--seed", "3", "-o", str(out)]
    rgan_main(command)
    with np.load(out) as samples:
        X, y = samples["X"], samples["y"]
    np.testing.assert_array_equal(
        X, draw_synthetic(generator, y, 3, Extras(None, levels, None, None)).X
    )
    rgan_main([*command, "--no-round-to-levels"])
    with np.load(out) as samples:
        np.testing.assert_array_equal(
            samples["X"], draw_synthetic(generator, y, 3, Extras(None, None, None, None)).X
        )


def test_continuous_data_are_left_as_they_are(trained):
    data, _ = trained
    noisy = data.X["train"] + np.random.default_rng(0).normal(0, 0.01, data.X["train"].shape)
    continuous = split_and_scale(
        SequenceDataset(noisy.astype(np.float32), data.y["train"], data.class_names), 0.2, 0.2, 0
    )
    assert levels_of(continuous) is None
