"""The CPU thread count of a run: probed once at its first start (rgan.threads), kept in its
checkpoint so a resume computes the same numbers whatever threads its new process has."""

from __future__ import annotations

import pytest
import torch

from rgan.config import RunParams, TrainBudget
from rgan.threads import candidate_counts, most_near_fastest
from rgan.train import train_rcgan

# hidden 64, batch 64 (the defaults): where oneDNN's LSTM backward sums in a thread-dependent
# order, a resume with another thread count would compute other numbers.
PARAMS = RunParams(hidden=64, batch_size=64, seed=5, lr_final=1.0)


def train(digits, epochs: int, folder, probe: bool = False):
    budget = TrainBudget(
        epochs=epochs,
        eval_every=2,
        checkpoint_every=2,
        eval_samples=200,
        select_by="mmd2",
        thread_probe=probe,
    )
    return train_rcgan(digits, PARAMS, budget, folder, torch.device("cpu"))


def same_weights(first, second) -> bool:
    theirs = second.generator.state_dict()
    return all(torch.equal(w, theirs[name]) for name, w in first.generator.state_dict().items())


@pytest.mark.parametrize(
    ("most", "counts"), [(1, [1]), (2, [1, 2]), (6, [1, 2, 4, 6]), (16, [1, 2, 4, 8, 16])]
)
def test_candidates_double_up_to_the_jobs_threads(most, counts):
    assert candidate_counts(most) == counts


@pytest.mark.parametrize(
    ("rates", "chosen"),
    [
        ({1: 100.0, 2: 104.0}, 2),
        ({1: 100.0, 2: 97.0}, 2),  # within 5 %: as many threads as the job has
        ({1: 100.0, 2: 90.0}, 1),  # a model too small to share
        ({1: 100.0, 2: 30.0}, 1),  # a busy CPU
        ({1: 50.0, 2: 100.0, 4: 60.0}, 2),
    ],
)
def test_the_most_threads_near_the_fastest_are_chosen(rates, chosen):
    assert most_near_fastest(rates) == chosen


def test_a_resume_trains_with_the_thread_count_its_run_started_with(digits, tmp_path):
    torch.set_num_threads(2)
    straight = train(digits, 4, tmp_path / "straight")
    train(digits, 2, tmp_path / "interrupted")  # as if killed after the epoch-2 checkpoint
    torch.set_num_threads(1)  # the rerun's job has one thread
    resumed = train(digits, 4, tmp_path / "interrupted")
    assert (straight.threads, resumed.threads, resumed.resumed_from) == (2, 2, 2)
    assert same_weights(resumed, straight)
    # A fresh run in the one-thread job trains with one: the count is the run's, not fixed.
    # (Whether one thread changes the numbers depends on the CPU: oneDNN's LSTM backward summed
    # in a thread-dependent order on an AVX2 EPYC, not on an AVX-512 one.)
    torch.set_num_threads(1)
    assert train(digits, 4, tmp_path / "one_thread").threads == 1


def test_the_probe_chooses_threads_without_touching_the_run(digits, tmp_path):
    torch.set_num_threads(2)
    probed = train(digits, 2, tmp_path / "probed", probe=True)
    assert probed.threads in (1, 2)
    assert probed.seconds > 0
    torch.set_num_threads(probed.threads)
    fixed = train(digits, 2, tmp_path / "fixed")
    assert fixed.threads == probed.threads
    assert same_weights(probed, fixed)
    assert [row["d_loss"] for row in probed.history] == [row["d_loss"] for row in fixed.history]
