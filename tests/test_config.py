import pytest

from rgan.config import RunParams, run_table


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
