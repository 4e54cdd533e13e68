"""How many CPU threads a run trains with: measured once, at its first start.

On a shared CPU, OpenMP threads that wait at a barrier for a thread the scheduler has parked make
a multi-threaded job many times slower than a single-threaded one; on a quiet CPU, small models
train faster with one thread and larger ones with more. Neither can be known in advance, so a run
times training steps with each candidate count on copies of its networks (its own networks and
random number generators are left untouched) and keeps the most threads within `TOLERANCE` of
the fastest: fewer threads only where they are clearly faster. The count is kept in the run's
checkpoint, because oneDNN's LSTM backward sums in a thread-dependent order: a resume trains
with the count its run started with, and so computes the same numbers."""

from __future__ import annotations

import copy
import logging
import statistics
import time

import torch

from rgan.gan import GAN, Batches, train_epoch

logger = logging.getLogger(__name__)

TOLERANCE = 0.05  # more threads are kept while they are at most this much slower
PROBE_ROUNDS = 8  # timed training steps per count, interleaved, after one untimed warm-up step
LOSING = 0.5  # after two rounds, a count at less than this fraction of the best rate drops out


def candidate_counts(most: int) -> list[int]:
    """1, 2, 4, … up to `most`, and `most` itself."""
    counts = [1]
    while counts[-1] * 2 < most:
        counts.append(counts[-1] * 2)
    return sorted({*counts, most})


def most_near_fastest(rates: dict[int, float], tolerance: float = TOLERANCE) -> int:
    """The most threads whose rate is within `tolerance` of the best rate: fewer threads only
    where they are clearly faster (beside a busy process, or a model too small to share)."""
    best = max(rates.values())
    return max(count for count, rate in rates.items() if rate >= (1 - tolerance) * best)


def step_seconds(probe: GAN, batches: Batches, threads: int) -> float:
    """The seconds of one training step of `probe` (on the first batch) with `threads` threads."""
    torch.set_num_threads(threads)
    part = slice(0, probe.params.batch_size)
    masks = None if batches.masks is None else batches.masks[part]
    static = None if batches.static is None else batches.static[part]
    nets = (probe.G, probe.D, probe.opt_g, probe.opt_d)
    started = time.perf_counter()
    X, y = batches.X[part], batches.y[part]
    train_epoch(*nets, X, y, probe.trained_as, None, masks, static=static)
    return time.perf_counter() - started


def fastest_threads(gan: GAN, batches: Batches, most: int) -> int:
    """The thread count (at most `most`) this run trains fastest with on this CPU now; sets it."""
    if most <= 1 or len(batches.X) < gan.params.batch_size:
        torch.set_num_threads(max(1, most))
        return max(1, most)
    # One copy of the networks per count, timed step by step in turn: a passing stall or a
    # slow drift of the machine hits every count alike, and the median ignores single stalls.
    times: dict[int, list[float]] = {count: [] for count in candidate_counts(most)}
    with torch.random.fork_rng(devices=[]):
        probes = {count: copy.deepcopy(gan) for count in times}
        for count, probe in probes.items():
            step_seconds(probe, batches, count)  # warm-up: kernels and memory for this count
        for round_ in range(PROBE_ROUNDS):
            for count, probe in probes.items():
                if round_ < 2 or statistics.median(times[count]) * LOSING <= fastest(times):
                    times[count].append(step_seconds(probe, batches, count))
    rates = {count: 1 / statistics.median(seconds) for count, seconds in times.items()}
    chosen = most_near_fastest(rates)
    torch.set_num_threads(chosen)
    measured = ", ".join(f"{rate:.1f} with {count}" for count, rate in rates.items())
    logger.info(
        "threads: training steps/s %s threads; this run trains with %d (kept in its "
        "checkpoint: a resume computes the same numbers)",
        measured,
        chosen,
    )
    return chosen


def starting_threads(gan: GAN, batches: Batches, probe: bool) -> int:
    """A fresh run's thread count, set: probed on a CPU when `probe`, else the process's."""
    most = torch.get_num_threads()
    if batches.X.device.type != "cpu" or not probe:
        return most
    return fastest_threads(gan, batches, most)


def kept_threads(kept: int | None, device: torch.device) -> int:
    """A resumed run's thread count, set: its checkpoint's (None in checkpoints written before
    the count was kept: the process's)."""
    if kept is None:
        return torch.get_num_threads()
    if device.type == "cpu":
        torch.set_num_threads(kept)
        logger.info("threads: %d, as when this run started", kept)
    return kept


def fastest(times: dict[int, list[float]]) -> float:
    """The smallest median step time so far."""
    return min(statistics.median(seconds) for seconds in times.values())
