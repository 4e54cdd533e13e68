import numpy as np
import pytest

from rgan.data import choose
from rgan.data.images import resize, to_images, to_sequences


def test_shrinking_by_an_integer_factor_averages_blocks():
    images = np.random.default_rng(0).random((3, 28, 28)).astype(np.float32)
    expected = images.reshape(3, 14, 2, 14, 2).mean(axis=(2, 4))
    np.testing.assert_allclose(resize(images, 14, 14), expected, rtol=1e-5)


def test_any_target_size_preserves_the_mean_exactly():
    images = np.random.default_rng(1).random((4, 28, 28)).astype(np.float32)
    for height, width in [(20, 24), (32, 24), (9, 7), (64, 64)]:
        out = resize(images, height, width)
        assert out.shape == (4, height, width)
        np.testing.assert_allclose(out.mean(axis=(1, 2)), images.mean(axis=(1, 2)), rtol=1e-5)


def test_constant_image_stays_constant():
    np.testing.assert_allclose(resize(np.full((1, 64, 64), 7.0), 28, 28), 7.0, rtol=1e-6)


@pytest.mark.parametrize(
    ("layout", "shape"), [("rows", (2, 4, 6)), ("columns", (2, 6, 4)), ("pixels", (2, 24, 1))]
)
def test_layouts_round_trip(layout, shape):
    images = np.arange(48, dtype=np.float32).reshape(2, 4, 6)
    sequences = to_sequences(images, layout)
    assert sequences.shape == shape
    np.testing.assert_array_equal(to_images(sequences, layout, 4, 6), images)


def test_class_subset_renumbers_labels_in_the_given_order():
    labels = np.array([0, 1, 2, 3, 2, 1, 0, 3])
    images = labels[:, None, None].astype(np.float32)
    indices, kept = choose(labels, [2, 0], None, seed=0)
    assert kept.tolist() == [1, 0, 0, 1]
    assert images[indices, 0, 0].tolist() == [0, 2, 2, 0]
    with pytest.raises(ValueError, match=r"classes \[7\]"):
        choose(labels, [0, 7], None, seed=0)


def test_max_samples_is_stratified_and_reproducible():
    labels = np.repeat(np.arange(4), 50)
    _, first = choose(labels, None, 40, seed=3)
    _, again = choose(labels, None, 40, seed=3)
    assert np.bincount(first).tolist() == [10, 10, 10, 10]
    np.testing.assert_array_equal(first, again)
