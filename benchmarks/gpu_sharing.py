"""Grid throughput per GPU when 1, 2, 4 and 8 training jobs share one GPU.

Each job is a process of its own, as Snakemake starts a training job: it builds the default
RCGAN on random data (the throughput benchmark's epoch), trains one warm-up epoch, waits for the
other jobs, then trains whole epochs for --seconds. The grid's throughput is the sum of the jobs'
samples/s; the speed-up is that sum over one job's. While the jobs run, NVML's GPU utilisation
is read every 0.2 s (its mean is printed; none without a GPU). Without a GPU the jobs share the
CPU instead, which shows the script works, not what a GPU does.

Usage: python benchmarks/gpu_sharing.py [--jobs 1,2,4,8] [--shapes 8x8,28x28] [--hidden H]
       [--batch B] [--amp] [--seconds S] [--threads T]
Prints one line per shape and job count and a final JSON line with every figure.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import time
from dataclasses import replace

import torch
from common import BATCHES_PER_EPOCH, SHAPES, default_run, training_epoch

from rgan.config import RunParams

SPAWN = multiprocessing.get_context("spawn")


def job(
    shape: tuple[int, int],
    params: RunParams,
    seconds: float,
    threads: int,
    start: multiprocessing.synchronize.Barrier,
    rates: multiprocessing.Queue,
) -> None:
    """One training job: samples/s over `seconds` of whole epochs, once every job is warm."""
    torch.set_num_threads(threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    epoch = training_epoch(*shape, params, device)
    epoch()  # warm-up: CUDA context, cuDNN plans, allocator
    start.wait()
    epochs, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        epoch()  # returns floats: the GPU's work has finished too
        epochs += 1
    rates.put(epochs * params.batch_size * BATCHES_PER_EPOCH / (time.perf_counter() - started))


def gpu_utilisation(jobs: list[multiprocessing.Process]) -> float | None:
    """Mean GPU utilisation (%) read by NVML while any of `jobs` runs; None without NVML."""
    try:
        import pynvml

        pynvml.nvmlInit()
    except Exception:
        for process in jobs:
            process.join()
        return None
    handle = pynvml.nvmlDeviceGetHandleByIndex(0)
    readings = []
    while any(process.is_alive() for process in jobs):
        readings.append(pynvml.nvmlDeviceGetUtilizationRates(handle).gpu)
        time.sleep(0.2)
    pynvml.nvmlShutdown()
    # The first readings fall in the warm-up; the mean over the run's last 3/4 is the steady one.
    steady = readings[len(readings) // 4 :]
    return round(statistics.fmean(steady), 1) if steady else None


def grid_throughput(
    count: int, shape: tuple[int, int], params: RunParams, seconds: float, threads: int
) -> tuple[list[float], float | None]:
    """Each of `count` concurrent jobs' samples/s, and the GPU's mean utilisation meanwhile."""
    start, rates = SPAWN.Barrier(count), SPAWN.Queue()
    jobs = [
        SPAWN.Process(target=job, args=(shape, params, seconds, threads, start, rates))
        for _ in range(count)
    ]
    for process in jobs:
        process.start()
    utilisation = gpu_utilisation(jobs)
    if any(process.exitcode != 0 for process in jobs):
        raise RuntimeError(f"a training job failed: exit codes {[p.exitcode for p in jobs]}")
    return sorted(rates.get() for _ in jobs), utilisation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", default="1,2,4,8", help="comma-separated job counts")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated: 8x8,28x28")
    defaults = default_run()
    parser.add_argument("--hidden", type=int, default=defaults.hidden)
    parser.add_argument("--batch", type=int, default=defaults.batch_size)
    parser.add_argument("--amp", action="store_true", help="bfloat16 autocast (run key amp)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per job")
    args = parser.parse_args()
    unknown = set(args.shapes.split(",")) - set(SHAPES)
    if unknown:
        parser.error(f"--shapes: unknown {sorted(unknown)}, expected some of {list(SHAPES)}")
    counts = [int(count) for count in args.jobs.split(",")]
    params = replace(defaults, hidden=args.hidden, batch_size=args.batch, amp=args.amp)
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    figures: dict[str, dict[str, dict[str, float | None]]] = {}
    for name in args.shapes.split(","):
        figures[name] = {}
        for count in counts:
            rates, utilisation = grid_throughput(
                count, SHAPES[name], params, args.seconds, args.threads
            )
            total = sum(rates)
            single = figures[name]["1"]["grid"] if "1" in figures[name] else total
            figures[name][str(count)] = {
                "grid": round(total, 1),
                "per_job_min": round(rates[0], 1),
                "per_job_max": round(rates[-1], 1),
                "speedup": round(total / single, 2),
                "gpu_utilisation": utilisation,
            }
            print(
                f"{name} {count} jobs: {total:.0f} samples/s in all ({rates[0]:.0f}-"
                f"{rates[-1]:.0f} per job), {total / single:.2f}x one job, GPU busy "
                f"{utilisation if utilisation is not None else 'n/a'} % ({device}, hidden "
                f"{params.hidden}, batch {params.batch_size}, amp {params.amp})",
                flush=True,
            )
    print(
        json.dumps(
            {
                "benchmark": "gpu_sharing",
                "unit": "samples/s",
                "device": device,
                "hidden": params.hidden,
                "batch_size": params.batch_size,
                "amp": params.amp,
                "threads_per_job": args.threads,
                "seconds": args.seconds,
                "torch": torch.__version__,
                **figures,
            }
        )
    )


if __name__ == "__main__":
    main()
