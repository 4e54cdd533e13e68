"""The protocol benchmark's table (rgan.benchmark): published figures beside our runs."""

from __future__ import annotations

import pandas as pd

from rgan.benchmark import PUBLISHED, SCORES, BenchmarkSettings, markdown_table, our_rows


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
