"""Downloaded datasets through the real Snakemake DAG, served from 127.0.0.1."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from lfw_fixture import write_lfwcrop_zip
from runner import REPO, TINY, new_workdir, snakemake
from served import md5, serve, write_mnist_fixture


@pytest.fixture(scope="module")
def mnist_server(tmp_path_factory):
    served = tmp_path_factory.mktemp("served")
    checksums = write_mnist_fixture(served)
    with serve(served) as url:
        yield url, checksums


def mnist_config(data_dir, url, checksums):
    return {
        **TINY,
        "datasets": ["mnist"],
        "data_dir": str(data_dir),
        "download": {"retries": 1, "backoff_seconds": 0.0, "timeout_seconds": 10},
        "data": {
            "mnist": {
                "mirrors": [url],
                "checksums": checksums,
                "size": [14, 14],
                "max_samples": 400,
            }
        },
    }


def test_mnist_download_flows_through_the_dag_to_the_csv(mnist_server, tmp_path):
    url, checksums = mnist_server
    workdir = new_workdir(tmp_path / "mnist", mnist_config(tmp_path / "data", url, checksums))
    snakemake(workdir, "--cores", "2")
    manifest = json.loads((workdir / "results/data/mnist/download.json").read_text())
    assert {name: entry["checksum"] for name, entry in manifest["files"].items()} == checksums
    assert sorted(p.name for p in (tmp_path / "data/mnist").iterdir()) == sorted(checksums)
    with np.load(workdir / "results/data/mnist/raw.npz") as raw:
        assert raw["X"].shape == (400, 14, 14)
        assert np.bincount(raw["y"]).min() >= 35  # stratified subsample of 10 classes
    row = pd.read_csv(workdir / "results/tstr/mnist.csv").iloc[0]
    assert row["dataset"] == "mnist" and row["epochs_run"] == 6
    assert row["trtr_logistic_regression_accuracy"] > 0.8


def test_lfw_faces_flow_through_the_dag_with_an_identification_check(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    people = {f"Person_{chr(65 + i)}": 24 for i in range(4)} | {"Rarely_Seen": 3}
    write_lfwcrop_zip(served / "lfwcrop_grey.zip", people)
    config = {
        **TINY,
        "datasets": ["lfw"],
        "data_dir": str(tmp_path / "data"),
        "download": {"retries": 1, "backoff_seconds": 0.0, "timeout_seconds": 10},
        "data": {"lfw": {"size": [14, 14], "min_faces_per_person": 20}},
    }
    with serve(served) as url:
        config["data"]["lfw"]["mirrors"] = [url]
        workdir = new_workdir(tmp_path / "lfw", config)
        snakemake(workdir, "--cores", "2")
    with np.load(workdir / "results/data/lfw/raw.npz") as raw:
        assert raw["X"].shape == (96, 14, 14)  # Rarely_Seen has fewer than 20 faces
    table = pd.read_csv(workdir / "results/tstr/lfw.csv")
    readme = (REPO / "README.md").read_text()
    for column in table.columns:
        if column.startswith("identification_"):
            assert f"| `{column}` |" in readme, f"{column} is not documented in README.md"
    row = table.iloc[0]
    assert row["identification_accuracy_real"] > 0.9  # four clearly different fixture faces
    for column in ("identification_rate_real", "identification_rate_synthetic"):
        assert 0.0 <= row[column] <= 1.0


def test_bad_checksum_stops_the_dag_with_the_url_and_leaves_nothing(mnist_server, tmp_path):
    url, checksums = mnist_server
    name = "t10k-labels-idx1-ubyte.gz"
    wrong = {**checksums, name: "md5:" + "f" * 32}
    workdir = new_workdir(tmp_path / "bad", mnist_config(tmp_path / "data", url, wrong))
    result = snakemake(workdir, "--cores", "1", check=False)
    assert result.returncode != 0
    log = (workdir / "results/logs/download/mnist.log").read_text()
    assert f"checksum mismatch for {name} from {url}{name}" in log
    assert "f" * 32 in log and checksums[name][4:] in log
    assert not (tmp_path / "data/mnist" / name).exists()
    assert not (workdir / "results/data/mnist/download.json").exists()


def test_bundled_aeon_dataset_runs_through_the_dag_without_network(tmp_path):
    config = {**TINY, "datasets": ["basicmotions"], "data_dir": str(tmp_path / "data")}
    workdir = new_workdir(tmp_path / "ucr", config)
    snakemake(workdir, "--cores", "2")
    row = pd.read_csv(workdir / "results/tstr/basicmotions.csv").iloc[0]
    assert row["dataset"] == "basicmotions" and row["status"] == "completed"
    assert 0.0 <= row["tstr_logistic_regression_accuracy"] <= 1.0
    assert row["trtr_random_forest_accuracy"] > 0.6  # 4 activities from 6 motion channels
    with np.load(workdir / "results/data/basicmotions/raw.npz") as raw:
        assert raw["X"].shape == (80, 100, 6)
    assert not (tmp_path / "data").exists()  # nothing downloaded


def test_unlabelled_protocol_dataset_runs_through_the_dag_with_an_rgan(tmp_path):
    """sines (generated, no labels, protocol mode): trained by an RGAN on every window, and
    evaluated without TRTR/TSTR (no real labels) but with every fidelity and detection score."""
    config = {
        **TINY,
        "datasets": ["sines"],
        "data": {"sines": {"max_samples": 800}},
        "run": {"model": "rgan", "hidden": 16, "match_marginals": True},
        "train": {**TINY["train"], "epochs": 2},
        "evaluate": {
            **TINY["evaluate"],
            "max_points": 300,
            "mmd_permutations": 20,
            "protocol_repeats": 2,
        },
        "benchmark": {
            "name": "tiny",
            "datasets": ["sines"],
            "when_present": ["stocks"],
            "targets": ["sines"],
            "targets_when_present": ["stocks"],
        },
        "data_dir": str(tmp_path / "data"),
    }
    workdir = new_workdir(tmp_path / "sines", config)
    snakemake(workdir, "--cores", "2")
    row = pd.read_csv(workdir / "results/tstr/sines.csv").iloc[0]
    assert row["run"] == "model~rgan/hidden~16/match_marginals~True/seed~0"
    assert row["status"] == "completed"
    assert not [column for column in row.index if column.startswith(("trtr_", "tstr_"))]
    assert row["mmd2"] > 0 and 0.0 <= row["detection_strongest"] <= 0.5
    # The protocol's scores, against every real window, mean and half-width over 2 seeds.
    assert 0.0 <= row["protocol_discriminative"] <= 0.5
    # A sigmoid predictor's MAE on [0, 1] data (2 epochs of training: far from the real 0.094).
    assert 0.0 < row["protocol_predictive"] < 1.0 and row["protocol_context_fid"] > 0
    assert row["protocol_correlational"] > 0 and row["protocol_predictive_ci95"] >= 0
    # The samples before marginal matching get the targets' protocol scores too.
    for score in ("discriminative", "predictive"):
        assert 0.0 <= row[f"raw_protocol_{score}"] < 1.0
        assert row[f"raw_protocol_{score}"] != row[f"protocol_{score}"]
    # Every window trained the generator: no held-out data, so no membership attack.
    assert row[["mia_auc", "memorisation_p_value"]].isna().all()
    readme = (REPO / "README.md").read_text()
    for column in [name for name in row.index if name.startswith("protocol_")]:
        generic = re.sub(r"^protocol_\w+_ci95$", "protocol_<score>_ci95", column)
        assert f"| `{generic}` |" in readme, f"column {column} is not documented in README.md"
    with np.load(workdir / "results/data/sines/prepared.npz") as prepared:
        assert prepared["X_train"].shape == (800, 24, 5)  # protocol: every sequence
    # The benchmark tables from the same run (nothing retrained); stocks' file is not at hand.
    tables = ["results/benchmark/protocol.csv", "results/benchmark/targets.csv"]
    result = snakemake(workdir, "--cores", "2", *tables)
    assert "rule train:" not in result.stderr and "rule protocol_benchmark:" in result.stderr
    ours = pd.read_csv(workdir / "results/benchmark/protocol.csv")
    assert ours[["benchmark", "dataset", "run"]].values.tolist() == [["tiny", "sines", row["run"]]]
    assert ours.at[0, "protocol_predictive"] == row["protocol_predictive"]
    table = (workdir / "results/benchmark/protocol.md").read_text()
    assert f"| RGAN (tiny: {row['run']}) | {row['protocol_predictive']:.3f} ± " in table
    assert "stocks: not run, its files are not in data_dir" in table
    targets = pd.read_csv(workdir / "results/benchmark/targets.csv").set_index("column")
    assert set(targets["dataset"]) == {"sines"}
    assert targets.at["protocol_predictive", "value"] == row["protocol_predictive"]
    assert targets.at["protocol_predictive", "raw_value"] == row["raw_protocol_predictive"]
    assert targets.at["train_seconds", "value"] == row["train_seconds"]
    assert bool(targets.at["train_seconds", "met"])  # 2 epochs: well within 15 minutes
    targets_md = (workdir / "results/benchmark/targets.md").read_text()
    assert "stocks: not run, its files are not in data_dir" in targets_md


def test_unreadable_file_stops_preparation_naming_it_and_leaves_no_output(tmp_path):
    served = tmp_path / "served"
    write_mnist_fixture(served)
    labels = served / "train-labels-idx1-ubyte.gz"
    labels.write_bytes((served / "train-images-idx3-ubyte.gz").read_bytes())  # wrong magic
    checksums = {path.name: md5(path) for path in served.iterdir()}
    with serve(served) as url:
        config = mnist_config(tmp_path / "data", url, checksums)
        workdir = new_workdir(tmp_path / "magic", config)
        result = snakemake(workdir, "--cores", "1", check=False)
    assert result.returncode != 0
    log = (workdir / "results/logs/prepare_data/mnist.log").read_text()
    assert "train-labels-idx1-ubyte.gz: bad IDX magic number 0x00000803" in log
    assert (workdir / "results/data/mnist/download.json").exists()  # the download was fine
    assert not (workdir / "results/data/mnist/raw.npz").exists()
    assert not list((workdir / "results/data/mnist").glob("*.tmp"))
