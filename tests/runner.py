"""Running the real Snakemake workflow from tests, in a temporary working directory."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
TINY = {
    "datasets": ["digits"],
    "split": {"val_fraction": 0.1, "test_fraction": 0.2, "seed": 0},
    "run": {"hidden": 32, "batch_size": 32},
    "grid": {},
    "train": {"epochs": 6, "eval_every": 2, "checkpoint_every": 2, "eval_samples": 300},
    "generate": {"samples_per_class": None},
    "evaluate": {
        "classifiers": ["logistic_regression", "random_forest"],
        "seed": 0,
        "extra_tstr_multipliers": [2],
    },
}
CLASSIFIERS = TINY["evaluate"]["classifiers"]


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "--directory", str(workdir), *args],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check and result.returncode != 0:
        pytest.fail(f"snakemake {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def planned_jobs(workdir: Path, *args: str) -> dict[str, int]:
    """Rule → job count that a dry run would execute."""
    output = snakemake(workdir, "--dry-run", *args).stdout
    return {
        rule: int(count)
        for rule, count in re.findall(r"^(\w+)\s+(\d+)$", output, re.MULTILINE)
        if rule != "total"
    }


def new_workdir(root: Path, config: dict) -> Path:
    root.mkdir(parents=True)
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    return root


def training_outputs(folder: Path) -> SimpleNamespace:
    """The output paths of the train rule, for calling export_training outside Snakemake."""
    names = {"generator": "generator.pt", "card": "card.json", "history": "log.csv"}
    names |= {"curves": "training.png", "progress": "progress.gif"}
    return SimpleNamespace(**{key: folder / name for key, name in names.items()})
