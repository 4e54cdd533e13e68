"""One CSV row per run (hyper-parameters, training summary, every metric), and the same table
as a sortable HTML page for the report."""

from rgan import logs
from rgan.evaluate import results_table
from rgan.io import atomic_path, read_json
from rgan.results_page import write_results_page

logger = logs.setup(snakemake.log[0])
table = results_table([read_json(path) for path in snakemake.input])
with atomic_path(snakemake.output.csv) as tmp:
    table.to_csv(tmp, index=False)
write_results_page(table, snakemake.output.page, f"Results: {snakemake.wildcards.dataset}")
logger.info("%d runs → %s", len(table), snakemake.output.csv)
