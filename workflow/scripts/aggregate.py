"""One CSV row per run (hyper-parameters, training summary, every metric) and the same table as a
sortable HTML page, for the report."""

from rgan import logs
from rgan.evaluate import write_results_table
from rgan.results_page import write_results_page

logger = logs.setup(snakemake.log[0])
dataset = snakemake.wildcards.dataset
table = write_results_table(snakemake.input.evaluations, snakemake.output.csv)
write_results_page(table, snakemake.output.page, f"Results: {dataset}")
logger.info("%d runs → %s", len(table), snakemake.output.csv)
