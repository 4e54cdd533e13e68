"""The protocol benchmark's table (rgan.benchmark): published figures beside our runs."""

from __future__ import annotations

import pandas as pd

from rgan.benchmark import PUBLISHED, SCORES, BenchmarkSettings, markdown_table, our_rows
from rgan.targets import markdown_targets, target_rows


def results_table(run: str, value: float) -> pd.DataFrame:
    """A results CSV's row as the aggregate rule writes it, for one unconditional run."""
    scores = {f"protocol_{score}": value for score in SCORES}
    halves = {f"protocol_{score}_ci95": value / 10 for score in SCORES}
    row = {
        "run": run,
        "status": "completed",
        "epochs_run": 200,
        "train_seconds": 704.2,
        "detection_strongest": 0.493,
        "detection_strongest_by": "random_forest",
        **scores,
        **halves,
    }
    return pd.DataFrame([row])


def test_table_puts_our_runs_beside_every_published_figure():
    tables = {
        "sines": results_table("model~rgan/seed~0", 0.25),
        "stocks": results_table("model~rgan/seed~0", 0.5),
    }
    ours = our_rows(tables, "rgan-200")
    assert list(ours["dataset"]) == ["sines", "stocks"]
    assert ours["protocol_predictive"].tolist() == [0.25, 0.5]
    text = markdown_table(ours, left_out=["energy"])
    lines = text.splitlines()
    assert lines[0] == "| score | model | sines | stocks | energy |"
    ours_line = "|  | RGAN (rgan-200: model~rgan/seed~0) | 0.250 ± 0.025 | 0.500 ± 0.050 |  |"
    assert lines.count(ours_line) == len(SCORES)  # one per score, energy left empty
    assert "| predictive | Diffusion-TS | 0.093 | 0.036 | 0.250 |" in lines
    assert "|  | real data | 0.094 | 0.036 | 0.250 |" in lines
    for values in PUBLISHED.values():
        assert " | ".join(f"{v:.3f}" for v in values) in text
    assert "sines 200 epochs, 704 s of training (completed)" in text
    assert "strongest detection score 0.493 (random_forest)" in text
    assert "energy: not run, its files are not in data_dir" in text


def test_energy_joins_only_when_its_file_is_at_hand(tmp_path):
    settings = BenchmarkSettings(datasets=("stocks", "sines"), when_present=("energy",))
    assert settings.chosen({}, tmp_path) == (["sines", "stocks"], ["energy"])
    (tmp_path / "energy").mkdir()
    (tmp_path / "energy" / "energydata_complete.csv").write_text("date\n")
    assert settings.chosen({}, tmp_path) == (["sines", "stocks", "energy"], [])


def labelled_table(ratio: float, detection: float, seconds: float) -> pd.DataFrame:
    """A results CSV's row for one labelled run (the columns the targets read)."""
    row = {
        "run": "seed~0",
        "seed": 0,
        "epochs_run": 700,
        "tstr_trtr_ratio_logistic_regression": ratio,
        "tstr_trtr_ratio_random_forest": ratio,
        "detection_strongest": detection,
        "raw_detection_strongest": detection + 0.1,
        "train_seconds": seconds,
    }
    return pd.DataFrame([row])


def test_targets_table_says_which_target_each_run_meets():
    tables = {
        "digits": labelled_table(0.975, 0.31, 110.0),
        "fashion": labelled_table(0.89, 0.2, 800.0),
        "sines": results_table("model~rgan/seed~0", 0.05).assign(seed=0),
    }
    rows = target_rows(tables)
    met = {(row.dataset, row.column): row.met for row in rows.itertuples()}
    assert met[("digits", "tstr_trtr_ratio_logistic_regression")]  # 0.975 ≥ 0.97
    assert met[("digits", "tstr_trtr_ratio_random_forest")]  # 0.975 ≥ 0.95
    assert not met[("digits", "detection_strongest")]  # 0.31 > 0.15
    assert met[("digits", "train_seconds")]
    assert not met[("fashion", "tstr_trtr_ratio_logistic_regression")]  # 0.89 < 0.90
    assert ("fashion", "tstr_trtr_ratio_random_forest") not in met  # no RF target for fashion
    assert met[("sines", "protocol_predictive")] and not met[("sines", "protocol_discriminative")]
    text = markdown_targets(rows, left_out=["mnist"])
    line = "| digits | seed~0 | 700 | strongest detection score | 0.310 | 0.410 | ≤ 0.15 | **no** |"
    assert line in text  # the value before marginal matching beside the one that counts
    assert "| fashion | seed~0 | 700 | TSTR/TRTR (LR) | 0.890 |  | ≥ 0.9 | **no** |" in text
    assert "mnist: not run, its files are not in data_dir" in text


def test_a_missing_figure_is_not_counted_as_met():
    rows = target_rows({"digits": labelled_table(0.98, 0.1, 100.0).drop(columns="train_seconds")})
    seconds = rows[rows["column"] == "train_seconds"].iloc[0]
    assert pd.isna(seconds["met"])
    assert "| training seconds |  |  | ≤ 120 | n/a |" in markdown_targets(rows, [])


def test_fashion_and_mnist_join_the_targets_only_when_their_files_are_at_hand(tmp_path):
    settings = BenchmarkSettings()
    assert settings.chosen_targets({}, tmp_path) == (
        ["digits", "sines", "stocks"],
        ["fashion", "mnist"],
    )
