"""Each data set's runs against its quality targets: results/benchmark/targets.csv and
targets.md (rgan.targets.write_targets)."""

from rgan import logs
from rgan.targets import write_targets

logger = logs.setup(snakemake.log[0])
tables = dict(zip(snakemake.params.datasets, snakemake.input.tables, strict=True))
table = write_targets(
    tables, snakemake.params.left_out, snakemake.output.csv, snakemake.output.markdown
)
logger.info("%s", table)
