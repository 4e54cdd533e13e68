"""Read a dataset from its source and store it as labelled sequences (raw.npz)."""

from rgan import logs
from rgan.data import load_dataset

logger = logs.setup(snakemake.log[0])
dataset = load_dataset(snakemake.wildcards.dataset)
dataset.save(snakemake.output[0])
logger.info(
    "%s: %d sequences of %d steps × %d features, %d classes",
    snakemake.wildcards.dataset,
    *dataset.X.shape,
    len(dataset.class_names),
)
