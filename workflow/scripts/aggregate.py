"""One CSV row per run (hyper-parameters, training summary, every metric), the same table as a
sortable HTML page, and the best run's samples beside real ones, for the report."""

from rgan import logs, plots
from rgan.data.prepare import PreparedData
from rgan.data.sequences import SequenceDataset
from rgan.evaluate import best_run, write_results_table
from rgan.results_page import write_results_page

logger = logs.setup(snakemake.log[0])
dataset = snakemake.wildcards.dataset
table = write_results_table(snakemake.input.evaluations, snakemake.output.csv)
write_results_page(table, snakemake.output.page, f"Results: {dataset}")
best = best_run(table, snakemake.params.classifier)
data = PreparedData.load(snakemake.input.prepared)
synthetic = SequenceDataset.load(snakemake.params.samples.format(run=table.loc[best, "run"]))
plots.side_by_side(
    data.X["test"],
    data.y["test"],
    synthetic.X,
    synthetic.y,
    data.n_classes,
    data.meta,
    snakemake.output.best,
    f"{dataset}, best run: {table.loc[best, 'run']}",
)
logger.info("%d runs → %s; best run %s", len(table), snakemake.output.csv, table.loc[best, "run"])
