"""The config as Snakemake hands it over, through real dry runs (nothing is trained): the
README's `--config` examples, numbers in exponent form, and a config file that is not UTF-8."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from runner import REPO, snakemake

SHELL_OPERATORS = {"&&", "||", ";", "|"}


def readme_config_examples() -> list[list[str]]:
    """The arguments of every `snakemake` command in the README's bash blocks that overrides
    the config (`--config` or `--configfile`)."""
    blocks = re.findall(r"^```bash\n(.*?)^```", (REPO / "README.md").read_text(), re.M | re.S)
    commands = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            while words:
                end = next((i for i, w in enumerate(words) if w in SHELL_OPERATORS), len(words))
                command, words = words[:end], words[end + 1 :]
                overrides = any(word.startswith("--config") for word in command)
                if command and command[0].endswith("snakemake") and overrides:
                    commands.append(command[1:])
    return commands


EXAMPLES = readme_config_examples()


def test_the_readme_has_config_examples():
    assert any("--config" in example for example in EXAMPLES)
    assert any("--configfile" in example for example in EXAMPLES)


def workdir_with(tmp_path: Path, config: bytes | None = None) -> Path:
    """A working directory holding config.yaml: the repository's, or `config`."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    if config is None:
        shutil.copy(REPO / "config.yaml", workdir / "config.yaml")
    else:
        (workdir / "config.yaml").write_bytes(config)
    return workdir


@pytest.mark.parametrize("args", EXAMPLES, ids=shlex.join)
def test_readme_config_example_passes_a_dry_run(tmp_path, args):
    workdir = workdir_with(tmp_path)
    args = list(args)
    start = args.index("--configfile") + 1 if "--configfile" in args else len(args)
    for i in range(start, len(args)):
        if args[i].startswith("-"):
            break
        if args[i].endswith((".yaml", ".yml")):  # the reader's own settings, e.g. my-config.yaml
            own = workdir / args[i]  # Snakemake reads it from where it starts, before --directory
            own.write_text("run: {hidden: 32}\ntrain: {epochs: 800}\n")
            args[i] = str(own)
    snakemake(workdir, "--dry-run", *args)


def test_numbers_in_exponent_form_in_config_yaml_are_numbers(tmp_path):
    # YAML reads 5e-4 and 1.0e9 as strings (it wants a dot and a signed exponent)
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    for key, value in {"lr": "5e-4", "max_grad_norm": "1.0e9", "eval_samples": "1e3"}.items():
        text, count = re.subn(rf"(?m)^(  {key}:) [^ #\n]+", rf"\1 {value}", text)
        assert count == 1, key
    workdir = workdir_with(tmp_path, text.encode())
    result = snakemake(workdir, "--dry-run")
    run = "bidirectional~True/aux_classifier~True/lr~0.0005/match_marginals~True/seed~0"
    assert f"results/models/digits/{run}/generator.pt" in result.stdout


def test_config_yaml_that_is_not_utf8_stops_in_a_line_naming_it(tmp_path):
    config = b"# Caf\xe9 settings\n" + (REPO / "config.yaml").read_bytes()
    workdir = workdir_with(tmp_path, config)
    result = snakemake(workdir, "--dry-run", check=False)
    assert result.returncode != 0
    expected = (
        f"{workdir / 'config.yaml'} is not UTF-8: byte 0xe9 at line 1, column 6 (byte offset 5); "
        "save the file as UTF-8"
    )
    output = result.stdout + result.stderr
    assert expected in output.splitlines()
    assert "Traceback" not in output and "UnicodeDecodeError" not in output
    assert len(output.splitlines()) < 8, output
