"""Marginal matching (run key match_marginals): generated values are mapped, per class and
position, onto the training split's distribution there; ranks are kept, also those of values
the generator's output bound would tie (the map reads them before it); the map travels in
generator.pt, so the workflow and `rgan sample` map alike, and evaluation also scores the
samples as they were before the map."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import ks_2samp, spearmanr
from small_run import train_and_export

from rgan.cli import main as rgan_main
from rgan.data.prepare import split_and_scale
from rgan.data.sequences import UNLABELLED, SequenceDataset
from rgan.evaluate import EvalSettings, raw_scores
from rgan.generate import (
    MARGINALS_KEY,
    Extras,
    draw_synthetic,
    generate_balanced,
    sample_sequences,
)
from rgan.marginals import QUANTILES, MarginalMap, map_values
from rgan.models import load_generator


def test_map_values_interpolates_and_spreads_ties_over_their_run():
    source = np.array([0.0, 0.0, 0.0, 1.0, 2.0], dtype=np.float32)
    target = np.array([10.0, 20.0, 30.0, 40.0, 50.0], dtype=np.float32)
    x = np.array([-5.0, 0.5, 1.0, 1.25, 9.0], dtype=np.float32)
    mapped = map_values(x, source, target, np.random.default_rng(0))
    # between 0 and 1: between 30 and 40; beyond the ends: the end targets
    np.testing.assert_allclose(mapped, [10.0, 35.0, 40.0, 42.5, 50.0])
    assert mapped.dtype == np.float32
    # a tie at 0 spans the quantiles 0-2, the probabilities 0 to 3/5: uniformly over the grid
    # from -0.5 to 2.5 (clipped at the first quantile), so from 10 to 35
    tied = map_values(np.zeros(30_000, np.float32), source, target, np.random.default_rng(1))
    assert tied.min() == 10 and tied.max() <= 35
    assert np.histogram(tied, bins=[10, 15, 25, 35.01])[0] / len(tied) == pytest.approx(
        [1 / 3, 1 / 3, 1 / 3], abs=0.01
    )


def two_class_draw(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Generated-like values: uniform on [-1, 1] with 20 % of them tied at -1 (clipped outputs)."""
    rng = np.random.default_rng(seed)
    X = np.clip(rng.uniform(-1.5, 1, size=(n, 3, 2)), -1, 1).astype(np.float32)
    return X, np.arange(n) % 2


def test_mapped_samples_follow_each_class_and_position_of_the_data_and_keep_their_ranks():
    rng = np.random.default_rng(1)
    real_y = np.arange(600) % 2
    real = rng.exponential(1.0, size=(600, 3, 2)) + 5 * real_y[:, None, None]  # class 1 shifted
    real[:, 0, 0] = rng.choice([0.0, 0.25, 1.0], size=600, p=[0.6, 0.3, 0.1])  # discrete
    generated, generated_y = two_class_draw(4000, seed=2)
    marginals = MarginalMap.fit(generated, generated_y, real, real_y)
    assert marginals.real.shape == marginals.generated.shape == (2, QUANTILES, 3, 2)

    fresh, fresh_y = two_class_draw(2000, seed=3)  # new samples, as a later draw gives
    mapped = marginals.apply(fresh, fresh_y, seed=0)
    for label in (0, 1):
        for step, feature in [(1, 0), (2, 1)]:
            ours = mapped[fresh_y == label, step, feature]
            theirs = real[real_y == label, step, feature]
            assert ks_2samp(ours, theirs).statistic < 0.06
            unique = fresh[fresh_y == label, step, feature] > -1  # ties aside
            order = spearmanr(ours[unique], fresh[fresh_y == label, step, feature][unique])
            assert order.statistic == pytest.approx(1.0)  # monotone: the generator's ranks kept
    discrete = mapped[:, 0, 0]
    assert np.mean(discrete < 0.1) == pytest.approx(0.6, abs=0.05)  # the data's background
    before = ks_2samp(fresh[fresh_y == 1, 1, 0], real[real_y == 1, 1, 0]).statistic
    assert before > 0.9  # far apart before the map


def test_unobserved_real_values_are_ignored_and_unlabelled_data_form_one_group():
    rng = np.random.default_rng(0)
    real = rng.normal(0, 1, size=(400, 2, 1)).astype(np.float32)
    mask = np.ones_like(real)
    mask[:200, 0, 0] = 0
    real[:200, 0, 0] = 99.0  # the fill of hidden values: not part of the data's distribution
    mask[:, 1, 0] = 0  # never observed: the generator's values stay
    generated = rng.uniform(-1, 1, size=(1000, 2, 1)).astype(np.float32)
    unlabelled = np.full(400, UNLABELLED)
    marginals = MarginalMap.fit(generated, np.full(1000, UNLABELLED), real, unlabelled, mask)
    assert len(marginals.generated) == 1
    mapped = marginals.apply(generated, np.full(1000, UNLABELLED), seed=0)
    assert mapped[:, 0, 0].max() < 5
    np.testing.assert_allclose(mapped[:, 1, 0], generated[:, 1, 0], atol=0.03)

    restored = MarginalMap.from_payload(marginals.to_payload())
    np.testing.assert_array_equal(restored.apply(generated, np.zeros(1000, int), 0), mapped)


def test_a_map_before_the_bound_keeps_the_order_of_clipped_values_and_emits_bounded_ones():
    rng = np.random.default_rng(4)
    real_y = np.arange(600) % 2
    real = rng.uniform(-1, 1, size=(600, 3, 2)).astype(np.float32)  # background rarer than ours
    mask = np.ones_like(real)
    mask[:, 2, 1] = 0  # never observed: the generator's emitted (bounded) values stay
    head = rng.normal(-1.0, 1.0, size=(4000, 3, 2)).astype(np.float32)  # half below -1
    emitted = np.clip(head, -1, 1)
    labels = np.arange(4000) % 2
    marginals = MarginalMap.fit(head, labels, real, real_y, mask, emitted)
    assert marginals.before_bound
    restored = MarginalMap.from_payload(marginals.to_payload())
    assert restored.before_bound

    fresh = rng.normal(-1.0, 1.0, size=(2000, 3, 2)).astype(np.float32)
    fresh_y = np.arange(2000) % 2
    mapped = restored.apply(fresh, fresh_y, seed=0)
    clipped = (fresh[:, 1, 0] < -1) & (fresh_y == 0)  # one value (-1) to a bounded map
    in_order = mapped[clipped, 1, 0][np.argsort(fresh[clipped, 1, 0])]
    assert np.all(np.diff(in_order) >= 0)  # monotone (the lowest 0.5 % share the end target)
    assert spearmanr(in_order, np.arange(len(in_order))).statistic > 0.99
    assert ks_2samp(mapped[:, 1, 0], real[:, 1, 0]).statistic < 0.06
    assert mapped[:, 2, 1].min() >= -1 and mapped[:, 2, 1].max() <= 1
    assert np.mean(mapped[:, 2, 1] == -1) > 0.3  # as emitted: about half at the bound

    bounded = MarginalMap.fit(emitted, labels, real, real_y, mask)
    tied = bounded.apply(np.clip(fresh, -1, 1), fresh_y, seed=0)[clipped, 1, 0]
    assert abs(spearmanr(tied, fresh[clipped, 1, 0]).statistic) < 0.1  # spread at random
    old_payload = {
        key: value for key, value in bounded.to_payload().items() if key != "before_bound"
    }
    assert not MarginalMap.from_payload(old_payload).before_bound  # maps saved before the key


def test_labels_outside_the_map_are_refused():
    generated, labels = two_class_draw(100, seed=0)
    marginals = MarginalMap.fit(generated, labels, generated, labels)
    with pytest.raises(ValueError, match=r"labels \[0, 2\] outside the map's 2 classes"):
        marginals.apply(generated[:2], np.array([0, 2]), seed=0)


def shaded_dataset(n: int = 80) -> SequenceDataset:
    """5 x 4 images whose pixels are continuous, brighter for class 1."""
    rng = np.random.default_rng(0)
    y = np.arange(n) % 2
    X = rng.gamma(2.0, 1.0, size=(n, 5, 4)) + 3 * y[:, None, None]
    return SequenceDataset(X.astype(np.float32), y, ["dim", "bright"])


@pytest.fixture(scope="module")
def matched(tmp_path_factory):
    """(prepared data, generator file) of a one-epoch run that matches marginals."""
    data = split_and_scale(shaded_dataset(), 0.2, 0.2, seed=0)
    folder = tmp_path_factory.mktemp("marginals")
    _, outputs = train_and_export(data, folder, eval_samples=20, match_marginals=True)
    return data, outputs.generator


def test_the_workflow_and_the_cli_map_with_the_saved_map(matched, tmp_path):
    data, model = matched
    generator, payload = load_generator(model)
    marginals = MarginalMap.from_payload(payload[MARGINALS_KEY])
    assert marginals.before_bound
    workflow = generate_balanced(model, data, samples_per_class=200, seed=3)
    raw = generate_balanced(model, data, 200, seed=3, match_marginals=False)
    head = sample_sequences(generator, raw.y, seed=3, bound=False)  # what the map reads
    np.testing.assert_array_equal(workflow.X, marginals.apply(head, raw.y, seed=3))
    np.testing.assert_array_equal(raw.X, generator.bound(torch.from_numpy(head)).numpy())
    # one epoch of training is far from the data; the map brings each class's pixels onto it
    train = data.X["train"]
    for label in (0, 1):
        real = train[data.y["train"] == label, 2, 1]
        mapped = workflow.X[workflow.y == label, 2, 1]
        unmapped = raw.X[raw.y == label, 2, 1]
        assert ks_2samp(mapped, real).statistic < ks_2samp(unmapped, real).statistic
        assert ks_2samp(mapped, real).statistic < 0.25

    out = tmp_path / "out.npz"
    command = ["sample", "--model", str(model), "--n", "20", "--seed", "3", "-o", str(out)]
    rgan_main(command)
    with np.load(out) as samples:
        X, y = samples["X"], samples["y"]
    np.testing.assert_array_equal(
        X, draw_synthetic(generator, y, 3, Extras(None, None, marginals, None)).X
    )
    rgan_main([*command, "--no-match-marginals"])
    with np.load(out) as samples:
        np.testing.assert_array_equal(
            samples["X"], draw_synthetic(generator, y, 3, Extras(None, None, None, None)).X
        )


def test_evaluation_scores_the_samples_before_the_map_too(matched):
    data, model = matched
    raw = generate_balanced(model, data, samples_per_class=20, seed=0, match_marginals=False)
    settings = EvalSettings(classifiers=("logistic_regression",), max_points=40)
    scores = raw_scores(data, raw, settings)
    assert set(scores) == {
        "raw_detection_strongest",
        "raw_detection_strongest_by",
        "raw_tstr_logistic_regression_accuracy",
    }
    assert 0 <= scores["raw_detection_strongest"] <= 0.5
    assert 0 <= scores["raw_tstr_logistic_regression_accuracy"] <= 1
