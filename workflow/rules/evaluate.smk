rule evaluate:
    """Draw the run's synthetic sequences from its generator (on the CPU: seconds), then score
    them: utility, fidelity and privacy. One job per run, not two, as the DAG of a large grid
    costs Snakemake time per job."""
    input:
        prepared="results/data/{dataset}/prepared.npz",
        generator="results/models/{dataset}/{run}/generator.pt",
        card="results/models/{dataset}/{run}/card.json",
    output:
        metrics="results/eval/{dataset}/{run}.json",
        samples="results/synthetic/{dataset}/{run}/samples.npz",
        grid=report(
            "results/synthetic/{dataset}/{run}/grid.png",
            caption="../report/samples.rst",
            category="Samples",
            subcategory="{dataset}",
            labels={"run": "{run}"},
        ),
        embedding=report(
            "results/eval/{dataset}/{run}/embedding.png",
            caption="../report/embedding.rst",
            category="Fidelity",
            subcategory="{dataset}",
            labels={"run": "{run}", "figure": "PCA and t-SNE"},
        ),
        privacy=report(
            "results/eval/{dataset}/{run}/privacy.png",
            caption="../report/privacy.rst",
            category="Privacy",
            subcategory="{dataset}",
            labels={"run": "{run}", "figure": "distance to closest record"},
        ),
        per_class=report(
            "results/eval/{dataset}/{run}/per_class.png",
            caption="../report/per_class.rst",
            category="Privacy",
            subcategory="{dataset}",
            labels={"run": "{run}", "figure": "per class"},
        ),
    log:
        "results/logs/evaluate/{dataset}/{run}.log",
    benchmark:
        "results/benchmarks/evaluate/{dataset}/{run}.tsv"
    conda:
        "../../envs/rgan.yaml"
    threads: config["evaluate"]["threads"]
    params:
        samples_per_class=config["generate"]["samples_per_class"],
        round_to_levels=config["generate"]["round_to_levels"],
        lengths=config["generate"]["lengths"],
        # The 1× set, then the rest for TSTR with more synthetic than real data.
        multiplier=max([1, *config["evaluate"]["extra_tstr_multipliers"]]),
        settings={
            key: value for key, value in config["evaluate"].items() if key != "threads"
        },
    script:
        "../scripts/evaluate.py"


rule aggregate:
    input:
        # Only the evaluations are a list, so `--batch aggregate=i/n` splits the grid's runs.
        evaluations=run_evaluations,
    output:
        csv=report(
            "results/tstr/{dataset}.csv",
            caption="../report/tstr.rst",
            category="Results",
            labels={"dataset": "{dataset}", "table": "CSV (download)"},
        ),
        page=report(
            "results/tstr/{dataset}.html",
            caption="../report/tstr.rst",
            category="Results",
            labels={"dataset": "{dataset}", "table": "sortable table"},
        ),
    log:
        "results/logs/aggregate/{dataset}.log",
    benchmark:
        "results/benchmarks/aggregate/{dataset}.tsv"
    conda:
        "../../envs/rgan.yaml"
    script:
        "../scripts/aggregate.py"


rule best_run:
    """The best run's samples beside real test data. It reads one samples file, the best run's,
    but declares every run's: which one is best is known only once the table exists."""
    input:
        csv="results/tstr/{dataset}.csv",
        prepared="results/data/{dataset}/prepared.npz",
        samples=run_samples,
    output:
        best=report(
            "results/tstr/{dataset}_best.png",
            caption="../report/best.rst",
            category="Samples",
            subcategory="{dataset}",
            labels={"run": "best run, beside real data"},
        ),
    log:
        "results/logs/best_run/{dataset}.log",
    benchmark:
        "results/benchmarks/best_run/{dataset}.tsv"
    conda:
        "../../envs/rgan.yaml"
    params:
        # The best run is the one with the highest TSTR/TRTR ratio of this classifier.
        classifier=config["evaluate"]["classifiers"][0],
    script:
        "../scripts/best_run.py"


rule grid_part:
    """One person's share of a grid, run at the same time as the other parts on one shared
    results/ folder: its runs trained and evaluated, and their rows of the table."""
    input:
        evaluations=part_evaluations,
    output:
        "results/parts/{dataset}/{part}-of-{parts}.csv",
    log:
        "results/logs/grid_part/{dataset}/{part}-of-{parts}.log",
    localrule: True
    conda:
        "../../envs/rgan.yaml"
    script:
        "../scripts/grid_part.py"


rule summarise_grid:
    input:
        csv="results/tstr/{dataset}.csv",
    output:
        points=report(
            "results/tstr/{dataset}_points.csv",
            caption="../report/points.rst",
            category="Grid",
            labels={"dataset": "{dataset}", "item": "per point, seeds averaged (CSV)"},
        ),
        figure=report(
            "results/tstr/{dataset}_grid.png",
            caption="../report/grid.rst",
            category="Grid",
            labels={"dataset": "{dataset}", "item": "metric per hyper-parameter"},
        ),
        frontier=report(
            "results/tstr/{dataset}_privacy.png",
            caption="../report/frontier.rst",
            category="Privacy",
            subcategory="{dataset}",
            labels={"run": "the grid", "figure": "privacy frontier"},
        ),
    log:
        "results/logs/summarise_grid/{dataset}.log",
    conda:
        "../../envs/rgan.yaml"
    params:
        metric=config["grid_plot"]["metric"],
        heatmap=config["grid_plot"]["heatmap"],
        classifier=config["evaluate"]["classifiers"][0],
    script:
        "../scripts/summarise_grid.py"
