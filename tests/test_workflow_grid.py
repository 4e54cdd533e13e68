"""A hyper-parameter grid through the real Snakemake workflow: include/exclude, seeds grouped by
point, shared out in parts run at the same time, and diverged points still in the CSV."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from PIL import Image
from runner import TINY, new_workdir, planned_jobs, snakemake


def test_grid_shared_in_concurrent_parts_covers_every_point_even_diverged_ones(tmp_path):
    config = {
        **TINY,
        "grid": {"hidden": [16, 32], "seed": [0, 1]},
        "include": [{"hidden": 24}],
        "exclude": [{"hidden": 16, "seed": 1}],
        # Every gradient is "exploding": each run diverges at once, with no rollback left.
        "train": {**TINY["train"], "max_grad_norm": 1e-9, "max_rollbacks": 0},
    }
    workdir = new_workdir(tmp_path / "grid", config)
    assert planned_jobs(workdir)["train"] == 4  # 2 × 2 − 1 excluded + 1 included

    # Two people share the grid on one results/ folder, as the README says: the data first,
    # then both parts at the same time, each training exactly its own runs.
    snakemake(workdir, "--cores", "1", "results/data/digits/prepared.npz")
    targets = [f"results/parts/digits/{part}-of-2.csv" for part in (1, 2)]
    with ThreadPoolExecutor(2) as pool:
        parts = list(pool.map(lambda target: snakemake(workdir, "--cores", "1", target), targets))
    runs = [pd.read_csv(workdir / target)["run"].tolist() for target in targets]
    assert [len(part_runs) for part_runs in runs] == [2, 2]
    assert not set(runs[0]) & set(runs[1])
    for part, part_runs in zip(parts, runs, strict=True):
        log = part.stdout + part.stderr
        assert log.count("Rule: train)") == 2, log  # its own runs, and no other
        for run in part_runs:
            assert (workdir / f"results/models/digits/{run}/generator.pt").exists()
    assert not (workdir / "results/tstr/digits.csv").exists()
    assert "train" not in planned_jobs(workdir)
    snakemake(workdir, "--cores", "2")

    table = pd.read_csv(workdir / "results/tstr/digits.csv")
    runs = set(zip(table["hidden"], table["seed"], strict=True))
    assert runs == {(16, 0), (32, 0), (32, 1), (24, 0)}
    assert set(table["status"]) == {"diverged"}
    assert table["stop_reason"].str.contains("gradient norm").all()
    assert table["mmd2"].notna().all()  # a diverged run still has its metrics
    assert not table.columns.str.startswith("worst_class_").any()  # evaluate.per_class: false

    points = pd.read_csv(workdir / "results/tstr/digits_points.csv").set_index("hidden")
    assert points.loc[32, "n_seeds"] == 2 and points.loc[16, "n_seeds"] == 1
    assert points.loc[32, "mmd2_mean"] == pytest.approx(
        table.loc[table["hidden"] == 32, "mmd2"].mean()
    )
    assert points.loc[32, "statuses"] == "diverged"
    figure = Image.open(workdir / "results/tstr/digits_grid.png")
    assert figure.size[0] > figure.size[1]  # a panel for `hidden`, and no heat map (one key)
    log = (workdir / "results/logs/summarise_grid/digits.log").read_text()
    assert "4 runs in 3 grid points; axes ['hidden'], heat map None" in log
