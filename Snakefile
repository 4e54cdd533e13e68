# Recurrent conditional GANs for labelled sequences: data → training → synthetic samples →
# evaluation (TSTR/TRTS/TRTR, MMD²) → results/tstr/<dataset>.csv and `snakemake --report`.
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/generate.smk"
include: "workflow/rules/evaluate.smk"


rule all:
    default_target: True
    input:
        expand("results/tstr/{dataset}.csv", dataset=config["datasets"]),
        expand("results/tstr/{dataset}_grid.png", dataset=config["datasets"]),
