rule train:
    input:
        "results/data/{dataset}/prepared.npz",
    output:
        generator="results/models/{dataset}/{run}/generator.pt",
        card="results/models/{dataset}/{run}/card.json",
        history="results/models/{dataset}/{run}/log.csv",
        curves=report(
            "results/models/{dataset}/{run}/training.png",
            caption="../report/training.rst",
            category="Training",
            subcategory="{dataset}",
            labels={"run": "{run}", "figure": "curves"},
        ),
        progress=report(
            "results/models/{dataset}/{run}/progress.gif",
            caption="../report/progress.rst",
            category="Training",
            subcategory="{dataset}",
            labels={"run": "{run}", "figure": "progress"},
        ),
    log:
        "results/logs/train/{dataset}/{run}.log",
    benchmark:
        "results/benchmarks/train/{dataset}/{run}.tsv"
    conda:
        "../../envs/rgan.yaml"
    threads: config["train"]["threads"]
    params:
        run=run_params,
        budget=training_budget,
        allow_cpu_fallback=config["train"]["allow_cpu_fallback"],
        jobs_per_gpu=config["train"]["jobs_per_gpu"],
        # Not an output: Snakemake must not delete it when a job fails, so a rerun resumes.
        # (A string param gets the job's wildcards filled in, and costs less than a function.)
        checkpoint_dir="results/checkpoints/{dataset}/{run}",
        # Written only with train.tensorboard: true (`tensorboard --logdir results/tensorboard`).
        tensorboard_dir="results/tensorboard/{dataset}/{run}",
    script:
        "../scripts/train.py"
