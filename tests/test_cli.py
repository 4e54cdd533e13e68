"""`rgan sample`: one clear line on stderr and a non-zero exit for every bad model file or
argument, an .npz of the right shape for a good generator. The cases run its `main` in this
process (each real command spends seconds importing torch); the real console script runs for a
good generator and for a model file that must be refused unread."""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from runner import run_in_group

from rgan.cli import main
from rgan.generate import MASK_POOL_KEY, Extras, MaskPool, draw_synthetic
from rgan.models import Generator, ModelSpec, load_generator, save_generator

RGAN = Path(sys.executable).with_name("rgan")
SPEC = ModelSpec(seq_len=8, n_features=5, n_classes=3, hidden=16, noise_dim=4)
EXTRA = {
    "class_names": ["a", "b", "c"],
    "scaler": {"method": "minmax", "shift": [8.0], "scale": [8.0]},
}


class Touch:
    """Unpickling this runs `touch <path>`: a model file that must be refused unread."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def rgan(*args: str | Path) -> subprocess.CompletedProcess:
    """`rgan *args` run as its console script runs it, in this process: exit code and output."""
    stdout, stderr = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            main([str(arg) for arg in args])
        except SystemExit as exit_:
            code = exit_.code
    if isinstance(code, str):  # as the interpreter does with SystemExit("message")
        stderr.write(code + "\n")
        code = 1
    return subprocess.CompletedProcess(args, code or 0, stdout.getvalue(), stderr.getvalue())


def rgan_command(*args: str | Path) -> subprocess.CompletedProcess:
    """The real `rgan` command."""
    return run_in_group([RGAN, *args], timeout=300)


def generator_file(path: Path, extra: dict | None = None) -> Path:
    torch.manual_seed(0)
    save_generator(path, Generator(SPEC), EXTRA | (extra or {}))
    return path


def mask_pool() -> MaskPool:
    """Training masks of three classes: class c observes its first 2 + 2c steps; feature 4
    also hides step 0 of every sequence, so each class has two different masks."""
    labels = np.repeat([0, 1, 2], 4)
    masks = np.zeros((len(labels), SPEC.seq_len, SPEC.n_features), dtype=np.float32)
    for row, label in enumerate(labels):
        masks[row, : 2 + 2 * label] = 1.0
        if row % 2:
            masks[row, 0, 4] = 0.0
    return MaskPool(masks, labels, fill=np.linspace(-0.5, 0.5, SPEC.n_features, dtype=np.float32))


def truncated(tmp_path: Path) -> Path:
    data = generator_file(tmp_path / "whole.pt").read_bytes()
    path = tmp_path / "generator.pt"
    path.write_bytes(data[: len(data) // 2])
    return path


def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "generator.pt"
    path.write_text("epoch,loss\n1,0.5\n")
    return path


def pickle_file(tmp_path: Path, protocol: int) -> Path:
    path = tmp_path / "generator.pt"
    path.write_bytes(pickle.dumps(Touch(tmp_path / "pwned"), protocol=protocol))
    return path


def foreign_file(tmp_path: Path) -> Path:
    path = tmp_path / "generator.pt"
    torch.save({"weights": torch.zeros(3)}, path)
    return path


BAD_MODELS: dict[str, Callable[[Path], Path]] = {
    "missing": lambda tmp_path: tmp_path / "missing.pt",
    "folder": lambda tmp_path: tmp_path,
    "text": text_file,
    "pickle-protocol-2": lambda tmp_path: pickle_file(tmp_path, 2),
    "pickle-default-protocol": lambda tmp_path: pickle_file(tmp_path, pickle.DEFAULT_PROTOCOL),
    "truncated": truncated,
    "foreign": foreign_file,
}


def assert_one_line_error(result: subprocess.CompletedProcess, *named: str) -> None:
    """Non-zero exit, nothing written to stdout, one stderr line naming everything in `named`."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rgan sample: error: ")
    for name in named:
        assert name in lines[0]
    assert "wrote" not in result.stdout


@pytest.mark.parametrize("kind", BAD_MODELS)
def test_bad_model_file_is_one_line_and_runs_nothing(tmp_path, kind):
    model = BAD_MODELS[kind](tmp_path)
    out = tmp_path / "out.npz"
    result = rgan("sample", "--model", model, "--n", "4", "-o", out)
    assert_one_line_error(result, str(model))
    assert not (tmp_path / "pwned").exists()
    assert not out.exists()


@pytest.mark.parametrize(("option", "value"), [("--n", "-5"), ("--n", "0"), ("--seed", "-1")])
def test_bad_number_is_one_line(tmp_path, option, value):
    model = generator_file(tmp_path / "generator.pt")
    out = tmp_path / "out.npz"
    result = rgan("sample", "--model", model, option, value, "-o", out)
    assert result.returncode == 2
    assert_one_line_error(result, option, value)
    assert not out.exists()


def test_label_beyond_the_model_is_one_line(tmp_path):
    model = generator_file(tmp_path / "generator.pt")
    result = rgan("sample", "--model", model, "--label", "3", "-o", tmp_path / "out.npz")
    assert_one_line_error(result, "--label 3", "0..2")


@pytest.mark.parametrize("where", ["folder", "inside a file"])
def test_unwritable_output_is_one_line_before_any_work(tmp_path, where):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder")
    out = tmp_path if where == "folder" else blocker / "out.npz"
    result = rgan("sample", "--model", tmp_path / "missing.pt", "-o", out)
    assert_one_line_error(result, "--output", str(out))


def test_good_generator_writes_balanced_samples_creating_folders(tmp_path):
    model = generator_file(tmp_path / "generator.pt")
    out = tmp_path / "new" / "folder" / "out.npz"
    result = rgan_command("sample", "--model", model, "--n", "7", "--original-scale", "-o", out)
    assert result.returncode == 0, result.stderr
    assert f"wrote 7 sequences of shape (8, 5) to {out}" in result.stdout
    with np.load(out) as samples:
        assert samples["X"].shape == (7, SPEC.seq_len, SPEC.n_features)
        assert samples["y"].tolist() == [0, 0, 0, 1, 1, 2, 2]
        assert samples["class_names"].tolist() == EXTRA["class_names"]
        assert samples["X"].min() >= 0.0 and samples["X"].max() <= 16.0  # [-1, 1] → 8 ± 8
        assert "mask" not in samples  # a model of data without masks, or saved before them


def test_masked_model_samples_class_matched_masks_and_the_fill(tmp_path):
    pool = mask_pool()
    model = generator_file(tmp_path / "generator.pt", {MASK_POOL_KEY: pool.to_payload()})
    _, payload = load_generator(model)  # the masks survive saving, bit-packed
    saved = MaskPool.from_payload(payload[MASK_POOL_KEY])
    np.testing.assert_array_equal(saved.masks, pool.masks)
    np.testing.assert_array_equal(saved.labels, pool.labels)
    np.testing.assert_array_equal(saved.fill, pool.fill)
    out = tmp_path / "out.npz"
    result = rgan("sample", "--model", model, "--n", "30", "--seed", "3", "-o", out)
    assert result.returncode == 0, result.stderr
    assert "with class-matched masks" in result.stdout
    with np.load(out) as samples:
        X, y, mask = samples["X"], samples["y"], samples["mask"]
    assert mask.shape == X.shape and set(np.unique(mask)) == {0.0, 1.0}
    for label in range(3):  # every mask is one of its class's training masks
        allowed = pool.masks[pool.labels == label]
        for drawn in mask[y == label]:
            assert any((drawn == option).all() for option in allowed)
    hidden = mask == 0
    np.testing.assert_array_equal(X[hidden], np.broadcast_to(pool.fill, X.shape)[hidden])
    generator, _ = load_generator(model)  # the same numbers as the generate rule's function
    drawn = draw_synthetic(generator, y, 3, Extras(pool, None, None, None))
    expected, expected_mask = drawn.X, drawn.masks
    np.testing.assert_array_equal(X, expected)
    np.testing.assert_array_equal(mask, expected_mask)


def test_masked_model_with_one_label_and_original_scale(tmp_path):
    pool = mask_pool()
    model = generator_file(tmp_path / "generator.pt", {MASK_POOL_KEY: pool.to_payload()})
    out = tmp_path / "out.npz"
    args = ("sample", "--model", model, "--n", "6", "--label", "2", "--original-scale")
    assert rgan(*args, "-o", out).returncode == 0
    with np.load(out) as samples:
        assert (samples["mask"][:, 1:6] == 1).all() and (samples["mask"][:, 6:] == 0).all()
        hidden = samples["X"][:, 6:]  # class 2 observes 6 steps; the fill in data units
        np.testing.assert_allclose(hidden, np.broadcast_to(8.0 + 8.0 * pool.fill, hidden.shape))


def test_the_real_command_refuses_a_model_file_unread(tmp_path):
    model = pickle_file(tmp_path, pickle.DEFAULT_PROTOCOL)
    result = rgan_command("sample", "--model", model, "-o", tmp_path / "out.npz")
    assert_one_line_error(result, str(model))
    assert not (tmp_path / "pwned").exists()
