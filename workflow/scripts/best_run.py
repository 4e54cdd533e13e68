"""The best run's samples beside real test data, for the report. The rule declares the samples of
every run of the grid; this reads only the best run's, found among them by its run path."""

from pathlib import PurePosixPath

import pandas as pd

from rgan import logs, plots
from rgan.data.prepare import PreparedData
from rgan.data.sequences import SequenceDataset
from rgan.evaluate import best_run

logger = logs.setup(snakemake.log[0])
dataset = snakemake.wildcards.dataset
table = pd.read_csv(snakemake.input.csv)
run = table.loc[best_run(table, snakemake.params.classifier), "run"]
# A samples file is .../{dataset}/{run}/samples.npz: its folders end in the dataset, then the run.
wanted = (dataset, *PurePosixPath(run).parts)
found = [
    path
    for path in snakemake.input.samples
    if PurePosixPath(path).parent.parts[-len(wanted) :] == wanted
]
if len(found) != 1:
    raise ValueError(
        f"the best run of {snakemake.input.csv}, {run}, has {len(found)} samples files among "
        f"the {len(snakemake.input.samples)} this rule declares (it needs exactly one): is the "
        "table from another grid than the config's? Rerun aggregate for this dataset."
    )
data = PreparedData.load(snakemake.input.prepared)
synthetic = SequenceDataset.load(found[0])
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
