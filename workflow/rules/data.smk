rule download:
    output:
        "results/data/{dataset}/download.json",
    log:
        "results/logs/download/{dataset}.log",
    benchmark:
        "results/benchmarks/download/{dataset}.tsv"
    conda:
        "../../envs/rgan.yaml"
    params:
        options=reading_options,
        data_dir=config["data_dir"],
        policy=config["download"],
    script:
        "../scripts/download.py"


rule prepare_data:
    input:
        "results/data/{dataset}/download.json",
    output:
        "results/data/{dataset}/raw.npz",
    log:
        "results/logs/prepare_data/{dataset}.log",
    benchmark:
        "results/benchmarks/prepare_data/{dataset}.tsv"
    conda:
        "../../envs/rgan.yaml"
    params:
        options=reading_options,
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
        normalise=normalisation,
    script:
        "../scripts/preprocess.py"
