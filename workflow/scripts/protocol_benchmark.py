"""Our runs' protocol scores beside Diffusion-TS's Table 1: results/benchmark/protocol.csv and
protocol.md (rgan.benchmark.write_benchmark)."""

from rgan import logs
from rgan.benchmark import write_benchmark

logger = logs.setup(snakemake.log[0])
tables = dict(zip(snakemake.params.datasets, snakemake.input.tables, strict=True))
table = write_benchmark(
    tables,
    snakemake.params.name,
    snakemake.params.left_out,
    snakemake.output.csv,
    snakemake.output.markdown,
)
logger.info("%s", table)
