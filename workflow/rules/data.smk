rule prepare_data:
    output:
        "results/data/{dataset}/raw.npz",
    log:
        "results/logs/prepare_data/{dataset}.log",
    benchmark:
        "results/benchmarks/prepare_data/{dataset}.tsv"
    conda:
        "../../envs/rgan.yaml"
    script:
        "../scripts/prepare_data.py"


rule preprocess:
    input:
        "results/data/{dataset}/raw.npz",
    output:
        prepared="results/data/{dataset}/prepared.npz",
        real_inputs=report(
            "results/data/{dataset}/real_inputs.png",
            caption="../report/real_inputs.rst",
            category="Data",
            labels={"dataset": "{dataset}"},
        ),
    log:
        "results/logs/preprocess/{dataset}.log",
    benchmark:
        "results/benchmarks/preprocess/{dataset}.tsv"
    conda:
        "../../envs/rgan.yaml"
    params:
        split=config["split"],
    script:
        "../scripts/preprocess.py"
