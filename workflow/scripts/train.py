"""Train one RGAN/RCGAN run (resuming from its checkpoint) and export the best generator."""

import sys
from pathlib import Path

from rgan import logs
from rgan.checkpoint import UnreadableFileError
from rgan.config import RunParams, TrainBudget
from rgan.data.prepare import PreparedData
from rgan.devices import choose_device
from rgan.export import TrainingOutputs, export_training
from rgan.interrupt import TrainingInterrupted
from rgan.stale import remove_stale_results
from rgan.train import train_rcgan, training_bytes

logger = logs.setup(snakemake.log[0])
# Should this job fail, a rerun rebuilds these from a new model (rgan.stale says why).
dataset, run = snakemake.wildcards.dataset, snakemake.wildcards.run
for path in remove_stale_results(Path("results"), dataset, run):
    logger.info("removed %s: made from the model this job replaces", path)
params = RunParams.from_config(snakemake.params.run)
budget = TrainBudget.from_config(snakemake.params.budget)
data = PreparedData.load(snakemake.input[0])
try:
    result = train_rcgan(
        data,
        params,
        budget,
        snakemake.params.checkpoint_dir,
        choose_device(
            snakemake.threads,
            required_bytes=training_bytes(data, params),
            allow_cpu_fallback=snakemake.params.allow_cpu_fallback,
            jobs_per_gpu=snakemake.params.jobs_per_gpu,
        ),
        tensorboard_dir=snakemake.params.tensorboard_dir if budget.tensorboard else None,
    )
except TrainingInterrupted as interrupted:
    sys.exit(interrupted.exit_code)  # logged already; the failed job's rerun resumes
except UnreadableFileError as error:
    logger.error("%s", error)
    sys.exit(1)
outputs = TrainingOutputs(
    generator=snakemake.output.generator,
    card=snakemake.output.card,
    history=snakemake.output.history,
    curves=snakemake.output.curves,
    progress=snakemake.output.progress,
)
export_training(result, data, params, snakemake.params.budget, outputs)
