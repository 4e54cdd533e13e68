"""Stratified split and [-1, 1] scaling fitted on the training split; a picture of real inputs.
Data that cannot be split or trained on are refused naming raw.npz."""

from rgan import logs, plots
from rgan.data.prepare import split_and_scale
from rgan.data.sequences import SequenceDataset

logger = logs.setup(snakemake.log[0])
split = snakemake.params.split
prepared = split_and_scale(
    SequenceDataset.load(snakemake.input[0]),
    val_fraction=split["val_fraction"],
    test_fraction=split["test_fraction"],
    seed=split["seed"],
    normalise=snakemake.params.normalise,
    source=snakemake.input[0],
)
prepared.save(snakemake.output.prepared)
plots.class_grid(
    prepared.X["train"],
    prepared.y["train"],
    prepared.class_names,
    snakemake.output.real_inputs,
    title=f"Real {snakemake.wildcards.dataset} training inputs ({prepared.scaler.method})",
    meta=prepared.meta,
)
logger.info("split sizes: %s", {name: len(y) for name, y in prepared.y.items()})
