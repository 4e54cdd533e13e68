"""The shipped Snakemake profiles give each rule the resources they promise (dry runs)."""

from __future__ import annotations

import re
from pathlib import Path

from runner import REPO, TINY, new_workdir, snakemake

GPU_RULES = {"train"}


def planned_resources(workdir: Path, profile: str, *args: str) -> dict[str, dict[str, str]]:
    """Rule → the resources a dry run with `profile` gives its (last) job, grouped or not."""
    output = snakemake(workdir, "--profile", str(REPO / "profiles" / profile), "-n", *args).stdout
    jobs = re.findall(r"^ *rule (\w+):\n(?: +.*\n)*? +resources: (.*)$", output, re.MULTILINE)
    assert jobs, output
    return {rule: dict(item.split("=", 1) for item in line.split(", ")) for rule, line in jobs}


def test_local_profile_gives_training_one_gpu_job_slot(tmp_path):
    resources = planned_resources(new_workdir(tmp_path / "local", TINY), "local")
    assert GPU_RULES | {"download", "evaluate", "aggregate"} <= set(resources)
    for rule, values in resources.items():
        assert values.get("gpu_jobs") == ("1" if rule in GPU_RULES else None), rule


def test_slurm_profile_asks_for_gpus_cpus_and_time_per_rule(tmp_path):
    workdir = new_workdir(tmp_path / "slurm", TINY)
    # --cores: a dry run would otherwise cap every rule's threads (2 in config.yaml) at one.
    resources = planned_resources(workdir, "slurm", "--cores", "8")
    assert GPU_RULES | {"download", "evaluate", "aggregate"} <= set(resources)
    for rule, values in resources.items():
        if rule in GPU_RULES:
            assert values["gpu"] == "1" and values["slurm_partition"] == "gpu", rule
            assert values["cpus_per_task"] == "0" and "cpus_per_gpu" in values, rule
        else:
            assert "gpu" not in values and values["slurm_partition"] == "cpu", rule
    assert resources["train"]["runtime"] == "240"  # minutes, times the attempt
    assert "--signal=TERM@120" in resources["train"]["slurm_extra"]  # checkpoint, then retry
    assert resources["train"]["cpus_per_gpu"] == "2"  # train.threads
    assert resources["evaluate"]["cpus_per_task"] == "2"  # evaluate.threads
