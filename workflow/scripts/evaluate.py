"""One run's synthetic sequences, drawn from its generator with a picture per class, and their
utility, fidelity and privacy metrics, with their figures."""

from rgan import logs, plots
from rgan.data.prepare import PreparedData
from rgan.evaluate import NO_CLASSES, PROTOCOL_PRIVACY, EvalSettings, evaluate_run
from rgan.generate import generate_balanced
from rgan.io import read_json, write_json

logger = logs.setup(snakemake.log[0])
data = PreparedData.load(snakemake.input.prepared)
card = read_json(snakemake.input.card)
title = f"{snakemake.wildcards.dataset}: {snakemake.wildcards.run}"

drawing = dict(
    samples_per_class=snakemake.params.samples_per_class,
    seed=card["params"]["seed"],
    multiplier=snakemake.params.multiplier,
    round_to_levels=snakemake.params.round_to_levels,
    lengths=snakemake.params.lengths,
)
synthetic = generate_balanced(snakemake.input.generator, data, **drawing)
raw = None
if card["params"].get("match_marginals"):  # also score the samples before matching
    raw = generate_balanced(snakemake.input.generator, data, match_marginals=False, **drawing)
synthetic.save(snakemake.output.samples)
plots.class_grid(
    synthetic.X,
    synthetic.y,
    synthetic.class_names,
    snakemake.output.grid,
    title=f"Synthetic {title}",
    meta=synthetic.meta,
)
logger.info("wrote %d synthetic sequences", len(synthetic.y))

settings = EvalSettings.from_config({**snakemake.params.settings, "threads": snakemake.threads})
result, distances = evaluate_run(data, synthetic, card, settings, raw)
result.update(dataset=snakemake.wildcards.dataset, run=snakemake.wildcards.run)
plots.embedding_plot(data.X["test"], synthetic.X, snakemake.output.embedding, title)
plots.distance_plot(
    distances, result["metrics"]["mia_auc"], snakemake.output.privacy, title, PROTOCOL_PRIVACY
)
plots.per_class_plot(result["per_class"], snakemake.output.per_class, title, NO_CLASSES)
write_json(snakemake.output.metrics, result)
logger.info("metrics: %s", result["metrics"])
