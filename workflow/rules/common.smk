from dataclasses import asdict
from functools import cache

from rgan.benchmark import BenchmarkSettings
from rgan.config import RunParams, dataset_budget, dataset_runs
from rgan.data import dataset_spec
from rgan.data.catalog import check_labels_needed, normalisation_of
from rgan.data.sources import resolve_data_dir
from rgan.grid import grid_share

# Unknown dataset names stop the workflow here, before any job runs.
for name in set(config["datasets"]) | set(config["data"]) | set(config["experiments"]):
    dataset_spec(name)


@cache
def runs_of(dataset):
    """The dataset's runs (RunParams), built once."""
    return dataset_runs(config, dataset)


@cache
def grid_of(dataset):
    """The paths of the dataset's runs, e.g. hidden~128/seed~0: the {run} wildcard. (Not a
    Paramspace: a path names only the keys that differ from their defaults, so the keys in a
    path vary from run to run.)"""
    return [params.path for params in runs_of(dataset)]


# Impossible or empty grids stop the workflow here too, naming the dataset, as do conditional
# runs on a dataset without labels.
for name in config["datasets"]:
    check_labels_needed(name, runs_of(name))


# The protocol benchmark's data sets: energy (when_present) only where its file is at hand.
# The quality targets' table: fashion and mnist (targets_when_present) likewise.
BENCHMARK_SETTINGS = BenchmarkSettings.from_config(config["benchmark"])
DATA_DIR = resolve_data_dir(config["data_dir"])
BENCHMARK_DATASETS, BENCHMARK_LEFT_OUT = BENCHMARK_SETTINGS.chosen(
    config["data"], DATA_DIR
)
TARGET_DATASETS, TARGETS_LEFT_OUT = BENCHMARK_SETTINGS.chosen_targets(
    config["data"], DATA_DIR
)


def benchmark_tables(wildcards):
    """The benchmark data sets' results tables; checked here, when the benchmark is wanted, that
    their runs are unconditional."""
    for name in BENCHMARK_DATASETS:
        check_labels_needed(name, runs_of(name))
    return expand("results/tstr/{dataset}.csv", dataset=BENCHMARK_DATASETS)


def target_tables(wildcards):
    """The results tables of the quality targets' data sets."""
    return expand("results/tstr/{dataset}.csv", dataset=TARGET_DATASETS)


wildcard_constraints:
    dataset=r"[A-Za-z0-9_]+",
    run=r"[^/]+~[^/]+(/[^/]+~[^/]+)*",
    part=r"[0-9]+",
    parts=r"[0-9]+",


@cache
def runs_by_path(dataset):
    """The dataset's runs by their path."""
    return {params.path: params for params in runs_of(dataset)}


def run_params(wildcards):
    """The hyper-parameters encoded in the {run} wildcard."""
    return params_of_run(wildcards.dataset, wildcards.run)


@cache
def params_of_run(dataset, run):
    """A run's hyper-parameters: the grid's run of that path, else (a run asked for by its
    path alone) the path parsed and checked; once per run, as Snakemake asks for every job's
    params twice."""
    return asdict(runs_by_path(dataset).get(run) or RunParams.from_path(run))


def training_budget(wildcards):
    """The dataset's training budget: `train` with its experiments.<dataset>.train over it."""
    return dataset_budget(config, wildcards.dataset)


def run_evaluations(wildcards):
    """Evaluation files of every run of the grid for one dataset."""
    return expand(
        "results/eval/{dataset}/{run}.json",
        dataset=wildcards.dataset,
        run=grid_of(wildcards.dataset),
    )


def run_samples(wildcards):
    """Samples files of every run of the grid for one dataset: best_run reads the best run's,
    known only from the table, so it declares them all. None in a batch before the last
    (`--batch aggregate=i/n`): Snakemake leaves best_run out of those, yet would still make
    every run's samples for it, training the whole grid in the first batch."""
    batch = workflow.dag_settings.batch
    if batch is not None and batch.rulename == "aggregate" and not batch.is_final:
        return []
    return expand(
        "results/synthetic/{dataset}/{run}/samples.npz",
        dataset=wildcards.dataset,
        run=grid_of(wildcards.dataset),
    )


def part_evaluations(wildcards):
    """Evaluation files of one person's share of a dataset's grid (rgan.grid.grid_share)."""
    runs = grid_of(wildcards.dataset)
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
    """The config's normalisation, else the dataset's default (minmax for most)."""
    return normalisation_of(
        wildcards.dataset, config["data"].get(wildcards.dataset, {})
    )
