"""What only a CUDA GPU can show (`make test-gpu`; CI has none): the default run trains on the
GPU and resumes there from its checkpoint (CUDA RNG state included), trains under bfloat16
autocast, refuses a GPU without enough free memory, and its memory estimate covers its peak;
every recurrent layer keeps its weights in the one block cuDNN wants (else it warns)."""

from __future__ import annotations

import gc
import math
from dataclasses import replace

import pytest
import torch

from rgan.config import RunParams, TrainBudget
from rgan.data import load_dataset
from rgan.data.prepare import PreparedData, split_and_scale
from rgan.devices import choose_device
from rgan.train import TrainResult, train_rcgan, training_bytes

pytestmark = pytest.mark.filterwarnings("error:RNN module weights are not part of single")

PARAMS = RunParams(hidden=64, batch_size=64, lr=0.002, lr_final=0.1, ema=0.999, seed=3)
# A run stopped after 4 of 6 epochs is mimicked by a 4-epoch run: the same only without decay.
RESUMABLE = replace(PARAMS, lr_final=1.0)


@pytest.fixture(scope="module")
def gpu() -> torch.device:
    assert torch.cuda.is_available(), "make test-gpu needs a GPU that torch can use"
    device = choose_device(2, allow_cpu_fallback=False)
    assert device.type == "cuda", device
    return device


def train(
    data: PreparedData, params: RunParams, epochs: int, checkpoints, device: torch.device
) -> TrainResult:
    budget = TrainBudget(epochs=epochs, eval_every=2, checkpoint_every=2, eval_samples=200)
    return train_rcgan(data, params, budget, checkpoints, device)


def weights(result: TrainResult) -> dict[str, torch.Tensor]:
    return {name: t.detach().cpu() for name, t in result.generator.state_dict().items()}


def losses(result: TrainResult) -> list[float]:
    """Every epoch's D and G losses, in order."""
    return [row[key] for row in result.history for key in ("d_loss", "g_loss")]


def test_a_run_trains_on_the_gpu_and_resumes_there_where_it_stopped(digits, gpu, tmp_path):
    straight = train(digits, RESUMABLE, 6, tmp_path / "straight", gpu)
    assert next(straight.generator.parameters()).device.type == "cuda"
    train(digits, RESUMABLE, 4, tmp_path / "interrupted", gpu)  # as if killed after epoch 4
    resumed = train(digits, RESUMABLE, 6, tmp_path / "interrupted", gpu)
    assert resumed.resumed_from == 4
    # cuDNN need not repeat itself bit for bit. A resume that lost the CUDA RNG state (other
    # noise in epochs 5 and 6) changes those epochs' losses by 2-6 % and the exported (averaged)
    # weights by about 1.6e-4, as the same loss of the CPU generator's state does on the CPU.
    assert losses(resumed) == pytest.approx(losses(straight), rel=1e-3)
    torch.testing.assert_close(weights(resumed), weights(straight), atol=5e-5, rtol=0)


def test_bfloat16_autocast_trains_on_the_gpu(digits, gpu, tmp_path):
    result = train(digits, replace(PARAMS, amp=True), 4, tmp_path, gpu)
    assert result.status == "completed", result.stop_reason
    assert result.history and all(math.isfinite(loss) for loss in losses(result))


def test_a_gpu_without_enough_free_memory_is_refused_naming_both_figures(gpu):
    free = torch.cuda.mem_get_info(gpu)[0]
    with pytest.raises(RuntimeError, match=r"MiB free but training needs about .* MiB"):
        choose_device(2, required_bytes=2 * free, allow_cpu_fallback=False)


@pytest.mark.parametrize(("size", "hidden"), [((8, 8), 64), ((28, 28), 128)])
def test_memory_estimate_covers_what_training_took(gpu, tmp_path, size, hidden):
    data = split_and_scale(load_dataset("digits", {"size": list(size)}, {}), 0.1, 0.2, 0)
    params = replace(PARAMS, hidden=hidden)
    gc.collect()
    torch.cuda.reset_peak_memory_stats(gpu)
    before = torch.cuda.memory_allocated(gpu)  # what earlier tests left behind
    train(data, params, 2, tmp_path, gpu)
    peak = torch.cuda.max_memory_allocated(gpu) - before
    estimate = training_bytes(data, params)
    assert peak <= estimate, f"peak {peak / 2**20:.0f} MiB > estimate {estimate / 2**20:.0f} MiB"
