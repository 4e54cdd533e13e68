import numpy as np
import pytest

from rgan.metrics.detection import DETECTORS, detection_scores, strongest_detection
from rgan.metrics.fidelity import (
    median_bandwidth,
    mmd2_unbiased,
    permutation_mmd_test,
    select_bandwidth,
)
from rgan.metrics.identification import identification
from rgan.metrics.posthoc import discriminative_score, predictive_mae
from rgan.metrics.privacy import membership_inference, three_sample_test
from rgan.metrics.utility import channels_first, tstr_scores, utility_scores


def test_mmd2_is_near_zero_for_one_distribution_and_positive_for_a_shift():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(400, 4, 3)), rng.normal(size=(400, 4, 3))
    shifted = rng.normal(loc=0.5, size=(400, 4, 3))
    bandwidth = median_bandwidth(a, b)
    same = mmd2_unbiased(a, b, bandwidth)
    different = mmd2_unbiased(a, shifted, bandwidth)
    assert abs(same) < 0.005
    assert different > 0.02
    assert different > 10 * abs(same)


def test_mmd2_of_a_sample_with_itself_split_in_two_is_unbiased():
    rng = np.random.default_rng(1)
    values = [mmd2_unbiased(rng.normal(size=(50, 3)), rng.normal(size=(50, 3))) for _ in range(40)]
    assert abs(np.mean(values)) < 0.005
    assert min(values) < 0  # the unbiased estimate can go negative; a biased one cannot


def test_permutation_test_agrees_with_mmd2_and_rejects_only_a_real_difference():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(150, 4, 3)), rng.normal(size=(120, 4, 3))
    shifted = rng.normal(loc=0.3, size=(120, 4, 3))
    bandwidth = median_bandwidth(a, b)
    observed, p_same = permutation_mmd_test(a, b, bandwidth, permutations=200)
    assert observed == pytest.approx(mmd2_unbiased(a, b, bandwidth))
    assert p_same > 0.05
    _, p_shifted = permutation_mmd_test(a, shifted, bandwidth, permutations=200)
    assert p_shifted == pytest.approx(1 / 201)  # no permutation reaches the observed MMD²


def test_bandwidth_selection_prefers_the_scale_that_sees_a_fine_difference():
    """Two samples that differ only in a small region of a wide distribution: a bandwidth
    narrower than the median heuristic has more power there."""
    rng = np.random.default_rng(3)
    wide = rng.normal(scale=5.0, size=(300, 2))
    bumped = wide.copy()
    bumped[:60] = rng.normal(scale=0.2, size=(60, 2))
    bandwidth, median = select_bandwidth(wide, bumped)
    assert bandwidth < median


def test_membership_inference_and_memorisation_catch_copies_but_not_fresh_samples():
    rng = np.random.default_rng(4)
    train, held_out = rng.normal(size=(300, 6, 4)), rng.normal(size=(300, 6, 4))
    fresh = rng.normal(size=(300, 6, 4))
    copies = train + rng.normal(scale=0.05, size=train.shape)
    bandwidth = median_bandwidth(train, held_out)
    assert abs(membership_inference(fresh, train, held_out)["auc"] - 0.5) < 0.1
    _, p_fresh = three_sample_test(fresh, train, held_out, bandwidth, permutations=100)
    assert p_fresh > 0.05
    attack = membership_inference(copies, train, held_out)
    assert attack["auc"] > 0.95 and attack["members"].mean() < attack["non_members"].mean()
    difference, p_copies = three_sample_test(copies, train, held_out, bandwidth, permutations=100)
    assert difference < 0 and p_copies == pytest.approx(1 / 101)


def test_identification_names_copied_faces_but_not_noise_or_wrong_identities():
    """The 8×8 digits stand in for ten people: copies of training faces are named as their
    identity at least as often as held-out faces; noise and mislabelled copies are not."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X, y = digits.images.astype(np.float32) / 16, digits.target
    train, held_out = (X[:1200], y[:1200]), (X[1200:], y[1200:])
    rng = np.random.default_rng(0)
    copies = identification(train, held_out, (train[0][:500], train[1][:500]), 0.9)
    assert copies["identification_accuracy_real"] > 0.85
    assert copies["identification_rate_real"] > 0.5
    assert copies["identification_rate_synthetic"] >= copies["identification_rate_real"]
    wrong = identification(train, held_out, (train[0][:500], (train[1][:500] + 1) % 10), 0.9)
    assert wrong["identification_rate_synthetic"] < 0.05
    noise = rng.uniform(0, 1, size=(500, 8, 8)).astype(np.float32)
    blurred = identification(train, held_out, (noise, rng.integers(0, 10, 500)), 0.9)
    assert blurred["identification_rate_synthetic"] < 0.1


def separable(rng, n, classes=2, shift=2.0):
    y = rng.integers(0, classes, n)
    return rng.normal(size=(n, 10, 2)) + shift * y[:, None, None], y


def test_utility_scores_reward_faithful_synthetic_data_and_punish_shuffled_labels():
    rng = np.random.default_rng(0)
    real_train, real_test, synthetic = (separable(rng, 200, 3) for _ in range(3))
    good = utility_scores(real_train, real_test, synthetic, ["logistic_regression", "cnn"])
    for name in ("logistic_regression", "cnn"):
        for kind in ("trtr", "tstr", "trts"):
            assert good[f"{kind}_{name}_accuracy"] > 0.95
            assert good[f"{kind}_{name}_f1_macro"] > 0.95
    assert "tstr_cnn_auroc" not in good  # three classes: accuracy and macro-F1 only
    shuffled = (synthetic[0], rng.permutation(synthetic[1]))
    bad = utility_scores(real_train, real_test, shuffled, ["random_forest"])
    assert bad["tstr_random_forest_accuracy"] < 0.75
    assert bad["tstr_trtr_ratio_random_forest"] < 0.8


def test_binary_tasks_get_auroc_and_auprc_and_repeats_give_a_spread():
    rng = np.random.default_rng(5)
    real_train, real_test = separable(rng, 200, shift=0.6), separable(rng, 200, shift=0.6)
    noisy = (real_train[0] + rng.normal(scale=1.0, size=real_train[0].shape), real_train[1])
    scores = utility_scores(
        real_train, real_test, noisy, ["logistic_regression", "random_forest"], n_repeats=3
    )
    assert scores["trtr_random_forest_auroc"] > 0.85 and scores["trtr_random_forest_auprc"] > 0.85
    assert scores["tstr_trtr_ratio_random_forest"] == pytest.approx(
        scores["tstr_random_forest_auroc"] / scores["trtr_random_forest_auroc"]
    )
    assert scores["tstr_random_forest_auroc_std"] > 0  # forests differ between seeds
    assert scores["tstr_logistic_regression_auroc_std"] < 1e-12  # one fit, whatever the seed


def test_unlabelled_synthetic_data_get_trtr_only():
    rng = np.random.default_rng(6)
    scores = utility_scores(separable(rng, 100), separable(rng, 100), None, ["logistic_regression"])
    assert scores["trtr_logistic_regression_accuracy"] > 0.9
    assert np.isnan(scores["tstr_logistic_regression_accuracy"])
    assert np.isnan(scores["trts_logistic_regression_f1_macro"])


def test_minirocket_gets_aeon_layout_padded_to_nine_steps():
    X = np.arange(2 * 8 * 3, dtype=np.float32).reshape(2, 8, 3)
    converted = channels_first(X)
    assert converted.shape == (2, 3, 9) and converted.dtype == np.float64
    assert (converted[:, :, :8] == X.transpose(0, 2, 1)).all() and (converted[:, :, 8] == 0).all()


def test_minirocket_classifies_short_series():
    rng = np.random.default_rng(7)
    scores = utility_scores(separable(rng, 60), separable(rng, 60), None, ["minirocket"])
    assert scores["trtr_minirocket_accuracy"] > 0.9


def test_posthoc_scores_separate_faithful_from_broken_synthetic_data():
    rng = np.random.default_rng(8)
    steps = np.linspace(0, 3, 12)
    phase = rng.uniform(0, 6, size=(600, 1, 1))
    waves = np.sin(steps[None, :, None] + phase).repeat(2, axis=2).astype(np.float32)
    real, faithful = waves[:300], waves[300:]
    noise = rng.uniform(-1, 1, size=real.shape).astype(np.float32)
    assert discriminative_score(real, faithful) < 0.15
    assert discriminative_score(real, noise) > 0.35
    good, bad = predictive_mae(faithful, real), predictive_mae(noise, real)
    assert good < 0.5 * bad
    assert predictive_mae(real, faithful) == pytest.approx(good, rel=0.5)


def test_detectors_see_through_continuous_copies_of_discrete_digits():
    """Issue 14: real digits take 17 levels; the same digits plus tiny continuous noise look alike
    to the eye (and to a kernel test), but a forest or boosted trees tell them apart perfectly,
    while two halves of the real digits stay indistinguishable."""
    from sklearn.datasets import load_digits

    digits = load_digits().data.reshape(-1, 8, 8).astype(np.float32) / 16
    rng = np.random.default_rng(10)
    order = rng.permutation(len(digits))
    first, second = digits[order[:800]], digits[order[800:1600]]
    same = detection_scores(first, second, seed=0)
    assert set(same) == {f"detection_{name}" for name in DETECTORS}
    assert all(0 <= score < 0.1 for score in same.values()), same
    noisy = first + rng.uniform(-0.005, 0.005, size=first.shape).astype(np.float32)
    told_apart = detection_scores(first, noisy, seed=0, max_points=500, threads=2)
    assert all(score > 0.45 for score in told_apart.values()), told_apart
    assert detection_scores(first, noisy, seed=0, max_points=500) == told_apart  # seeded


def test_strongest_detection_is_the_largest_score_and_names_its_detector():
    scores = {"detection_random_forest": 0.31, "detection_hist_gradient_boosting": 0.27}
    assert strongest_detection(scores, 0.08) == {
        "detection_strongest": 0.31,
        "detection_strongest_by": "random_forest",
    }
    assert strongest_detection(scores, 0.4) == {
        "detection_strongest": 0.4,
        "detection_strongest_by": "gru",
    }
    higher = scores | {"detection_hist_gradient_boosting": 0.5}
    assert strongest_detection(higher, None)["detection_strongest_by"] == "hist_gradient_boosting"
    assert strongest_detection(higher, float("nan"))["detection_strongest"] == 0.5


def test_tstr_alone_with_more_samples_has_its_own_columns():
    rng = np.random.default_rng(9)
    real_test, synthetic = separable(rng, 100), separable(rng, 400)
    scores = tstr_scores(real_test, synthetic, ["logistic_regression"], "tstr_x4", n_repeats=2)
    assert set(scores) == {
        f"tstr_x4_logistic_regression_{metric}{suffix}"
        for metric in ("accuracy", "f1_macro", "auroc", "auprc")
        for suffix in ("", "_std")
    }
    assert scores["tstr_x4_logistic_regression_accuracy"] > 0.95


def test_best_run_is_the_highest_ratio_or_else_the_lowest_mmd2():
    import pandas as pd

    from rgan.evaluate import best_run

    table = pd.DataFrame({"tstr_trtr_ratio_cnn": [0.8, 0.9, np.nan], "mmd2": [0.1, 0.3, 0.01]})
    assert best_run(table, "cnn") == 1
    assert best_run(table.assign(tstr_trtr_ratio_cnn=np.nan), "cnn") == 2
