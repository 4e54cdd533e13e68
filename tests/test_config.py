import json
import re
from dataclasses import fields
from pathlib import Path

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import update_config, validate

from rgan.config import (
    CELLS,
    JOB_KEYS,
    RunParams,
    TrainBudget,
    check_dataset_budgets,
    check_run_sections,
    dataset_budget,
    dataset_runs,
    run_table,
)
from rgan.config_schema import ConfigFileError, check_utf8, coerce_to_schema
from rgan.data.sources import RetryPolicy
from rgan.evaluate import EvalSettings
from rgan.metrics.utility import CLASSIFIERS
from rgan.models import RECURRENT_LAYERS, ModelSpec

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def test_run_table_is_the_product_of_the_grid_over_the_defaults():
    runs = run_table({"hidden": 32}, {"lr": [0.001, 0.01], "seed": [0, 1, 2]})
    assert len(runs) == 6
    assert {run.hidden for run in runs} == {32}
    assert {(run.lr, run.seed) for run in runs} == {
        (lr, seed) for lr in (0.001, 0.01) for seed in (0, 1, 2)
    }
    assert runs[0].path == "hidden~32/lr~0.001/seed~0"


def test_empty_grid_gives_one_run_of_defaults():
    assert run_table({}, {}) == [RunParams()]


def test_unknown_run_parameter_is_named():
    with pytest.raises(ValueError, match="hiden"):
        run_table({"hiden": 3}, {})
    with pytest.raises(ValueError, match="dropout"):
        RunParams.from_config({"dropout": 0.1})


def test_from_config_gives_each_key_its_declared_type():
    params = RunParams.from_config({"hidden": "64", "lr": "0.01", "amp": "False", "g_factor": 2})
    assert params == RunParams(hidden=64, lr=0.01, amp=False, g_factor=2.0)
    assert type(params.g_factor) is float and params.path == "lr~0.01/g_factor~2.0/seed~0"


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({"model": ["rgan"], "aux_classifier": [True]}, "aux_classifier needs class labels"),
        ({"loss": ["wgan_gp"], "dynamic_g_factor": [True]}, "use it with loss bce"),
        ({"loss": ["hinge"]}, r"grid.loss: 'hinge' is not one of \('bce', 'wgan_gp'\)"),
        ({"hidden": [64, 0]}, "grid.hidden: 0 is less than the minimum of 1"),
    ],
)
def test_impossible_combinations_are_named_before_any_run(grid, message):
    with pytest.raises(ValueError, match=message):
        run_table({}, grid)


def test_include_adds_points_and_exclude_drops_every_matching_one():
    runs = run_table(
        {"hidden": 32},
        {"cell": ["lstm", "gru"], "layers": [1, 2]},
        include=[{"hidden": 128, "layers": 3}],
        exclude=[{"cell": "gru", "layers": "2"}],  # values compared after type coercion
    )
    points = {(run.cell, run.layers, run.hidden) for run in runs}
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
    assert [run.seed for run in digits] == [0, 1] and {run.hidden for run in digits} == {32}
    mnist = dataset_runs(config, "mnist")
    assert [run.lr for run in mnist] == [0.001, 0.01] and {run.hidden for run in mnist} == {128}
    assert {run.seed for run in mnist} == {0}  # its own grid replaces the top-level one
    assert dataset_runs(config, "lfw") == [RunParams(cell="gru", hidden=32)]
    config["experiments"]["lfw"]["run"] = {"layers": 7, "model": "rgan", "aux_classifier": True}
    with pytest.raises(ValueError, match=r"lfw \(experiments.lfw\): run.layers: 7 is greater"):
        dataset_runs(config, "lfw")
    config["experiments"]["lfw"]["run"] = {"model": "rgan", "aux_classifier": True}
    with pytest.raises(ValueError, match=r"lfw \(experiments.lfw\): run .*aux_classifier"):
        dataset_runs(config, "lfw")


def test_a_dataset_trains_with_its_own_budget_over_the_top_level_one():
    config = repo_config()
    config["experiments"]["fashion"] = {"train": {"epochs": "150", "eval_every": 5}}
    check_dataset_budgets(config, yaml.safe_load(SCHEMA.read_text(encoding="utf-8")))
    fashion, energy = dataset_budget(config, "fashion"), dataset_budget(config, "energy")
    assert (fashion["epochs"], fashion["eval_every"]) == (150, 5)  # "150" typed as the schema says
    assert (energy["epochs"], energy["eval_every"]) == (400, 10)  # no budget of its own
    assert fashion["select_by"] == energy["select_by"] == "tstr"
    assert TrainBudget.from_config(fashion).epochs == 150
    assert not set(JOB_KEYS) & set(fashion)


@pytest.mark.parametrize(
    ("train", "message"),
    [
        ({"epochs": 0}, r"experiments.fashion.train.epochs: 0 is less than the minimum of 1"),
        ({"epoch": 100}, r"experiments.fashion.train: unknown keys \['epoch'\]: expected some of"),
        ({"threads": 4}, r"experiments.fashion.train.threads: sizes the job, not the training"),
    ],
)
def test_a_bad_dataset_budget_is_named(train, message):
    config = repo_config()
    config["experiments"]["fashion"] = {"train": train}
    with pytest.raises(ValueError, match=message):
        check_dataset_budgets(config, yaml.safe_load(SCHEMA.read_text(encoding="utf-8")))


def test_run_path_names_the_keys_that_differ_from_their_defaults_and_the_seed():
    assert RunParams().path == "seed~0"
    params = RunParams(hidden=48, lr=0.01, amp=True, seed=3)
    assert params.path == "hidden~48/lr~0.01/amp~True/seed~3"
    assert RunParams.from_path(params.path) == params
    # A path that spells out every key (as runs were named before) means the same run.
    spelled_out = "/".join(f"{key}~{value}" for key, value in vars(params).items())
    assert RunParams.from_path(spelled_out) == params
    with pytest.raises(ValueError, match="expected key~value parts"):
        RunParams.from_path("model~rcgan/hidden")
    with pytest.raises(ValueError, match="run.hidden: 'big' is not of type 'integer'"):
        RunParams.from_path("hidden~big/seed~0")


def repo_config() -> dict:
    return yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))


def same(a, b) -> bool:
    """Equal with the same types (800 is not 800.0, True is not 1)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_nested_config_values_take_the_types_of_the_schema():
    # What `--config 'train={...}' 'data={...}' ...` hands over: Snakemake reads the nested
    # values with YAML's BaseLoader, so every scalar in them is a string.
    overrides = yaml.load(
        """
        train: {epochs: 800, patience: null, max_grad_norm: 1.0e9, loss_ratio_limits: [0.1, 10],
                tensorboard: true}
        data: {mnist: {size: [14, 14], classes: [0, 1, 2], max_samples: 1e4, layout: rows}}
        run: {lr: 5e-4, amp: True, model: rgan}
        experiments: {mnist: {run: {hidden: 128}, grid: {seed: [0, 1], lr: [1e-3, 0.01]}}}
        evaluate: {classifiers: [cnn], extra_tstr_multipliers: [10]}
        """,
        Loader=yaml.BaseLoader,
    )
    assert overrides["train"]["epochs"] == "800"
    config = repo_config()
    update_config(config, overrides)
    coerce_to_schema(config, SCHEMA)
    validate(config, str(SCHEMA))
    check_run_sections(config)
    assert same(
        {key: config["train"][key] for key in overrides["train"]},
        {
            "epochs": 800,
            "patience": None,
            "max_grad_norm": 1e9,
            "loss_ratio_limits": [0.1, 10],
            "tensorboard": True,
        },
    )
    assert same(
        config["data"]["mnist"],
        {"size": [14, 14], "classes": [0, 1, 2], "max_samples": 10000, "layout": "rows"},
    )
    assert same(config["run"]["lr"], 5e-4) and config["run"]["amp"] is True
    assert config["run"]["model"] == "rgan"
    assert same(
        config["experiments"]["mnist"],
        {  # merged over config.yaml's mnist preset (its run values and training budget)
            "run": {"augment": "translation_2d", "match_marginals": True, "hidden": 128},
            "grid": {"seed": [0, 1], "lr": [1e-3, 0.01]},
            "train": {"epochs": 150},
        },
    )
    assert same(config["evaluate"]["extra_tstr_multipliers"], [10])


def test_exponent_numbers_of_a_config_file_are_numbers():
    # YAML 1.1 wants a dot and a signed exponent: it reads 5e-4, 1.0e9 and 1e3 as strings.
    config = yaml.safe_load(
        "run: {lr: 5e-4}\ntrain: {max_grad_norm: 1.0e9, eval_samples: 1e3}\n"
        "data: {mnist: {max_samples: 1E4}}\n"
    )
    assert config["run"]["lr"] == "5e-4"
    check_run_sections(config)
    assert same(
        coerce_to_schema(config, SCHEMA),
        {
            "run": {"lr": 5e-4},
            "train": {"max_grad_norm": 1e9, "eval_samples": 1000},
            "data": {"mnist": {"max_samples": 10000}},
        },
    )


@pytest.mark.parametrize(
    "config",
    [
        {"train": {"epochs": "800.5", "patience": "never", "max_grad_norm": "1.5e"}},
        {"run": {"hidden": "1.5e0", "cell": "123", "hiden": "64"}},
        {"datasets": ["123"], "data_dir": "null", "grid_plot": {"metric": "1e3"}},
        {"train": {"epochs": 800.0, "loss_ratio_limits": "[0.1, 10"}, "data_dir": 5},
        {"include": [{"cell": "123"}], "data": {"npz": {"path": "42", "layout": "1"}}},
    ],
)
def test_values_that_are_no_clear_case_are_left_to_the_validator(config):
    before = json.dumps(config, sort_keys=True)
    assert json.dumps(coerce_to_schema(config, SCHEMA), sort_keys=True) == before


def test_a_string_that_is_no_integer_is_still_rejected_by_name():
    config = repo_config()
    update_config(config, {"train": {"epochs": "800.5"}})
    coerce_to_schema(config, SCHEMA)
    with pytest.raises(WorkflowError, match="'800.5' is not of type 'integer'"):
        validate(config, str(SCHEMA))


@pytest.mark.parametrize(
    ("run", "message"),
    [
        ({"hidden": 0}, "0 is less than the minimum of 1"),
        ({"cell": "rnn"}, "'rnn' is not one of"),
        ({"layers": 9}, "9 is greater than the maximum of 3"),
        ({"hiden": 64}, r"unknown run parameters \['hiden'\]"),
    ],
)
def test_every_run_section_is_checked_against_the_declaration(run, message):
    (key, value), where = next(iter(run.items())), "experiments.mnist"
    item = f".{key}[0]" if key != "hiden" else ""
    sections = [
        ({"run": run}, "run"),
        ({"include": [run]}, "include[0]"),
        ({"exclude": [run]}, "exclude[0]"),
        ({"grid": {key: [value]}}, f"grid{item}"),
        ({"experiments": {"mnist": {"run": run}}}, f"{where}.run"),
        ({"experiments": {"mnist": {"grid": {key: [value]}}}}, f"{where}.grid{item}"),
    ]
    for config, path in sections:
        with pytest.raises(ValueError, match=re.escape(path) + r"(\.\w+)?: " + message):
            check_run_sections(config)


def test_declared_defaults_are_the_ones_config_yaml_and_the_schema_show():
    """config.yaml lists the defaults users know; the classes and the schema agree with it."""
    config = repo_config()
    defaults = vars(RunParams())
    assert same(config["run"], {key: defaults[key] for key in config["run"]}), (
        "config.yaml's run: shows values other than RunParams' defaults"
    )
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))["properties"]
    for section, settings, rule_keys in [
        ("train", TrainBudget, set(JOB_KEYS)),  # the rule's, not the budget's
        ("evaluate", EvalSettings, set()),
        ("download", RetryPolicy, set()),
    ]:
        declared = {key: spec["default"] for key, spec in schema[section]["properties"].items()}
        assert same(declared, config[section]), f"{section}: schema defaults vs config.yaml"
        defaults = {
            item.name: list(item.default) if isinstance(item.default, tuple) else item.default
            for item in fields(settings)
        }
        expected = {key: value for key, value in declared.items() if key not in rule_keys}
        assert defaults == expected, f"{settings.__name__} defaults vs config.yaml"


def test_the_schema_offers_exactly_the_classifiers_there_are():
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))["properties"]["evaluate"]
    assert sorted(schema["properties"]["classifiers"]["items"]["enum"]) == sorted(CLASSIFIERS)


def test_the_networks_take_the_run_keys_declared_values():
    assert set(RECURRENT_LAYERS) == set(CELLS)
    spec = ModelSpec.for_run(RunParams(hidden=16, cell="gru"), 5, 3, 2, bounded=True)
    assert (spec.hidden, spec.cell, spec.seq_len, spec.conditional) == (16, "gru", 5, True)
    defaults = ModelSpec(seq_len=5, n_features=3, n_classes=2)
    assert defaults == ModelSpec.for_run(RunParams(), 5, 3, 2, bounded=True)


def test_validation_puts_no_defaults_into_experiments_run():
    config = repo_config()
    config["run"] = {"hidden": 32, "lr": 0.002}
    config["experiments"] = {"mnist": {"run": {"hidden": 128}}}
    validate(config, str(SCHEMA))  # sets the schema's defaults, as the Snakefile does
    assert config["experiments"]["mnist"]["run"] == {"hidden": 128}
    assert dataset_runs(config, "mnist") == [RunParams(hidden=128, lr=0.002)]


def test_a_config_file_that_is_not_utf8_is_named_with_the_byte(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("# Café\nseed: 0\n", encoding="utf-8")
    check_utf8(good)
    check_utf8(tmp_path / "missing.yaml")  # Snakemake names a missing file itself
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"seed: 0\n# Caf\xe9 au lait\n")
    with pytest.raises(ConfigFileError) as error:
        check_utf8(bad)
    assert str(error.value) == (
        f"{bad} is not UTF-8: byte 0xe9 at line 2, column 6 (byte offset 13); "
        "save the file as UTF-8"
    )
