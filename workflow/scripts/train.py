"""Train one RGAN/RCGAN run (resuming from its checkpoint) and export the best generator."""

from rgan import logs
from rgan.config import RunParams, TrainBudget
from rgan.data.prepare import PreparedData
from rgan.devices import choose_device
from rgan.export import export_training
from rgan.train import train_rcgan, training_bytes

logs.setup(snakemake.log[0])
params = RunParams.from_mapping(snakemake.params.run)
budget = TrainBudget(**snakemake.params.budget)
data = PreparedData.load(snakemake.input[0])
result = train_rcgan(
    data,
    params,
    budget,
    snakemake.params.checkpoint_dir,
    choose_device(
        snakemake.threads,
        required_bytes=training_bytes(data, params),
        allow_cpu_fallback=snakemake.params.allow_cpu_fallback,
    ),
    tensorboard_dir=snakemake.params.tensorboard_dir if budget.tensorboard else None,
)
export_training(result, data, params, snakemake.params.budget, snakemake.output)
