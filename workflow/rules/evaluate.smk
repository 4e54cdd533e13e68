rule evaluate:
    input:
        prepared="results/data/{dataset}/prepared.npz",
        samples="results/synthetic/{dataset}/{run}/samples.npz",
        card="results/models/{dataset}/{run}/card.json",
    output:
        metrics="results/eval/{dataset}/{run}.json",
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
    log:
        "results/logs/evaluate/{dataset}/{run}.log",
    benchmark:
        "results/benchmarks/evaluate/{dataset}/{run}.tsv"
    conda:
        "../../envs/rgan.yaml"
    threads: config["evaluate"]["threads"]
    params:
        settings={
            key: value for key, value in config["evaluate"].items() if key != "threads"
        },
    script:
        "../scripts/evaluate.py"


rule aggregate:
    input:
        evaluations=run_evaluations,
        samples=run_samples,
        prepared="results/data/{dataset}/prepared.npz",
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
        best=report(
            "results/tstr/{dataset}_best.png",
            caption="../report/best.rst",
            category="Samples",
            subcategory="{dataset}",
            labels={"run": "best run, beside real data"},
        ),
    log:
        "results/logs/aggregate/{dataset}.log",
    benchmark:
        "results/benchmarks/aggregate/{dataset}.tsv"
    conda:
        "../../envs/rgan.yaml"
    params:
        # The best run is the one with the highest TSTR/TRTR ratio of this classifier.
        classifier=config["evaluate"]["classifiers"][0],
    script:
        "../scripts/aggregate.py"
