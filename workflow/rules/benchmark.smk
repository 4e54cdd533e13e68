rule protocol_benchmark:
    """This workflow's runs on the TimeGAN / Diffusion-TS protocol beside the published figures:
    `make benchmark`, or `snakemake results/benchmark/protocol.csv`."""
    input:
        tables=benchmark_tables,
    output:
        csv=report(
            "results/benchmark/protocol.csv",
            caption="../report/benchmark.rst",
            category="Benchmark",
            labels={"table": "our runs (CSV)"},
        ),
        markdown=report(
            "results/benchmark/protocol.md",
            caption="../report/benchmark.rst",
            category="Benchmark",
            labels={"table": "beside Diffusion-TS's Table 1 (Markdown)"},
        ),
    log:
        "results/logs/protocol_benchmark.log",
    localrule: True
    conda:
        "../../envs/rgan.yaml"
    params:
        name=config["benchmark"]["name"],
        datasets=BENCHMARK_DATASETS,
        left_out=BENCHMARK_LEFT_OUT,
    script:
        "../scripts/protocol_benchmark.py"


rule quality_targets:
    """Each data set's runs against its quality targets (rgan.targets): `make benchmark`, or
    `snakemake results/benchmark/targets.csv`."""
    input:
        tables=target_tables,
    output:
        csv=report(
            "results/benchmark/targets.csv",
            caption="../report/targets.rst",
            category="Benchmark",
            labels={"table": "quality targets (CSV)"},
        ),
        markdown=report(
            "results/benchmark/targets.md",
            caption="../report/targets.rst",
            category="Benchmark",
            labels={"table": "quality targets (Markdown)"},
        ),
    log:
        "results/logs/quality_targets.log",
    localrule: True
    conda:
        "../../envs/rgan.yaml"
    params:
        datasets=TARGET_DATASETS,
        left_out=TARGETS_LEFT_OUT,
    script:
        "../scripts/quality_targets.py"
