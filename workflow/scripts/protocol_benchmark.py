"""Our runs' protocol scores beside Diffusion-TS's Table 1: results/benchmark/protocol.csv and
protocol.md."""

import pandas as pd

from rgan import logs
from rgan.benchmark import markdown_table, our_rows
from rgan.io import atomic_path

logger = logs.setup(snakemake.log[0])
tables = {
    dataset: pd.read_csv(path)
    for dataset, path in zip(snakemake.params.datasets, snakemake.input.tables, strict=True)
}
ours = our_rows(tables, snakemake.params.name)
with atomic_path(snakemake.output.csv) as tmp:
    ours.to_csv(tmp, index=False)
table = markdown_table(ours, snakemake.params.left_out)
with atomic_path(snakemake.output.markdown) as tmp:
    tmp.write_text(table)
logger.info("%s", table)
