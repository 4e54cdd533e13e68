"""The MIMIC-III in-hospital-mortality reader on fixtures in the benchmark's real layout."""

from __future__ import annotations

import numpy as np
import pytest
from mimic3_fixture import HEADER, write_episode, write_listfile, write_mimic3_ihm

from rgan.data.idx import DataFormatError
from rgan.data.mimic3 import CATEGORIES, VARIABLES, read_mimic3_ihm

HR = "Heart Rate"
EYE = "Glascow coma scale eye opening"
TOTAL = "Glascow coma scale total"


@pytest.fixture
def benchmark(tmp_path):
    root = tmp_path / "in-hospital-mortality"
    write_mimic3_ihm(root, n_train=12, n_test=4, seed=1)
    return root


@pytest.fixture
def handmade(tmp_path):
    """One train and one test episode whose every hourly value is known."""
    root = tmp_path / "ihm"
    (root / "train").mkdir(parents=True)
    (root / "test").mkdir()
    rows = [
        {"Hours": -0.5, HR: 10, "Weight": 70},  # before admission: ignored
        {"Hours": 0.2, HR: 80},
        {"Hours": 0.9, HR: 90, "Temperature": 36.5},
        {"Hours": 0.95, "Temperature": 37.0},  # HR empty: 90 stays the hour's last value
        {"Hours": 3.5, HR: 100, EYE: "None", TOTAL: "15"},
        {"Hours": 5.1, TOTAL: "3", "Capillary refill rate": "1.0"},
        {"Hours": 47.99, HR: 120},
        {"Hours": 48.0, HR: 200, TOTAL: "8"},  # at or past 48 h: ignored
        {"Hours": 51.25, HR: 300},
    ]
    write_episode(root / "train" / "20_episode1_timeseries.csv", rows)
    write_listfile(root / "train" / "listfile.csv", ["20_episode1_timeseries.csv"], [1])
    write_episode(root / "test" / "7_episode2_timeseries.csv", [{"Hours": 2.0, HR: 60}])
    write_listfile(root / "test" / "listfile.csv", ["7_episode2_timeseries.csv"], [0])
    return root


def col(names, name):
    return names.index(name)


def test_shapes_types_and_labels(benchmark):
    X, mask, y, names = read_mimic3_ihm(benchmark)
    assert len(VARIABLES) == 17
    assert X.shape == mask.shape == (16, 48, 59) and y.shape == (16,)
    assert X.dtype == mask.dtype == np.float32 and y.dtype == np.int64
    assert set(np.unique(mask)) <= {0.0, 1.0} and set(np.unique(y)) <= {0, 1}
    assert len(names) == 59
    assert np.isnan(X).any() and not np.isnan(X[mask == 1]).any()


def test_feature_names_one_hot_the_benchmark_categories(benchmark):
    _, _, _, names = read_mimic3_ihm(benchmark)
    numeric = [name for name in VARIABLES if name not in CATEGORIES]
    assert [name for name in names if "=" not in name] == numeric
    assert names[:2] == ["Capillary refill rate=0.0", "Capillary refill rate=1.0"]
    assert f"{EYE}=4 Spontaneously" in names and f"{EYE}=None" in names
    # discretizer_config.json order
    totals = ["11", "10", "13", "12", "15", "14", "3", "5", "4", "7", "6", "9", "8"]
    assert [name for name in names if name.startswith(TOTAL)] == [f"{TOTAL}={v}" for v in totals]
    assert len([name for name in names if name.startswith("Glascow coma scale verbal")]) == 12


def test_hourly_last_value_forward_fill_and_mask(handmade):
    X, mask, y, names = read_mimic3_ihm(handmade)
    hr, temp = col(names, HR), col(names, "Temperature")
    assert X[0, 0, hr] == 90 and mask[0, 0, hr] == 1  # last of 80, 90 in hour 0
    assert X[0, 0, temp] == 37 and mask[0, 0, temp] == 1
    assert np.all(X[0, 1:3, hr] == 90) and np.all(mask[0, 1:3, hr] == 0)  # filled, not seen
    assert X[0, 3, hr] == 100 and mask[0, 3, hr] == 1
    assert np.all(X[0, 4:47, hr] == 100) and not mask[0, 4:47, hr].any()
    assert X[0, 47, hr] == 120 and mask[0, 47, hr] == 1
    assert not np.isin(X[:, :, hr], [10, 200, 300]).any()  # rows outside [0, 48) ignored
    assert mask[0].sum() == 3 + 1 + 8 + 2 * 13 + 2  # HR x3, Temp, eye, total x2, refill
    assert y.tolist() == [1, 0]


def test_nan_before_first_observation_and_one_hot_fill(handmade):
    X, mask, _, names = read_mimic3_ihm(handmade)
    total = [i for i, name in enumerate(names) if name.startswith(TOTAL)]
    assert np.isnan(X[0, :3][:, total]).all() and not mask[0, :3][:, total].any()
    fifteen, three = col(names, f"{TOTAL}=15"), col(names, f"{TOTAL}=3")
    assert X[0, 3, total].sum() == 1 and X[0, 3, fifteen] == 1
    assert np.all(mask[0, 3, total] == 1) and np.all(mask[0, 4, total] == 0)
    assert X[0, 4, fifteen] == 1  # forward-filled category
    assert X[0, 5, three] == 1 and X[0, 47, three] == 1 and X[0, 47, fifteen] == 0
    assert X[0, 3, col(names, f"{EYE}=None")] == 1  # "None" is a GCS value, not a missing cell
    assert X[0, 5, col(names, "Capillary refill rate=1.0")] == 1
    assert np.isnan(X[0, :, col(names, "pH")]).all()  # never observed
    assert np.isnan(X[0, :, col(names, "Weight")]).all()  # only observed before admission
    assert np.isnan(X[1, :2, col(names, HR)]).all() and X[1, 2, col(names, HR)] == 60


def test_shorter_window_ignores_later_rows(handmade):
    X, mask, _, names = read_mimic3_ihm(handmade, hours=4)
    assert X.shape == (2, 4, 59)
    assert X[0, 3, col(names, HR)] == 100 and mask[0, :, col(names, HR)].sum() == 2
    assert X[0, 3, col(names, f"{TOTAL}=15")] == 1  # the 3 at 5.1 h is outside the window
    assert not (X[0, :, col(names, f"{TOTAL}=3")] == 1).any()


def test_numeric_spellings_of_numeric_categories(handmade):
    path = handmade / "test" / "7_episode2_timeseries.csv"
    write_episode(path, [{"Hours": 1, TOTAL: "15.0", "Capillary refill rate": "1"}])
    X, _, _, names = read_mimic3_ihm(handmade)
    assert X[1, 1, col(names, f"{TOTAL}=15")] == 1
    assert X[1, 1, col(names, "Capillary refill rate=1.0")] == 1


def test_deterministic_and_in_listfile_order(benchmark):
    first = read_mimic3_ihm(benchmark)
    second = read_mimic3_ihm(benchmark)
    for a, b in zip(first[:3], second[:3], strict=True):
        np.testing.assert_array_equal(a, b)
    labels = [
        int(line.split(",")[1])
        for part in ("train", "test")
        for line in (benchmark / part / "listfile.csv").read_text().splitlines()[1:]
    ]
    assert first[2].tolist() == labels


def test_fixture_labels_are_learnable(tmp_path):
    write_mimic3_ihm(tmp_path, n_train=60, n_test=20, seed=3)
    X, mask, y, names = read_mimic3_ihm(tmp_path)
    heart = np.nanmean(X[:, :, col(names, HR)], axis=1)
    assert 0 < y.sum() < len(y)
    assert heart[y == 1].min() > heart[y == 0].max() - 10
    assert heart[y == 1].mean() > heart[y == 0].mean() + 15


def test_missing_root_says_never_downloaded(tmp_path):
    with pytest.raises(DataFormatError) as caught:
        read_mimic3_ihm(tmp_path / "nowhere")
    message = str(caught.value)
    assert str(tmp_path / "nowhere" / "train" / "listfile.csv") in message
    assert str(tmp_path / "nowhere" / "test" / "listfile.csv") in message
    assert "never downloaded" in message and "data.mimic3_ihm.path" in message


def test_missing_test_listfile_is_named(benchmark):
    (benchmark / "test" / "listfile.csv").unlink()
    with pytest.raises(DataFormatError, match="never downloaded") as caught:
        read_mimic3_ihm(benchmark)
    assert str(benchmark / "test" / "listfile.csv") in str(caught.value)
    assert str(benchmark / "train" / "listfile.csv") not in str(caught.value)


@pytest.mark.parametrize(
    ("header", "problem"),
    [("stay,label", "no 'y_true' column"), ("episode,y_true", "no 'stay' column")],
)
def test_listfile_without_a_column(handmade, header, problem):
    listfile = handmade / "train" / "listfile.csv"
    listfile.write_text(f"{header}\n20_episode1_timeseries.csv,1\n")
    with pytest.raises(DataFormatError) as caught:
        read_mimic3_ihm(handmade)
    assert str(listfile) in str(caught.value) and problem in str(caught.value)


@pytest.mark.parametrize("label", ["2", "", "yes"])
def test_labels_must_be_zero_or_one(handmade, label):
    listfile = handmade / "test" / "listfile.csv"
    listfile.write_text(f"stay,y_true\n7_episode2_timeseries.csv,{label}\n")
    with pytest.raises(DataFormatError) as caught:
        read_mimic3_ihm(handmade)
    message = str(caught.value)
    assert str(listfile) in message and "'y_true' line 2" in message and "not 0 or 1" in message


def test_missing_episode_file(handmade):
    episode = handmade / "train" / "20_episode1_timeseries.csv"
    episode.unlink()
    with pytest.raises(DataFormatError) as caught:
        read_mimic3_ihm(handmade)
    message = str(caught.value)
    assert str(handmade / "train" / "listfile.csv") in message
    assert str(episode) in message and "missing" in message


def test_episode_without_hours(handmade):
    episode = handmade / "test" / "7_episode2_timeseries.csv"
    episode.write_text(",".join(["Time", *HEADER[1:]]) + "\n" + "1.5" + "," * 17 + "\n")
    with pytest.raises(DataFormatError) as caught:
        read_mimic3_ihm(handmade)
    assert str(episode) in str(caught.value) and "no 'Hours' column" in str(caught.value)


@pytest.mark.parametrize(
    ("row", "column", "value", "problem"),
    [
        ({EYE: "5 Wide awake"}, EYE, "5 Wide awake", "not one of the benchmark's values"),
        ({TOTAL: "16"}, TOTAL, "16", "not one of the benchmark's values"),
        ({HR: "fast"}, HR, "fast", "not a number"),
        ({"pH": "7,4"}, "pH", "7,4", "not a number"),
        ({HR: "inf"}, HR, "inf", "not a finite number"),
        ({"pH": "-Infinity"}, "pH", "-Infinity", "not a finite number"),
    ],
)
def test_bad_cell_names_file_column_and_value(handmade, row, column, value, problem):
    episode = handmade / "train" / "20_episode1_timeseries.csv"
    write_episode(episode, [{"Hours": 0.5, HR: 80}, {"Hours": 1.5, **row}])
    with pytest.raises(DataFormatError) as caught:
        read_mimic3_ihm(handmade)
    message = str(caught.value)
    assert str(episode) in message and f"{column!r} line 3" in message
    assert repr(value) in message and problem in message


def test_non_numeric_hours(handmade):
    episode = handmade / "test" / "7_episode2_timeseries.csv"
    write_episode(episode, [{"Hours": "soon", HR: 80}])
    with pytest.raises(DataFormatError, match=r"'Hours' line 2 holds 'soon', not a number"):
        read_mimic3_ihm(handmade)
