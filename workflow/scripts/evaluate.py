"""Utility, fidelity and privacy metrics of one run's synthetic data, with their figures."""

from rgan import logs, plots
from rgan.data.prepare import PreparedData
from rgan.data.sequences import SequenceDataset
from rgan.evaluate import PROTOCOL_PRIVACY, EvalSettings, evaluate_run
from rgan.io import read_json, write_json

logger = logs.setup(snakemake.log[0])
data = PreparedData.load(snakemake.input.prepared)
synthetic = SequenceDataset.load(snakemake.input.samples)
settings = EvalSettings.from_config({**snakemake.params.settings, "threads": snakemake.threads})
result, distances = evaluate_run(data, synthetic, read_json(snakemake.input.card), settings)
result.update(dataset=snakemake.wildcards.dataset, run=snakemake.wildcards.run)
title = f"{snakemake.wildcards.dataset}: {snakemake.wildcards.run}"
plots.embedding_plot(data.X["test"], synthetic.X, snakemake.output.embedding, title)
plots.distance_plot(
    distances, result["metrics"]["mia_auc"], snakemake.output.privacy, title, PROTOCOL_PRIVACY
)
write_json(snakemake.output.metrics, result)
logger.info("metrics: %s", result["metrics"])
