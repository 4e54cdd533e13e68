# Recurrent conditional GANs for labelled sequences: data → training → synthetic samples →
# evaluation (TSTR/TRTS/TRTR, MMD²) → results/tstr/<dataset>.csv and `snakemake --report`.
from snakemake.utils import min_version, validate

from rgan.config import check_dataset_budgets, check_run_sections
from rgan.config_schema import check_utf8, coerce_to_schema, load_schema

min_version("9.0")

SCHEMA = f"{workflow.basedir}/workflow/schemas/config.schema.yaml"

# A config.yaml that is not UTF-8 stops here in one line naming the file and the byte.
check_utf8("config.yaml")


configfile: "config.yaml"


# Nested `--config` values arrive as strings, and YAML reads 1e-4 as one: type them as the
# schema says before checking.
coerce_to_schema(config, SCHEMA)
validate(config, SCHEMA)
# The run sections against the run keys' declaration (rgan.config.RunParams), and each
# dataset's training budget (experiments.<dataset>.train) against `train`'s schema.
check_run_sections(config)
check_dataset_budgets(config, load_schema(SCHEMA))


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/benchmark.smk"


rule all:
    default_target: True
    input:
        expand("results/tstr/{dataset}.csv", dataset=config["datasets"]),
        expand("results/tstr/{dataset}_grid.png", dataset=config["datasets"]),
        expand("results/tstr/{dataset}_best.png", dataset=config["datasets"]),
