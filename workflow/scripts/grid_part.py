"""The rows of one part of a shared grid: its runs, trained and evaluated by this part."""

from rgan import logs
from rgan.evaluate import results_table
from rgan.io import atomic_path, read_json

logger = logs.setup(snakemake.log[0])
table = results_table([read_json(path) for path in snakemake.input.evaluations])
with atomic_path(snakemake.output[0]) as tmp:
    table.to_csv(tmp, index=False)
logger.info(
    "part %s of %s: %d runs", snakemake.wildcards.part, snakemake.wildcards.parts, len(table)
)
