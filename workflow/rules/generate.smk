rule generate:
    input:
        prepared="results/data/{dataset}/prepared.npz",
        generator="results/models/{dataset}/{run}/generator.pt",
    output:
        samples="results/synthetic/{dataset}/{run}/samples.npz",
        grid=report(
            "results/synthetic/{dataset}/{run}/grid.png",
            caption="../report/samples.rst",
            category="Samples",
            subcategory="{dataset}",
            labels={"run": "{run}"},
        ),
    log:
        "results/logs/generate/{dataset}/{run}.log",
    benchmark:
        "results/benchmarks/generate/{dataset}/{run}.tsv"
    conda:
        "../../envs/rgan.yaml"
    params:
        samples_per_class=config["generate"]["samples_per_class"],
        seed=lambda wildcards: run_params(wildcards)["seed"],
        # The 1× set, then the rest for TSTR with more synthetic than real data.
        multiplier=max([1, *config["evaluate"]["extra_tstr_multipliers"]]),
    script:
        "../scripts/generate.py"
