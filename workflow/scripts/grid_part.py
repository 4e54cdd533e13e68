"""The rows of one part of a shared grid: its runs, trained and evaluated by this part."""

from rgan import logs
from rgan.evaluate import write_results_table

logger = logs.setup(snakemake.log[0])
table = write_results_table(snakemake.input.evaluations, snakemake.output[0])
logger.info(
    "part %s of %s: %d runs", snakemake.wildcards.part, snakemake.wildcards.parts, len(table)
)
