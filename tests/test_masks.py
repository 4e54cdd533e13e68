"""Masks in training and generation: padded or missing values are hidden from the
discriminator, and synthetic data get realistic masks and the real data's fill."""

from __future__ import annotations

import importlib.metadata
import json

import numpy as np
import pytest
import torch
from small_run import train_and_export

from rgan.cli import main as rgan_main
from rgan.config import RunParams, TrainBudget
from rgan.data.prepare import split_and_scale
from rgan.data.sequences import SequenceDataset
from rgan.gan import train_epoch
from rgan.generate import MASK_POOL_KEY, Extras, MaskPool, draw_synthetic, generate_balanced
from rgan.losses import step_bce
from rgan.masks import apply_mask, draw_by_class, missing_fill
from rgan.models import Discriminator, Generator, ModelSpec, load_generator
from rgan.train import train_rcgan


def padded_dataset(n: int = 120) -> SequenceDataset:
    """Class 0: 4 observed steps then 4 padded; class 1: all 8 observed (NaN where padded)."""
    rng = np.random.default_rng(0)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, 8, 2)).astype(np.float32) + y[:, None, None]
    mask = np.ones_like(X)
    mask[y == 0, 4:] = 0
    X[mask == 0] = np.nan
    return SequenceDataset(X, y, ["short", "long"], mask=mask)


def test_mask_helpers():
    X = np.array([[[1.0], [5.0]], [[3.0], [7.0]]], dtype=np.float32)
    mask = np.array([[[1.0], [0.0]], [[1.0], [0.0]]], dtype=np.float32)
    np.testing.assert_allclose(missing_fill(X, mask), [6.0])
    np.testing.assert_allclose(apply_mask(np.zeros_like(X), mask, np.array([9.0]))[:, 1, 0], 9.0)
    pool_labels = np.array([0, 1])
    drawn = draw_by_class(np.array([1, 1, 0]), mask * [[[1]], [[2]]], pool_labels, seed=0)
    assert drawn[:2].max() == 2 and drawn[2].max() == 1  # masks of the same class


def test_padded_steps_do_not_count_in_the_losses():
    logits = torch.tensor([[0.0, 50.0]])
    weight = torch.tensor([[1.0, 0.0]])
    assert step_bce(logits, torch.zeros_like(logits), weight) == step_bce(
        logits[:, :1], torch.zeros(1, 1), None
    )


def test_discriminator_never_sees_hidden_values():
    spec = ModelSpec(seq_len=8, n_features=2, n_classes=2, hidden=8, noise_dim=2)
    torch.manual_seed(0)
    G, D = Generator(spec), Discriminator(spec)
    seen = []
    D.register_forward_pre_hook(lambda module, args: seen.append(args[0].detach().clone()))
    X = torch.randn(4, 8, 2) + 100.0  # hidden values would stand out
    masks = torch.ones(4, 8, 2)
    masks[:, 4:] = 0
    opts = [torch.optim.Adam(net.parameters()) for net in (G, D)]
    train_epoch(G, D, *opts, X, torch.tensor([0, 1, 0, 1]), RunParams(batch_size=4), None, masks)
    assert seen and all((inputs[:, 4:] == 0).all() for inputs in seen)


def test_masked_data_train_and_generate_with_class_masks(tmp_path):
    data = split_and_scale(padded_dataset(), 0.2, 0.2, seed=0)
    result, outputs = train_and_export(data, tmp_path, epochs=2)
    assert result.status == "completed" and np.isfinite(result.best_val_mmd2)

    samples = generate_balanced(outputs.generator, data, samples_per_class=10, seed=0)
    short = samples.y == 0
    assert (samples.mask[short][:, 4:] == 0).all() and samples.mask[~short].all()
    fill = missing_fill(data.X["train"], data.mask["train"])
    np.testing.assert_allclose(samples.X[short][:, 4:], np.broadcast_to(fill, (10, 4, 2)))
    tripled = generate_balanced(outputs.generator, data, 10, seed=0, multiplier=3)
    assert len(tripled.y) == 3 * len(samples.y)
    for size in (len(samples.y), 2 * len(samples.y)):  # every whole multiple is balanced
        counts = np.bincount(tripled.y[:size])
        assert counts.min() == counts.max()


def test_masked_data_refuse_augmentation(tmp_path):
    data = split_and_scale(padded_dataset(), 0.2, 0.2, seed=0)
    params = RunParams(hidden=8, batch_size=16, augment="translation")
    budget = TrainBudget(epochs=1, eval_every=1, checkpoint_every=1, eval_samples=10)
    with pytest.raises(ValueError, match="augment translation would move .* use augment none"):
        train_rcgan(data, params, budget, tmp_path, torch.device("cpu"))
    assert not list(tmp_path.iterdir())  # refused before any checkpoint


def test_rgan_sample_draws_masks_like_the_workflow(tmp_path):
    data = split_and_scale(padded_dataset(), 0.2, 0.2, seed=0)
    _, outputs = train_and_export(data, tmp_path)
    card = json.loads(outputs.card.read_text())
    assert card["rgan_version"] == importlib.metadata.version("rgan") and "code_commit" in card

    generator, payload = load_generator(outputs.generator)
    saved = MaskPool.from_payload(payload[MASK_POOL_KEY])
    np.testing.assert_array_equal(saved.masks, data.mask["train"])
    np.testing.assert_array_equal(saved.labels, data.y["train"])
    np.testing.assert_array_equal(saved.fill, missing_fill(data.X["train"], data.mask["train"]))
    out = tmp_path / "out.npz"
    rgan_main(["sample", "--model", str(outputs.generator), "--n", "20", "-o", str(out)])
    with np.load(out) as samples:
        X, y, mask = samples["X"], samples["y"], samples["mask"]
    short = y == 0
    assert short.sum() == 10 and (mask[short][:, 4:] == 0).all() and mask[~short].all()
    np.testing.assert_array_equal(X[short][:, 4:], np.broadcast_to(saved.fill, (10, 4, 2)))
    drawn = draw_synthetic(generator, y, 0, Extras(MaskPool.of(data), None, None, None))
    expected, expected_mask = drawn.X, drawn.masks
    np.testing.assert_array_equal(X, expected)  # the evaluate rule's function, from the data
    np.testing.assert_array_equal(mask, expected_mask)
