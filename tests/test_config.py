import pytest

from rgan.config import RunParams, dataset_runs, run_table


def test_run_table_is_the_product_of_the_grid_over_the_defaults():
    table = run_table({"hidden": 32}, {"lr": [0.001, 0.01], "seed": [0, 1, 2]})
    assert len(table) == 6
    assert set(table["hidden"]) == {32}
    assert set(zip(table["lr"], table["seed"], strict=True)) == {
        (lr, seed) for lr in (0.001, 0.01) for seed in (0, 1, 2)
    }
    assert list(table.columns)[:3] == ["model", "cell", "hidden"]


def test_empty_grid_gives_one_run_of_defaults():
    table = run_table({}, {})
    assert table.to_dict("records") == [vars(RunParams())]


def test_unknown_run_parameter_is_named():
    with pytest.raises(ValueError, match="hiden"):
        run_table({"hiden": 3}, {})
    with pytest.raises(ValueError, match="dropout"):
        RunParams.from_mapping({"dropout": 0.1})


def test_from_mapping_coerces_types():
    params = RunParams.from_mapping({"hidden": "64", "lr": "0.01"})
    assert params.hidden == 64 and params.lr == 0.01


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({"model": ["rgan"], "aux_classifier": [True]}, "aux_classifier needs class labels"),
        ({"loss": ["wgan_gp"], "dynamic_g_factor": [True]}, "use it with loss bce"),
        ({"loss": ["hinge"]}, "unknown loss 'hinge'"),
    ],
)
def test_impossible_combinations_are_named_before_any_run(grid, message):
    with pytest.raises(ValueError, match=message):
        run_table({}, grid)


def test_include_adds_points_and_exclude_drops_every_matching_one():
    table = run_table(
        {"hidden": 32},
        {"cell": ["lstm", "gru"], "layers": [1, 2]},
        include=[{"hidden": 128, "layers": 3}],
        exclude=[{"cell": "gru", "layers": "2"}],  # values compared after type coercion
    )
    points = set(zip(table["cell"], table["layers"], table["hidden"], strict=True))
    assert points == {("lstm", 1, 32), ("lstm", 2, 32), ("gru", 1, 32), ("lstm", 3, 128)}


@pytest.mark.parametrize(
    ("include", "exclude", "message"),
    [
        ([{"hiden": 3}], [], r"include\[0\]: unknown run parameters \['hiden'\]"),
        ([], [{"cel": "gru"}], r"exclude\[0\]: unknown run parameters \['cel'\]"),
        ([], [{"seed": 0}], "the grid is empty"),
        ([{"model": "rgan", "aux_classifier": True}], [], "aux_classifier needs class labels"),
    ],
)
def test_bad_include_or_exclude_is_named(include, exclude, message):
    with pytest.raises(ValueError, match=message):
        run_table({}, {}, include, exclude)


def test_each_dataset_can_have_its_own_defaults_and_grid():
    config = {
        "run": {"hidden": 32, "lr": 0.002},
        "grid": {"seed": [0, 1]},
        "include": [],
        "exclude": [],
        "experiments": {
            "mnist": {"run": {"hidden": 128}, "grid": {"lr": [0.001, 0.01]}},
            "lfw": {"run": {"cell": "gru"}, "exclude": [{"seed": 1}]},
        },
    }
    digits = dataset_runs(config, "digits")
    assert list(digits["seed"]) == [0, 1] and set(digits["hidden"]) == {32}
    mnist = dataset_runs(config, "mnist")
    assert list(mnist["lr"]) == [0.001, 0.01] and set(mnist["hidden"]) == {128}
    assert set(mnist["seed"]) == {0}  # its own grid replaces the top-level one
    lfw = dataset_runs(config, "lfw")
    assert lfw[["cell", "seed", "lr"]].to_dict("records") == [
        {"cell": "gru", "seed": 0, "lr": 0.002}
    ]
    config["experiments"]["lfw"]["run"] = {"layers": 7, "model": "rgan", "aux_classifier": True}
    with pytest.raises(ValueError, match=r"lfw \(experiments.lfw\): run .*aux_classifier"):
        dataset_runs(config, "lfw")


def test_run_path_round_trips():
    table = run_table({"hidden": 48}, {"lr": [0.01]})
    path = "/".join(f"{key}~{value}" for key, value in table.iloc[0].items())
    assert RunParams.from_path(path) == RunParams(hidden=48, lr=0.01)
    with pytest.raises(ValueError, match="expected key~value parts"):
        RunParams.from_path("model~rcgan/hidden")
