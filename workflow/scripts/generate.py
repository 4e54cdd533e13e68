"""Sample labelled synthetic sequences from a trained generator, with a picture per class."""

from rgan import logs, plots
from rgan.data.prepare import PreparedData
from rgan.generate import generate_balanced

logger = logs.setup(snakemake.log[0])
data = PreparedData.load(snakemake.input.prepared)
samples = generate_balanced(
    snakemake.input.generator,
    data,
    samples_per_class=snakemake.params.samples_per_class,
    seed=snakemake.params.seed,
    multiplier=snakemake.params.multiplier,
)
samples.save(snakemake.output.samples)
plots.class_grid(
    samples.X,
    samples.y,
    samples.class_names,
    snakemake.output.grid,
    title=f"Synthetic {snakemake.wildcards.dataset}: {snakemake.wildcards.run}",
    meta=samples.meta,
)
logger.info("wrote %d synthetic sequences", len(samples.y))
