"""Read a dataset from its verified files and store it as labelled sequences (raw.npz)."""

from pathlib import Path

from rgan import logs
from rgan.data import load_dataset
from rgan.io import read_json

logger = logs.setup(snakemake.log[0])
manifest = read_json(snakemake.input[0])
dataset = load_dataset(
    snakemake.wildcards.dataset,
    snakemake.params.options,
    {name: Path(entry["path"]) for name, entry in manifest["files"].items()},
)
dataset.save(snakemake.output[0])
logger.info(
    "%s: %d sequences of %d steps × %d features, %d classes",
    snakemake.wildcards.dataset,
    *dataset.X.shape,
    len(dataset.class_names),
)
