"""The grid seen by point: seeds averaged (results/tstr/<dataset>_points.csv), a figure of one
metric against each hyper-parameter the grid varies, with a heat map over two of them, and the
privacy frontier (utility and leakage against the ε of the private points)."""

import pandas as pd

from rgan import logs, plots
from rgan.grid import by_point, frontier_curves, frontier_metrics, plot_choices, varied
from rgan.io import atomic_path

logger = logs.setup(snakemake.log[0])
dataset = snakemake.wildcards.dataset
table = pd.read_csv(snakemake.input.csv)
points = by_point(table)
with atomic_path(snakemake.output.points) as tmp:
    points.to_csv(tmp, index=False)
metric, heatmap = plot_choices(
    table, snakemake.params.metric, snakemake.params.heatmap, snakemake.params.classifier
)
axes_keys = varied(table)
runs = f"{len(table)} run" + ("s" if len(table) != 1 else "")
title = f"{dataset}: {metric} over the grid ({runs})"
plots.grid_plot(table, metric, axes_keys, heatmap, snakemake.output.figure, title)
logger.info(
    "%d runs in %d grid points; axes %s, heat map %s", len(table), len(points), axes_keys, heatmap
)
frontier = frontier_metrics(points, snakemake.params.classifier)
plots.frontier_plot(
    points,
    frontier,
    frontier_curves(points),
    snakemake.output.frontier,
    f"{dataset}: what each unit of privacy costs ({runs})",
)
