from dataclasses import asdict

from snakemake.utils import Paramspace

from rgan.config import RunParams, run_table

# Every run is one row of this table; its path, e.g. model~rcgan/hidden~64/.../seed~0, is {run}.
paramspace = Paramspace(run_table(config["run"], config["grid"]), single_wildcard="run")


wildcard_constraints:
    dataset=r"[A-Za-z0-9_]+",
    run=r"[^/]+~[^/]+(/[^/]+~[^/]+)*",


def run_params(wildcards):
    """The hyper-parameters encoded in the {run} wildcard."""
    return asdict(RunParams.from_mapping(paramspace.instance(wildcards)))


def run_evaluations(wildcards):
    """Evaluation files of every run of the grid for one dataset."""
    return expand(
        "results/eval/{dataset}/{run}.json",
        dataset=wildcards.dataset,
        run=paramspace.instance_patterns,
    )


def dataset_options(wildcards):
    """The config's reading options for one dataset (empty when it sets none)."""
    return config["data"].get(wildcards.dataset, {})
