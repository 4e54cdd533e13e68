import numpy as np
import pandas as pd
import pytest
from PIL import Image

from rgan.grid import (
    by_point,
    frontier_curves,
    frontier_metrics,
    plot_choices,
    point_of,
    varied,
)
from rgan.plots import frontier_plot, grid_plot

RUN = "model~rcgan/cell~lstm/hidden~{hidden}/lr~{lr}/seed~{seed}"


def results(ratios: dict[tuple[int, float, int], float]) -> pd.DataFrame:
    """A results table as aggregate writes it, for runs (hidden, lr, seed) → TSTR/TRTR ratio."""
    rows = [
        {
            "dataset": "digits",
            "run": RUN.format(hidden=hidden, lr=lr, seed=seed),
            "point": point_of(RUN.format(hidden=hidden, lr=lr, seed=seed)),
            "model": "rcgan",
            "cell": "lstm",
            "hidden": hidden,
            "lr": lr,
            "seed": seed,
            "status": "diverged" if ratio < 0.2 else "completed",
            "epochs_run": 10,
            "tstr_trtr_ratio_logistic_regression": ratio,
            "mmd2": 1 - ratio,
        }
        for (hidden, lr, seed), ratio in ratios.items()
    ]
    return pd.DataFrame(rows)


def test_point_is_the_run_without_its_seed():
    assert point_of("model~rcgan/hidden~64/seed~3") == "model~rcgan/hidden~64"
    assert point_of("seed~3/model~rcgan") == "model~rcgan"
    assert point_of("seed~0") == "defaults"


def test_seeds_of_a_point_are_averaged_and_statuses_kept():
    table = results(
        {(32, 0.01, 0): 0.8, (32, 0.01, 1): 0.9, (32, 0.01, 2): 0.1, (64, 0.01, 0): 0.7}
    )
    points = by_point(table).set_index("hidden")
    assert list(points["n_seeds"]) == [3, 1]
    assert points.loc[32, "statuses"] == "completed, diverged"
    assert points.loc[32, "tstr_trtr_ratio_logistic_regression_mean"] == pytest.approx(0.6)
    assert points.loc[32, "tstr_trtr_ratio_logistic_regression_sd"] == pytest.approx(
        np.std([0.8, 0.9, 0.1], ddof=1)
    )
    assert np.isnan(points.loc[64, "mmd2_sd"])  # one seed: no spread
    assert "seed_mean" not in points and "hidden_mean" not in points


def test_grid_figure_defaults_to_the_ratio_and_the_first_two_varied_keys(tmp_path):
    table = results(
        {(h, lr, s): 0.5 + h / 1000 + lr for h in (32, 64) for lr in (0.01, 0.1) for s in (0, 1)}
    )
    assert varied(table) == ["hidden", "lr"]
    metric, heatmap = plot_choices(table, None, None, "logistic_regression")
    assert (metric, heatmap) == ("tstr_trtr_ratio_logistic_regression", ("hidden", "lr"))
    unlabelled = table.assign(tstr_trtr_ratio_logistic_regression=np.nan)
    assert plot_choices(unlabelled, None, ["lr", "seed"], "logistic_regression") == (
        "mmd2",
        ("lr", "seed"),
    )
    with pytest.raises(ValueError, match="'tstr_cnn' is not a column"):
        plot_choices(table, "tstr_cnn", None, "logistic_regression")
    path = tmp_path / "grid.png"
    grid_plot(table, metric, ["hidden", "lr"], heatmap, path, "digits")
    assert Image.open(path).size[0] > 3 * Image.open(path).size[1] / 2  # three panels side by side
    grid_plot(table.iloc[:1], metric, [], None, tmp_path / "one.png", "digits")
    assert (tmp_path / "one.png").stat().st_size > 0


def test_privacy_frontier_has_a_panel_per_score_and_says_when_no_point_is_private(tmp_path):
    rows = []
    for noise, epsilon in ((0.0, np.nan), (0.5, 40.0), (1.0, 8.0), (2.0, 2.0)):
        for seed in (0, 1):
            run = f"dp_noise_multiplier~{noise}/seed~{seed}"
            rows.append(
                {
                    "dataset": "digits",
                    "run": run,
                    "point": point_of(run),
                    "dp_noise_multiplier": noise,
                    "seed": seed,
                    "status": "completed",
                    "dp_epsilon": epsilon + seed,
                    "tstr_trtr_ratio_logistic_regression": 0.9 - noise / 4,
                    "mia_auc": 0.6 - noise / 20,
                    "mmd2": 0.01,
                }
            )
    points = by_point(pd.DataFrame(rows))
    metrics = frontier_metrics(points, "logistic_regression")
    assert metrics == ["tstr_trtr_ratio_logistic_regression", "mia_auc"]
    assert frontier_curves(points) == []  # only ε varies
    assert points["dp_epsilon_mean"].tolist()[1:] == [40.5, 8.5, 2.5]
    frontier_plot(points, metrics, [], tmp_path / "frontier.png", "digits")
    width, height = Image.open(tmp_path / "frontier.png").size
    assert width > 2 * height  # two panels side by side
    plain = points[points["dp_noise_multiplier"] == 0]
    frontier_plot(
        plain, frontier_metrics(plain, "logistic_regression"), [], tmp_path / "no.png", ""
    )
    width, height = Image.open(tmp_path / "no.png").size
    assert width < 1.5 * height  # one panel: the message
