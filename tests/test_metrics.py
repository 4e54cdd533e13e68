import numpy as np

from rgan.metrics.fidelity import median_bandwidth, mmd2_unbiased
from rgan.metrics.utility import utility_scores


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


def test_utility_scores_reward_faithful_synthetic_data_and_punish_shuffled_labels():
    rng = np.random.default_rng(0)

    def sample(n):
        y = rng.integers(0, 2, n)
        return rng.normal(size=(n, 3, 2)) + 2.0 * y[:, None, None], y

    real_train, real_test, synthetic = sample(200), sample(200), sample(200)
    good = utility_scores(real_train, real_test, synthetic, ["logistic_regression"])
    assert good["trtr_logistic_regression"] > 0.95
    assert good["tstr_logistic_regression"] > 0.95
    assert good["trts_logistic_regression"] > 0.95
    shuffled = (synthetic[0], rng.permutation(synthetic[1]))
    bad = utility_scores(real_train, real_test, shuffled, ["random_forest"])
    assert bad["tstr_random_forest"] < 0.75
    assert bad["tstr_trtr_ratio_random_forest"] < 0.8
