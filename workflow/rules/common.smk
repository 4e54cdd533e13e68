from dataclasses import asdict
from functools import cache

from snakemake.utils import Paramspace

from rgan.config import RunParams, dataset_runs
from rgan.data import dataset_spec
from rgan.grid import grid_share

# Unknown dataset names stop the workflow here, before any job runs.
for name in set(config["datasets"]) | set(config["data"]) | set(config["experiments"]):
    dataset_spec(name)


@cache
def grid_of(dataset):
    """The dataset's runs as a Paramspace: each row is one run, whose path, e.g.
    model~rcgan/hidden~64/.../seed~0, is the {run} wildcard."""
    return Paramspace(dataset_runs(config, dataset), single_wildcard="run")


# Impossible or empty grids stop the workflow here too, naming the dataset.
for name in config["datasets"]:
    grid_of(name)


wildcard_constraints:
    dataset=r"[A-Za-z0-9_]+",
    run=r"[^/]+~[^/]+(/[^/]+~[^/]+)*",
    part=r"[0-9]+",
    parts=r"[0-9]+",


def run_params(wildcards):
    """The hyper-parameters encoded in the {run} wildcard."""
    return asdict(RunParams.from_path(wildcards.run))


def run_evaluations(wildcards):
    """Evaluation files of every run of the grid for one dataset."""
    return expand(
        "results/eval/{dataset}/{run}.json",
        dataset=wildcards.dataset,
        run=grid_of(wildcards.dataset).instance_patterns,
    )


def part_evaluations(wildcards):
    """Evaluation files of one person's share of a dataset's grid (rgan.grid.grid_share)."""
    runs = list(grid_of(wildcards.dataset).instance_patterns)
    share = grid_share(
        runs, int(wildcards.part), int(wildcards.parts), wildcards.dataset
    )
    return expand(
        "results/eval/{dataset}/{run}.json", dataset=wildcards.dataset, run=share
    )


def reading_options(wildcards):
    """The config's options for reading one dataset (all but its normalisation)."""
    options = config["data"].get(wildcards.dataset, {})
    return {key: value for key, value in options.items() if key != "normalise"}


def normalisation(wildcards):
    return config["data"].get(wildcards.dataset, {}).get("normalise", "minmax")
