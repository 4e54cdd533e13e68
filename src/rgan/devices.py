"""Where training runs: the scheduler's GPU, the freest unlocked GPU, or the CPU; memory checked."""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
from pathlib import Path
from typing import IO, NamedTuple

import torch

logger = logging.getLogger(__name__)

MIB = 2**20
OVERHEAD_BYTES = 64 * MIB

# GPU lock files held open (hence locked) until the process exits, keyed by NVML index.
_LOCKS: dict[int, IO[str]] = {}


class _Gpu(NamedTuple):
    """A candidate GPU: its lock index (NVML order; None: not locked), torch index, free bytes."""

    lock_index: int | None
    torch_index: int
    free: int | None


def _mib(n: int) -> str:
    """Bytes as MiB with one decimal, for messages."""
    return f"{n / MIB:.1f} MiB"


def estimate_training_bytes(
    n_parameters: int, batch: int, steps: int, features: int, hidden: int, layers: int = 1
) -> int:
    """Rough upper bound: 16·n_parameters + 12·batch·steps·(features + 8·hidden·layers) + 64 MiB.

    16 bytes per parameter (G and D together) hold float32 weights, gradients and Adam's two
    moments; activations take batch × steps × (features + 8·hidden·layers) float32 values, counted
    three times (forward, backward, the discriminator's reruns); 64 MiB covers the rest.
    """
    sizes = (n_parameters, batch, steps, features, hidden, layers)
    if min(sizes) < 0:
        raise ValueError(f"sizes must be non-negative, got {sizes}")
    state = 4 * 4 * n_parameters
    activations = batch * steps * (features + 8 * hidden * layers) * 4 * 3
    return state + activations + OVERHEAD_BYTES


def host_available_bytes() -> int:
    """Host memory still available to new allocations, in bytes (psutil, else /proc/meminfo)."""
    try:
        import psutil
    except ImportError:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("cannot read MemAvailable from /proc/meminfo") from None
    return int(psutil.virtual_memory().available)


def gpu_free_bytes(index: int) -> int:
    """Free memory of the GPU with NVML (physical, PCI-ordered) `index`, in bytes, via pynvml."""
    import pynvml

    pynvml.nvmlInit()
    try:
        handle = pynvml.nvmlDeviceGetHandleByIndex(index)
        return int(pynvml.nvmlDeviceGetMemoryInfo(handle).free)
    finally:
        pynvml.nvmlShutdown()


def release_gpu_locks() -> None:
    """Release every GPU lock this process holds (they are otherwise kept until exit)."""
    for index in list(_LOCKS):
        _release(index)


def _release(index: int) -> None:
    """Close (and so unlock) this process's lock file of GPU `index`, if held."""
    handle = _LOCKS.pop(index, None)
    if handle is not None:
        handle.close()


def _lock_directory(lock_dir: str | Path | None) -> Path:
    """The lock directory: the argument, else $RGAN_GPU_LOCK_DIR, else the system temp dir."""
    if lock_dir is None:
        lock_dir = os.environ.get("RGAN_GPU_LOCK_DIR") or tempfile.gettempdir()
    return Path(lock_dir)


def _lock_path(directory: Path, index: int, slot: int) -> Path:
    """The lock file of job slot `slot` of GPU `index` (slot 0 keeps the one-job name)."""
    return directory / (f"gpu{index}.lock" if slot == 0 else f"gpu{index}.{slot}.lock")


def _held_by_others(path: Path) -> bool:
    """Whether another open file (another job) holds the lock on `path` now; a probe only."""
    try:
        handle = open(path)  # noqa: SIM115 - closed below
    except OSError:  # not made yet (or not readable): counted as free; locking it will tell
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def _busy_slots(index: int, jobs_per_gpu: int, directory: Path) -> int:
    """How many of GPU `index`'s job slots other jobs hold (a snapshot, for ordering GPUs)."""
    return sum(_held_by_others(_lock_path(directory, index, s)) for s in range(jobs_per_gpu))


def _try_lock(index: int, jobs_per_gpu: int, directory: Path) -> bool:
    """Lock a free job slot of GPU `index` exclusively without waiting; False if all are held."""
    if index in _LOCKS:
        return True
    directory.mkdir(parents=True, exist_ok=True)
    for slot in range(jobs_per_gpu):
        path = _lock_path(directory, index, slot)
        try:
            handle = open(path, "a+")  # noqa: SIM115 - stays open while the lock is held
        except PermissionError:  # another user's lock file: a read-only descriptor can still flock
            handle = open(path)  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        if handle.writable():
            handle.truncate(0)
            handle.write(f"{os.getpid()}\n")
            handle.flush()
        _LOCKS[index] = handle
        return True
    return False


def _uuid_key(uuid: object) -> str:
    """A GPU UUID as NVML or torch spells it, normalised for matching."""
    text = uuid.decode() if isinstance(uuid, bytes) else str(uuid)
    return text.lower().removeprefix("gpu-")


def _torch_indices_by_uuid(count: int) -> dict[str, int]:
    """Each CUDA device's UUID mapped to its torch index; empty where torch does not tell."""
    try:
        return {_uuid_key(torch.cuda.get_device_properties(i).uuid): i for i in range(count)}
    except (AttributeError, AssertionError, RuntimeError):
        return {}


def _nvml_gpus(count: int) -> list[_Gpu]:
    """GPUs NVML sees, with free bytes and torch index (matched by UUID: the orders can differ)."""
    import pynvml

    pynvml.nvmlInit()
    try:
        by_uuid = _torch_indices_by_uuid(count)
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            free = int(pynvml.nvmlDeviceGetMemoryInfo(handle).free)
            torch_index = by_uuid.get(_uuid_key(pynvml.nvmlDeviceGetUUID(handle)), index)
            if torch_index < count:
                gpus.append(_Gpu(index, torch_index, free))
        return gpus
    finally:
        pynvml.nvmlShutdown()


def _lock_freest_gpu(count: int, jobs_per_gpu: int, directory: Path) -> _Gpu | None:
    """Lock a job slot of the GPU this process holds, else of the GPU with the fewest other jobs
    and then the most free memory; None when every slot of every GPU is held."""
    try:
        gpus = _nvml_gpus(count)
    except Exception as error:  # no pynvml or no NVML library: order unknown, free memory unknown
        logger.warning("NVML unavailable (%s): trying the %d GPUs in index order", error, count)
        gpus = [_Gpu(index, index, None) for index in range(count)]
    busy = {gpu.lock_index: _busy_slots(gpu.lock_index, jobs_per_gpu, directory) for gpu in gpus}
    gpus.sort(
        key=lambda gpu: (gpu.lock_index not in _LOCKS, busy[gpu.lock_index], -(gpu.free or 0))
    )
    return next((gpu for gpu in gpus if _try_lock(gpu.lock_index, jobs_per_gpu, directory)), None)


def _no_gpu(problem: str, allow_cpu_fallback: bool) -> str:
    """Raise `problem` unless CPU fallback is allowed; then warn and return it as the reason."""
    if not allow_cpu_fallback:
        raise RuntimeError(f"{problem} (and allow_cpu_fallback is off)")
    logger.warning("%s: falling back to the CPU", problem)
    return problem


def choose_device(
    threads: int,
    *,
    required_bytes: int = 0,
    allow_cpu_fallback: bool = True,
    jobs_per_gpu: int = 1,
    lock_dir: str | Path | None = None,
) -> torch.device:
    """Pin CPU threads, pick the device, and refuse it if it lacks `required_bytes` of memory.
    Without a scheduler, up to `jobs_per_gpu` jobs share each of several GPUs (one lock file
    per job slot); a GPU handed out by a scheduler, or the only one, is used as it is."""
    if jobs_per_gpu < 1:
        raise ValueError(f"jobs_per_gpu must be at least 1, got {jobs_per_gpu}")
    torch.set_num_threads(max(1, threads))
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    gpu: _Gpu | None = None
    if visible is not None:
        if torch.cuda.is_available():
            gpu, reason = _Gpu(None, 0, None), f"first of CUDA_VISIBLE_DEVICES={visible}"
        else:
            problem = f"CUDA_VISIBLE_DEVICES={visible!r} is set but torch sees no usable GPU"
            reason = _no_gpu(problem, allow_cpu_fallback)
    elif not torch.cuda.is_available():
        reason = "torch sees no GPU"
    elif (count := torch.cuda.device_count()) == 1:
        gpu, reason = _Gpu(None, 0, None), "the only GPU"
    else:
        directory = _lock_directory(lock_dir)
        gpu = _lock_freest_gpu(count, jobs_per_gpu, directory)
        if gpu is None:
            problem = (
                f"all {count} GPUs are busy ({jobs_per_gpu} job(s) each, locked by other jobs"
                f" in {directory})"
            )
            reason = _no_gpu(problem, allow_cpu_fallback)
        else:
            lock = Path(_LOCKS[gpu.lock_index].name)
            reason = f"fewest other jobs, then most free memory, of the {count} GPUs; holds {lock}"

    if gpu is not None:
        free = gpu.free if gpu.free is not None else torch.cuda.mem_get_info(gpu.torch_index)[0]
        name = torch.cuda.get_device_name(gpu.torch_index)
        if free >= required_bytes:
            device = torch.device("cuda", gpu.torch_index)
            torch.cuda.set_device(device)  # bare "cuda" and synchronize() then mean this GPU
            logger.info("device: %s (%s, %s free): %s", device, name, _mib(free), reason)
            return device
        if gpu.lock_index is not None:
            _release(gpu.lock_index)
        problem = (
            f"GPU cuda:{gpu.torch_index} ({name}) has {_mib(free)} free but training needs "
            f"about {_mib(required_bytes)}"
        )
        reason = _no_gpu(problem, allow_cpu_fallback)

    if required_bytes > 0 and (available := host_available_bytes()) < required_bytes:
        raise RuntimeError(
            f"the host has {_mib(available)} of memory available but training needs "
            f"about {_mib(required_bytes)}"
        )
    logger.info("device: cpu with %d threads: %s", torch.get_num_threads(), reason)
    return torch.device("cpu")
