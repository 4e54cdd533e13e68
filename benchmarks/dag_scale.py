"""DAG speed at scale: a 1,000-point grid (10 hidden sizes × 10 learning rates × 10 seeds) on
digits. Times `snakemake --dry-run` from nothing (DAG construction), then, with every output
present as an empty stub (each stage newer than the one before), the no-op rerun: `--dry-run`
and a real `--cores 1` run that finds nothing to do. Targets: dry run < 10 s, no-op rerun < 3 s.
For scale, Snakemake's own floor on this machine: the no-op dry run of as many trivial jobs (one
rule, one output each) as the grid's DAG has.

Usage: .venv/bin/python benchmarks/dag_scale.py [--points-per-axis 10] [--profile]
Prints the figures and a final JSON line; --profile also prints where the no-op dry run's time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
MTIME = ("--rerun-triggers", "mtime")


def grid_config(per_axis: int) -> dict:
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["grid"] = {
        "hidden": [16 * (i + 1) for i in range(per_axis)],
        "lr": [round(0.0005 * (i + 1), 4) for i in range(per_axis)],
        "seed": list(range(per_axis)),
    }
    return config


def snakemake(workdir: Path, *args: str) -> tuple[float, str]:
    """(seconds, output) of one Snakemake call in workdir."""
    command = [str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "--directory", str(workdir), *args]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, result.stdout + result.stderr


def planned_outputs(workdir: Path) -> list[str]:
    """Every output file of the DAG (from `--summary`)."""
    _, output = snakemake(workdir, "--summary")
    return [line.split("\t")[0] for line in output.splitlines() if line.startswith("results/")]


# Stage folders in DAG order: stubs get mtimes in this order, so every output is newer than
# its inputs without running anything.
STAGES = (
    "results/data/",
    "results/models/",
    "results/synthetic/",
    "results/eval/",
    "results/tstr/",
)


def touch_stubs(workdir: Path, outputs: list[str]) -> None:
    """Empty files for every output, each stage a second newer than the one before."""
    start = time.time() - 3600
    for name in outputs:
        path = workdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        stage = next(i for i, prefix in enumerate(STAGES) if name.startswith(prefix))
        os.utime(path, (start + stage, start + stage))


TRIVIAL = """
rule all:
    input: expand("out/{{i}}.txt", i=range({jobs}))
rule one:
    output: "out/{{i}}.txt"
    shell: "touch {{output}}"
"""


def floor_seconds(folder: Path, jobs: int) -> float:
    """The no-op dry run of `jobs` trivial jobs whose outputs all exist."""
    (folder / "out").mkdir(parents=True)
    (folder / "Snakefile").write_text(TRIVIAL.format(jobs=jobs - 1))
    for i in range(jobs - 1):
        (folder / "out" / f"{i}.txt").touch()
    command = [str(SNAKEMAKE), "-s", str(folder / "Snakefile"), "-d", str(folder), "-n", *MTIME]
    start = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points-per-axis", type=int, default=10)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    points = args.points_per_axis**3
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        (workdir / "config.yaml").write_text(yaml.safe_dump(grid_config(args.points_per_axis)))
        dry_run, output = snakemake(workdir, "--dry-run")
        jobs = int(re.search(r"^total\s+(\d+)$", output, re.MULTILINE).group(1))
        print(f"{points} grid points, {jobs} jobs: dry run {dry_run:.2f} s")
        outputs = planned_outputs(workdir)
        touch_stubs(workdir, outputs)
        # Stubs carry no provenance records, so only modification times can say "up to date".
        noop_dry, output = snakemake(workdir, "--dry-run", *MTIME)
        assert "Nothing to be done" in output, output[-2000:]
        noop_run, output = snakemake(workdir, "--cores", "1", *MTIME)
        assert "Nothing to be done" in output, output[-2000:]
        print(f"{len(outputs)} stub outputs")
        print(f"no-op rerun: dry run {noop_dry:.2f} s, real run {noop_run:.2f} s")
        floor = floor_seconds(workdir / "floor", jobs)
        print(f"Snakemake's floor, the no-op dry run of {jobs} trivial jobs: {floor:.2f} s")
        if args.profile:
            profile = workdir / "dry_run.prof"
            command = [sys.executable, "-m", "cProfile", "-o", str(profile), str(SNAKEMAKE)]
            subprocess.run(
                [*command, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "-n", *MTIME],
                capture_output=True,
                check=True,
            )
            import pstats

            pstats.Stats(str(profile)).sort_stats("cumulative").print_stats(40)
    print(
        json.dumps(
            {
                "benchmark": "dag_scale",
                "grid_points": points,
                "jobs": jobs,
                "dry_run_s": round(dry_run, 2),
                "noop_dry_run_s": round(noop_dry, 2),
                "noop_run_s": round(noop_run, 2),
                "floor_noop_dry_run_s": round(floor, 2),
                "targets_met": dry_run < 10 and max(noop_dry, noop_run) < 3,
            }
        )
    )


if __name__ == "__main__":
    main()
