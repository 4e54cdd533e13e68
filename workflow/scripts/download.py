"""Download (or find in data_dir) and verify a dataset's files; write their manifest."""

from rgan import logs
from rgan.data import fetch_dataset
from rgan.data.sources import RetryPolicy, resolve_data_dir
from rgan.io import write_json

logger = logs.setup(snakemake.log[0])
manifest = fetch_dataset(
    snakemake.wildcards.dataset,
    snakemake.params.options,
    resolve_data_dir(snakemake.params.data_dir),
    RetryPolicy.from_config(snakemake.params.policy),
)
write_json(snakemake.output[0], manifest)
logger.info("%d verified files", len(manifest["files"]))
