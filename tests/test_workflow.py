"""End to end: the real Snakemake workflow on digits with a tiny budget, in a temporary folder."""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from browser import Browser, chromium_path
from runner import (
    CLASSIFIERS,
    REPO,
    SNAKEMAKE,
    TINY,
    new_workdir,
    planned_jobs,
    run_in_group,
    snakemake,
)

from rgan.metrics.detection import DETECTORS
from rgan.metrics.per_class import LARGER_IS_WORSE

# The tiny budget with the per-class scores, which this file's run checks (others leave them off).
E2E = {**TINY, "evaluate": {**TINY["evaluate"], "per_class": True}}


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A working directory in which the whole default target has been built."""
    workdir = new_workdir(tmp_path_factory.mktemp("e2e") / "first", E2E)
    snakemake(workdir, "--cores", "2")
    return workdir


def csv_of(workdir: Path) -> pd.DataFrame:
    return pd.read_csv(workdir / "results/tstr/digits.csv")


def test_csv_has_the_documented_columns_with_values_in_range(finished):
    table = csv_of(finished)
    assert len(table) == 1
    row = table.iloc[0]
    readme = (REPO / "README.md").read_text()
    for column in table.columns:
        generic = re.sub(f"^detection_({'|'.join(DETECTORS)})$", "detection_<detector>", column)
        generic = re.sub("|".join(CLASSIFIERS), "<classifier>", generic)
        generic = re.sub("_(accuracy|f1_macro|auroc|auprc)", "_<metric>", generic)
        generic = re.sub(r"_x\d+_", "_x<m>_", generic)
        generic = re.sub(
            f"^worst_class_({'|'.join(LARGER_IS_WORSE)})", "worst_class_<score>", generic
        )
        assert f"| `{generic}` |" in readme, f"column {column} is not documented in README.md"
    assert row["dataset"] == "digits" and row["hidden"] == 32 and row["status"] == "completed"
    assert (
        row["run"] == "hidden~32/batch_size~32/seed~0" and row["point"] == "hidden~32/batch_size~32"
    )
    assert 1 <= row["best_epoch"] <= row["epochs_run"] == 6
    for name in CLASSIFIERS:
        for kind in ("trtr", "tstr", "trts"):
            for metric in ("accuracy", "f1_macro"):
                assert 0.0 <= row[f"{kind}_{name}_{metric}"] <= 1.0
                assert 0.0 <= row[f"{kind}_{name}_{metric}_std"] < 0.2
        assert row[f"tstr_trtr_ratio_{name}"] == pytest.approx(
            row[f"tstr_{name}_accuracy"] / row[f"trtr_{name}_accuracy"]
        )
        assert row[f"trtr_{name}_accuracy"] > 0.9
        assert 0.0 <= row[f"tstr_x2_{name}_accuracy"] <= 1.0  # twice the synthetic samples
    assert abs(row["mmd2_floor"]) < 0.01
    assert row["mmd2"] > row["mmd2_floor"] and 0 < row["mmd2_p_value"] <= 1
    assert 0.0 <= row["mia_auc"] <= 1.0 and 0 < row["memorisation_p_value"] <= 1
    detectors = {"gru": row["discriminative_score"]} | {
        name: row[f"detection_{name}"] for name in DETECTORS
    }
    assert all(0.0 <= score <= 0.5 for score in detectors.values())
    assert row["detection_strongest"] == pytest.approx(max(detectors.values()))
    assert detectors[row["detection_strongest_by"]] == row["detection_strongest"]
    # Per class: every class of the run's samples scored, the worst of each score in the CSV.
    result = json.loads(next((finished / "results/eval/digits").glob("**/*.json")).read_text())
    classes = result["per_class"]
    assert list(classes) == [str(label) for label in range(10)]
    for score, larger_is_worse in LARGER_IS_WORSE.items():
        values = {name: scores[score] for name, scores in classes.items()}
        worst = (max if larger_is_worse else min)(values, key=values.__getitem__)
        assert row[f"worst_class_{score}"] == pytest.approx(values[worst])
        assert str(row[f"worst_class_{score}_class"]) == worst
    for figure in ("embedding.png", "privacy.png", "per_class.png"):
        assert next((finished / "results/eval/digits").rglob(figure)).stat().st_size > 5000
    assert (finished / "results/tstr/digits_best.png").stat().st_size > 5000
    assert (finished / "results/data/digits/real_inputs.png").stat().st_size > 1000
    assert list((finished / "results/checkpoints/digits").rglob("state.pt"))


def test_training_log_shows_progress_and_the_csv_history(finished):
    log = next((finished / "results/logs/train").rglob("*.log")).read_text()
    assert re.search(r"epoch 6/6 .*d_loss .*g_loss .*\|∇D\| .*\|∇G\| .*val_mmd2 .*ETA", log)
    history = pd.read_csv(next((finished / "results/models").rglob("log.csv")))
    assert list(history.columns) == [
        "epoch",
        "d_loss",
        "g_loss",
        "d_grad_norm",
        "g_grad_norm",
        "lr",
        "g_factor",
        "val_mmd2",
        "val_tstr",
        "val_trtr",
        "seconds",
        "dp_epsilon",
    ]
    assert history["epoch"].tolist() == [1, 2, 3, 4, 5, 6]
    assert history["dp_epsilon"].isna().all()  # no differential privacy
    # TSTR's reference, computed once: on every validated epoch, and only there.
    validated = history["val_tstr"].notna()
    assert validated.any() and history.loc[validated, "val_trtr"].nunique() == 1
    assert history.loc[~validated, "val_trtr"].isna().all()
    assert 0.8 < history["val_trtr"].max() <= 1.0  # digits are easy for logistic regression


def test_second_dry_run_has_nothing_to_do(finished):
    result = snakemake(finished, "--dry-run")
    assert "Nothing to be done" in result.stdout + result.stderr


def test_raised_epochs_continue_training_and_a_failed_continuation_claims_no_model(
    finished, tmp_path
):
    """Raising train.epochs reruns training onwards only. With both checkpoints damaged, that
    job fails naming the files and what to do, and nothing made from the model it replaced is
    left, so a rerun rebuilds (never "Nothing to be done" with the model missing); with the good
    checkpoints back, the rerun continues from epoch 6."""
    workdir = tmp_path / "changed"
    shutil.copytree(finished, workdir)
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["train"]["epochs"] = 8
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    assert planned_jobs(workdir) == {
        "all": 1,
        "train": 1,
        "evaluate": 1,
        "aggregate": 1,
        "best_run": 1,
        "summarise_grid": 1,
    }
    folder = next((workdir / "results/checkpoints").rglob("state.pt")).parent
    relative = folder.relative_to(workdir)
    for name in ("state.pt", "state.previous.pt"):
        (folder / name).write_bytes((finished / relative / name).read_bytes()[:1000])

    failed = snakemake(workdir, "--cores", "2", check=False)
    assert failed.returncode != 0
    log = next((workdir / "results/logs/train").rglob("*.log")).read_text()
    assert f"no readable checkpoint in {relative}: state.pt: not a readable" in log
    assert f"`mv {relative} {relative}.broken`" in log
    for made_from_model in ("models/**/generator.pt", "synthetic/**/samples.npz", "eval/**/*.json"):
        assert not list((workdir / "results").glob(made_from_model)), made_from_model
    assert not list((workdir / "results").glob("tstr/*"))
    assert planned_jobs(workdir)["train"] == 1

    for name in ("state.pt", "state.previous.pt"):
        shutil.copy(finished / relative / name, folder / name)
    raw = workdir / "results/data/digits/raw.npz"
    before = raw.stat().st_mtime_ns
    snakemake(workdir, "--cores", "2")
    assert raw.stat().st_mtime_ns == before
    card = json.loads(next((workdir / "results/models").rglob("card.json")).read_text())
    assert card["epochs_run"] == 8
    assert card["resumed_from_epoch"] == 6  # continued from the 6-epoch checkpoint
    assert csv_of(workdir).loc[0, "epochs_run"] == 8

    config["run"]["hidden"] = 16  # a new run: a new path, trained from scratch
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    assert set(planned_jobs(workdir)) == {
        "all",
        "train",
        "evaluate",
        "aggregate",
        "best_run",
        "summarise_grid",
    }


def planned_files(workdir: Path) -> dict[str, list[dict[str, set[str]]]]:
    """Rule → the `input` and `output` files of each job a dry run plans."""
    output = snakemake(workdir, "--dry-run").stdout
    jobs: dict[str, list[dict[str, set[str]]]] = {}
    for rule, body in re.findall(r"^rule (\w+):\n((?: +.*\n)*)", output, re.MULTILINE):
        fields = dict(re.findall(r"^ +(input|output): (.*)$", body, re.MULTILINE))
        files = {key: set(fields.get(key, "").split(", ")) - {""} for key in ("input", "output")}
        jobs.setdefault(rule, []).append(files)
    return jobs


def test_the_best_run_figure_declares_every_file_it_may_read(tmp_path):
    """best_run reads the table, the real test data and the best run's samples, so it declares
    them, with every run's samples (which run is best is known only from the table); aggregate
    reads the evaluations only and writes just the tables (a dry run, nothing is trained)."""
    workdir = new_workdir(tmp_path / "grid", {**TINY, "grid": {"hidden": [16, 32]}})
    jobs = planned_files(workdir)
    samples = {path for job in jobs["evaluate"] for path in job["output"]}
    samples = {path for path in samples if path.endswith("/samples.npz")}
    assert len(samples) == 2
    [best] = jobs["best_run"]
    csv, prepared = "results/tstr/digits.csv", "results/data/digits/prepared.npz"
    assert best["input"] == {csv, prepared} | samples
    assert best["output"] == {"results/tstr/digits_best.png"}
    [aggregate] = jobs["aggregate"]
    assert aggregate["output"] == {csv, "results/tstr/digits.html"}
    assert len(aggregate["input"]) == 2
    assert all(path.startswith("results/eval/digits/") for path in aggregate["input"])
    [target] = jobs["all"]
    assert "results/tstr/digits_best.png" in target["input"]


def test_a_batch_of_aggregate_makes_only_its_share_of_the_grid(tmp_path):
    """best_run needs every run's samples, yet a batch before the last (which leaves best_run
    out) trains and samples only its own runs (a dry run)."""
    workdir = new_workdir(tmp_path / "grid", {**TINY, "grid": {"hidden": [16, 32]}})
    first, whole = planned_jobs(workdir, "--batch", "aggregate=1/2"), planned_jobs(workdir)
    for rule in ("train", "evaluate"):
        assert (first[rule], whole[rule]) == (1, 2), rule
    assert "best_run" not in first and whole["best_run"] == 1


def test_unconditional_convolutional_rgan_runs_through_the_dag(tmp_path):
    """RGAN samples carry no labels: the CSV has TRTR and MMD² but no TSTR/TRTS; the 2-D
    convolutions and TensorBoard files come from the config alone. The run's thread count is
    probed at its start, logged, and in the CSV."""
    config = {**TINY, "run": {**TINY["run"], "model": "rgan", "conv": "2d"}}
    train = {"tensorboard": True, "snapshot_every": 2, "thread_probe": True}
    config["train"] = {**TINY["train"], **train}
    workdir = new_workdir(tmp_path / "rgan", config)
    snakemake(workdir, "--cores", "2")
    row = csv_of(workdir).iloc[0]
    log = next((workdir / "results/logs/train/digits").rglob("*.log")).read_text()
    probed = re.search(
        r"threads: training steps/s [\d.]+ with 1, [\d.]+ with 2 threads; "
        r"this run trains with (\d)",
        log,
    )
    assert probed and row["threads"] == int(probed.group(1))
    assert row["model"] == "rgan" and row["conv"] == "2d" and row["status"] == "completed"
    for name in CLASSIFIERS:
        assert row[f"trtr_{name}_accuracy"] > 0.9
        assert np.isnan(row[f"tstr_{name}_accuracy"]) and np.isnan(row[f"trts_{name}_f1_macro"])
    assert np.isfinite(row["mmd2"]) and np.isnan(row["best_val_tstr"])
    samples = np.load(next((workdir / "results/synthetic").rglob("*.npz")))
    n_train = len(np.load(workdir / "results/data/digits/prepared.npz")["y_train"])
    assert set(samples["y"]) == {-1} and len(samples["y"]) == 2 * n_train  # TINY's 1× and 2×
    assert not any(column.startswith("tstr_x2_") for column in row.index)  # no labels, no TSTR
    assert list((workdir / "results/tensorboard/digits").rglob("events.out.tfevents.*"))


def test_rerun_from_scratch_gives_the_same_csv(finished, tmp_path):
    again = new_workdir(tmp_path / "again", E2E)
    snakemake(again, "--cores", "2")
    timing = ["train_seconds"]
    pd.testing.assert_frame_equal(
        csv_of(again).drop(columns=timing), csv_of(finished).drop(columns=timing)
    )


def test_report_contains_the_results_table(finished):
    snakemake(finished, "--report", "report.html")
    html = (finished / "report.html").read_text()
    entries = json.loads(re.search(r"var results = (\{.*?\});\s*</script>", html, re.S).group(1))
    table = entries["results/tstr/digits.csv"]
    assert table["mime_type"] == "text/csv"
    embedded = base64.b64decode(table["data_uri"].split("base64,", 1)[1]).decode()
    assert embedded == (finished / "results/tstr/digits.csv").read_text()
    categories = {Path(path).name for path in entries}
    assert {"real_inputs.png", "grid.png", "training.png", "progress.gif"} <= categories
    assert {
        "embedding.png",
        "privacy.png",
        "per_class.png",
        "digits_best.png",
        "digits_grid.png",
        "digits_points.csv",
    } <= categories


CLICK = """(() => {
  const items = Array.from(document.querySelectorAll("a, label"));
  const item = items.find((element) => element.textContent.trim() === %s);
  if (item) item.click();
  return Boolean(item);
})()"""
# After choosing a category: click the first "view" button that shows a result in the page.
VIEW = """(() => {
  const eye = document.querySelector('a[iconname="eye"][href="#"]');
  if (eye) eye.click();
  return Boolean(eye);
})()"""


def test_report_renders_in_headless_chromium(finished):
    """The report as a user sees it: Chromium opens report.html, the Results category shows
    the sortable table with the run's metrics, Samples shows an image, and no JavaScript error
    is logged on the way."""
    if chromium_path() is None:
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    snakemake(finished, "--report", "report.html")
    row = csv_of(finished).iloc[0]
    with Browser() as browser:
        browser.open((finished / "report.html").as_uri())
        browser.wait_until(CLICK % '"Results"')
        browser.wait_until(CLICK % '"sortable table"')
        browser.wait_until(VIEW)
        browser.wait_until("document.querySelector('iframe[src^=\"data:text/html\"]') !== null")
        page = browser.frame_context("data:text/html")
        text = browser.wait_until(
            "document.querySelector('table') && document.body.innerText", 15, page
        )
        headers = browser.evaluate(
            "Array.from(document.querySelectorAll('th'), th => th.textContent)", page
        )
        cells = browser.evaluate(
            "Array.from(document.querySelectorAll('tbody td'), td => td.textContent)", page
        )
        table = dict(zip(headers, cells, strict=True))
        assert "Results: digits" in text
        for metric in (
            "tstr_logistic_regression_accuracy",
            "mmd2",
            "mia_auc",
            "memorisation_p_value",
        ):
            assert float(table[metric]) == pytest.approx(row[metric], rel=1e-3, abs=1e-9)
        assert table["run"] == row["run"]
        assert headers[:4] == ["dataset", "run", "detection_strongest", "detection_strongest_by"]
        strongest = float(table["detection_strongest"])
        assert strongest == pytest.approx(row["detection_strongest"], rel=1e-3, abs=1e-9)
        assert table["detection_strongest_by"] == row["detection_strongest_by"]
        browser.open((finished / "report.html").as_uri())
        browser.wait_until(CLICK % '"Samples"')
        browser.wait_until(VIEW)
        width = browser.wait_until(
            "(document.querySelector('img[src^=\"data:image/png\"]') || {}).naturalWidth"
        )
        assert width > 100
        assert browser.errors == []


def test_browser_catches_javascript_errors(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<p>hi</p><script>console.error('bad'); undefinedFunction();</script>")
    with Browser() as browser:
        browser.open(page.as_uri())
        assert browser.wait_until("document.body.innerText") == "hi"
        browser.wait_until("true")
    assert browser.errors[0] == "bad" and "undefinedFunction is not defined" in browser.errors[1]


@pytest.mark.parametrize(
    ("section", "value", "named"),
    [
        ("run", {"hiden": 64}, "run: unknown run parameters ['hiden']"),
        ("train", {"epochs": "many"}, "'many' is not of type 'integer'"),
        ("evaluate", {"classifiers": ["svm"]}, "'svm' is not one of"),
        (
            "grid",
            {"dp_noise_multiplier": [1.0], "spectral_norm": [True]},
            "differential privacy (dp_noise_multiplier > 0 or dp_target_epsilon) cannot be "
            "combined with spectral_norm: Opacus",
        ),
    ],
)
def test_bad_config_stops_before_any_job_and_names_the_key(tmp_path, section, value, named):
    workdir = new_workdir(tmp_path / "bad", {**TINY, section: value})
    result = snakemake(workdir, "--cores", "1", check=False)
    assert result.returncode != 0
    assert named in result.stderr
    assert list(value)[0] in result.stderr
    assert not (workdir / "results").exists()


def test_snakemake_lint_reports_nothing():
    result = run_in_group([SNAKEMAKE, "--lint"], timeout=300, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Lints for" not in result.stdout + result.stderr
