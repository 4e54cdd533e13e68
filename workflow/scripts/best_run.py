"""The best run's samples beside real test data, for the report. The rule declares the samples of
every run of the grid; this reads only the best run's (rgan.evaluate.best_run_samples)."""

import pandas as pd

from rgan import logs, plots
from rgan.data.prepare import PreparedData
from rgan.data.sequences import SequenceDataset
from rgan.evaluate import best_run_samples

logger = logs.setup(snakemake.log[0])
dataset = snakemake.wildcards.dataset
table = pd.read_csv(snakemake.input.csv)
run, samples = best_run_samples(
    table, snakemake.params.classifier, list(snakemake.input.samples), dataset
)
data = PreparedData.load(snakemake.input.prepared)
synthetic = SequenceDataset.load(samples)
plots.side_by_side(
    data.X["test"],
    data.y["test"],
    synthetic.X,
    synthetic.y,
    data.n_classes,
    data.meta,
    snakemake.output.best,
    f"{dataset}, best run: {run}",
)
logger.info("best of %d runs: %s → %s", len(table), run, snakemake.output.best)
