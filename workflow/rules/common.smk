from dataclasses import asdict

from snakemake.utils import Paramspace

from rgan.config import RunParams, run_table
from rgan.data import dataset_spec

# Unknown dataset names stop the workflow here, before any job runs.
for name in set(config["datasets"]) | set(config["data"]):
    dataset_spec(name)

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


def run_samples(wildcards):
    """Synthetic samples of every run of the grid for one dataset (same order as above)."""
    return expand(
        "results/synthetic/{dataset}/{run}/samples.npz",
        dataset=wildcards.dataset,
        run=paramspace.instance_patterns,
    )


def reading_options(wildcards):
    """The config's options for reading one dataset (all but its normalisation)."""
    options = config["data"].get(wildcards.dataset, {})
    return {key: value for key, value in options.items() if key != "normalise"}


def normalisation(wildcards):
    return config["data"].get(wildcards.dataset, {}).get("normalise", "minmax")
