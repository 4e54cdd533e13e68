"""The benchmark protocol's scores (rgan.metrics.protocol) against the published "real data" row
and on sets whose answer is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from joblib import Parallel, delayed

from rgan.data.sines import sine_data
from rgan.metrics.protocol import (
    StackedGRU,
    correlational_score,
    cross_correlation_loss,
    protocol_discriminative,
    protocol_discriminative_runs,
    protocol_predictive,
    protocol_predictive_runs,
    repeated,
    summary,
    timegan_windows,
)
from rgan.metrics.protocol_suite import protocol_runs, protocol_units

STOCKS = Path(__file__).resolve().parents[2] / "shared" / "data" / "stocks" / "stock_data.csv"


def test_sine_data_is_timegans():
    x = sine_data(50, seq_len=24, dim=5, seed=3)
    assert x.shape == (50, 24, 5) and x.dtype == np.float32
    draws = np.random.default_rng(3).uniform(0, 0.1, size=(50, 5, 2))
    freq, phase = draws[7, 2]
    expected = (np.sin(freq * np.arange(24) + phase) + 1) * 0.5
    np.testing.assert_allclose(x[7, :, 2], expected, rtol=1e-6)
    assert x.min() >= 0.5 and x.max() <= 1.0  # sin of [0, 2.4]: the reference's range
    np.testing.assert_array_equal(sine_data(50, seed=3), x)


def test_cell_is_tf1_grucell():
    """The stacked cell against TF1's GRUCell formulas written out with the concatenations."""
    net = StackedGRU(3, 2, seeds=(5, 6))
    x = torch.rand(2, 4, 7, 3)
    with torch.no_grad():
        states = net.states(x)
        for k in range(2):
            wg, bg = net.gate_kernel[k], net.gate_bias[k, 0]
            wc, bc = net.candidate_kernel[k], net.candidate_bias[k, 0]
            h = torch.zeros(4, 2)
            for t in range(7):
                gates = torch.sigmoid(torch.cat([x[k, :, t], h], 1) @ wg + bg)
                r, u = gates[:, :2], gates[:, 2:]
                c = torch.tanh(torch.cat([x[k, :, t], r * h], 1) @ wc + bc)
                h = u * h + (1 - u) * c
                torch.testing.assert_close(states[k, :, t], h)
    assert torch.all(net.gate_bias == 1) and torch.all(net.candidate_bias == 0)


def test_stacked_seeds_equal_single_runs_and_leave_the_callers_rng_alone():
    x = sine_data(600, seed=1)
    y = x + np.float32(0.05) * np.random.default_rng(0).standard_normal(x.shape, np.float32)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    np_before = np.random.get_state()[1].copy()
    runs = protocol_predictive_runs(x, y, seeds=(2, 7), iterations=30)
    single = protocol_predictive(x, y, seed=7, iterations=30)
    assert single == pytest.approx(runs[1], abs=1e-6)
    disc = protocol_discriminative_runs(x, y, seeds=(2, 7), iterations=30)
    assert protocol_discriminative(x, y, seed=2, iterations=30) == pytest.approx(disc[0])
    assert torch.equal(torch.get_rng_state(), before)
    np.testing.assert_array_equal(np.random.get_state()[1], np_before)
    assert protocol_predictive(x, y, seed=7, iterations=30) == single


def test_summary_is_display_scores():
    values = [0.1, 0.12, 0.11, 0.13, 0.09]
    mean, half = summary(values)
    # scipy.stats.sem(values) * scipy.stats.t.ppf(0.975, 4)
    assert mean == pytest.approx(0.11)
    assert half == pytest.approx(np.std(values, ddof=1) / np.sqrt(5) * 2.7764451051977987)
    assert repeated(lambda seed: values[seed]) == (mean, half)


def real_data_predictive(real: np.ndarray) -> list[float]:
    """The predictive score of `real` against itself for seeds 0-4, shared by two processes."""
    halves = Parallel(n_jobs=2, backend="loky")(
        delayed(protocol_predictive_runs)(real, real, seeds=seeds, threads=1)
        for seeds in ([0, 1, 2], [3, 4])
    )
    return [value for half in halves for value in half]


def test_predictive_conformance_sines():
    """The papers' "real data" row: TimeGAN's predictive score trained on the real set and tested
    on it (predictive_score_metrics(ori_data, ori_data)), mean of 5 repeats: 0.094."""
    real = sine_data(10_000, seed=0)
    mean, half = summary(real_data_predictive(real))
    print(f"sines predictive, real data: {mean:.4f} ± {half:.4f}")
    assert mean == pytest.approx(0.094, abs=0.003)


def test_predictive_conformance_stocks():
    """As above for stocks, published 0.036; needs TimeGAN's data/stock_data.csv."""
    if not STOCKS.exists():
        pytest.skip(
            f"{STOCKS} is absent: the stocks conformance check (predictive score 0.036 on real "
            "data) needs TimeGAN's data/stock_data.csv there"
        )
    real = timegan_windows(np.loadtxt(STOCKS, delimiter=",", skiprows=1))
    assert real.shape == (3661, 24, 6)
    mean, half = summary(real_data_predictive(real))
    print(f"stocks predictive, real data: {mean:.4f} ± {half:.4f}")
    assert mean == pytest.approx(0.036, abs=0.003)


def test_discriminative_identical_and_separable_sets():
    real = sine_data(10_000, seed=0)
    assert protocol_discriminative(real, real, seed=0, threads=1) < 0.05
    assert protocol_discriminative(real, real + np.float32(1.0), seed=0, threads=1) > 0.45


def test_correlational_score():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((2000, 24, 3)).astype(np.float32)
    assert cross_correlation_loss(base, base) == 0.0
    mixed = base.copy()
    scores = []
    for weight in (0.2, 0.5, 0.9):
        mixed[..., 1] = weight * base[..., 0] + np.sqrt(1 - weight**2) * base[..., 1]
        scores.append(cross_correlation_loss(base, mixed))
    assert 0 < scores[0] < scores[1] < scores[2]
    # corr(0, 1) changes by 0.9: one pair of the lower triangle, /10
    assert scores[2] == pytest.approx(0.09, abs=0.01)
    same = correlational_score(base, base, seed=0)
    assert same < 0.02 < correlational_score(base, mixed, seed=0)


def test_suite_shares_work_between_processes_without_changing_a_score():
    real = sine_data(64, seed=0)
    synthetic = sine_data(64, seed=1)
    scores = ["correlational", "context_fid"]  # two units, run by two processes
    parallel = protocol_runs(real, synthetic, seeds=[3], workers=2, scores=scores)
    serial = protocol_runs(real, synthetic, seeds=[3], workers=1, scores=scores)
    assert list(parallel) == scores and parallel == serial
    assert parallel["correlational"] == [correlational_score(real, synthetic, 3)]
    # Units, longest first: the stacked models of all seeds, one context-FID encoder per seed.
    assert protocol_units(["correlational", "context_fid", "predictive"], [0, 1]) == [
        ("predictive", [0, 1]),
        ("context_fid", [0]),
        ("context_fid", [1]),
        ("correlational", [0, 1]),
    ]


def test_suite_names_an_unknown_score():
    with pytest.raises(ValueError, match="'fid'"):
        protocol_runs(sine_data(8), sine_data(8), seeds=[0], scores=["fid"])
