rule evaluate:
    input:
        prepared="results/data/{dataset}/prepared.npz",
        samples="results/synthetic/{dataset}/{run}/samples.npz",
        card="results/models/{dataset}/{run}/card.json",
    output:
        "results/eval/{dataset}/{run}.json",
    log:
        "results/logs/evaluate/{dataset}/{run}.log",
    benchmark:
        "results/benchmarks/evaluate/{dataset}/{run}.tsv"
    conda:
        "../../envs/rgan.yaml"
    params:
        classifiers=config["evaluate"]["classifiers"],
        seed=config["evaluate"]["seed"],
    script:
        "../scripts/evaluate.py"


rule aggregate:
    input:
        run_evaluations,
    output:
        report(
            "results/tstr/{dataset}.csv",
            caption="../report/tstr.rst",
            category="Results",
            labels={"dataset": "{dataset}", "table": "TSTR"},
        ),
    log:
        "results/logs/aggregate/{dataset}.log",
    benchmark:
        "results/benchmarks/aggregate/{dataset}.tsv"
    conda:
        "../../envs/rgan.yaml"
    script:
        "../scripts/aggregate.py"
