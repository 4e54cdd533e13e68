"""TRTR/TSTR/TRTS accuracy and MMD² of one run's synthetic data against the real test split."""

from rgan import logs
from rgan.data.prepare import PreparedData
from rgan.data.sequences import SequenceDataset
from rgan.evaluate import evaluate_run
from rgan.io import read_json, write_json

logger = logs.setup(snakemake.log[0])
result = evaluate_run(
    PreparedData.load(snakemake.input.prepared),
    SequenceDataset.load(snakemake.input.samples),
    card=read_json(snakemake.input.card),
    classifiers=snakemake.params.classifiers,
    seed=snakemake.params.seed,
)
result.update(dataset=snakemake.wildcards.dataset, run=snakemake.wildcards.run)
write_json(snakemake.output[0], result)
logger.info("metrics: %s", result["metrics"])
