"""One CSV row per run: hyper-parameters, training summary and every metric."""

from rgan import logs
from rgan.evaluate import results_table
from rgan.io import atomic_path, read_json

logger = logs.setup(snakemake.log[0])
table = results_table([read_json(path) for path in snakemake.input])
with atomic_path(snakemake.output[0]) as tmp:
    table.to_csv(tmp, index=False)
logger.info("%d runs → %s", len(table), snakemake.output[0])
