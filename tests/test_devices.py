"""Device choice: CUDA_VISIBLE_DEVICES, the locked multi-GPU picker and the memory checks."""

from __future__ import annotations

import fcntl
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pynvml
import pytest
import torch
from runner import process_group

from rgan import devices
from rgan.devices import (
    MIB,
    choose_device,
    estimate_training_bytes,
    gpu_free_bytes,
    host_available_bytes,
)

GIB = 1024 * MIB


@pytest.fixture(autouse=True)
def clean_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.delenv("RGAN_GPU_LOCK_DIR", raising=False)
    devices.release_gpu_locks()
    yield
    devices.release_gpu_locks()


class FakeGpus:
    """Fake torch.cuda and pynvml for `free` (bytes per NVML index); torch order via `torch_of`."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, free: list[int], torch_of: list[int] | None = None
    ) -> None:
        self.free = list(free)
        self.torch_of = torch_of or list(range(len(free)))  # NVML index -> torch index
        self.set_devices: list[torch.device] = []
        self.shutdowns = 0
        nvml_of = {t: n for n, t in enumerate(self.torch_of)}
        cuda = torch.cuda
        monkeypatch.setattr(cuda, "is_available", lambda: True)
        monkeypatch.setattr(cuda, "device_count", lambda: len(self.free))
        monkeypatch.setattr(cuda, "get_device_name", lambda i=None: f"Fake GPU t{i}")
        monkeypatch.setattr(
            cuda,
            "get_device_properties",
            lambda i: SimpleNamespace(uuid=f"uuid-{nvml_of[i]}"),
        )
        monkeypatch.setattr(cuda, "mem_get_info", lambda i=None: (self.free[nvml_of[i]], 80 * GIB))
        monkeypatch.setattr(cuda, "set_device", self.set_devices.append)
        monkeypatch.setattr(pynvml, "nvmlInit", lambda: None)
        monkeypatch.setattr(pynvml, "nvmlShutdown", self._shutdown)
        monkeypatch.setattr(pynvml, "nvmlDeviceGetCount", lambda: len(self.free))
        monkeypatch.setattr(pynvml, "nvmlDeviceGetHandleByIndex", lambda i: ("handle", i))
        monkeypatch.setattr(
            pynvml, "nvmlDeviceGetMemoryInfo", lambda h: SimpleNamespace(free=self.free[h[1]])
        )
        monkeypatch.setattr(pynvml, "nvmlDeviceGetUUID", lambda h: f"GPU-UUID-{h[1]}".encode())

    def _shutdown(self) -> None:
        self.shutdowns += 1


def hold_lock(path: Path) -> object:
    """Lock `path` through a separate open file description, as another job would."""
    handle = open(path, "a")  # noqa: SIM115
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return handle


def lockable(path: Path, mode: int = fcntl.LOCK_EX) -> bool:
    """Whether `path` can be locked in `mode` now, tried through a fresh open file description."""
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def no_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)


# --- CPU and CUDA_VISIBLE_DEVICES ---------------------------------------------------------------


def test_cpu_path_sets_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    no_gpu(monkeypatch)
    assert choose_device(3) == torch.device("cpu")
    assert torch.get_num_threads() == 3


def test_visible_devices_without_gpu_raises_when_no_fallback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no_gpu(monkeypatch)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2")
    with pytest.raises(RuntimeError, match="CUDA_VISIBLE_DEVICES='2'"):
        choose_device(1, allow_cpu_fallback=False)


def test_visible_devices_without_gpu_falls_back_with_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    no_gpu(monkeypatch)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2")
    with caplog.at_level(logging.INFO, logger="rgan.devices"):
        assert choose_device(2) == torch.device("cpu")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "CUDA_VISIBLE_DEVICES" in warnings[0].getMessage()
    assert torch.get_num_threads() == 2


def test_visible_devices_uses_first_visible_gpu(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    gpus = FakeGpus(monkeypatch, [6 * GIB])
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    with caplog.at_level(logging.INFO, logger="rgan.devices"):
        device = choose_device(1, required_bytes=5 * GIB, lock_dir=tmp_path)
    assert device == torch.device("cuda", 0)
    assert gpus.set_devices == [device]
    assert "Fake GPU t0" in caplog.text and "6144.0 MiB free" in caplog.text
    assert devices._LOCKS == {}  # the scheduler owns the GPU: no lock files
    assert list(tmp_path.iterdir()) == []


def test_visible_gpu_with_too_little_memory_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeGpus(monkeypatch, [1 * GIB])
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    with pytest.raises(RuntimeError, match=r"1024\.0 MiB free.*2048\.0 MiB"):
        choose_device(1, required_bytes=2 * GIB, allow_cpu_fallback=False)


def test_host_memory_refusal_names_both_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    no_gpu(monkeypatch)
    monkeypatch.setattr(devices, "host_available_bytes", lambda: 100 * MIB)
    with pytest.raises(RuntimeError, match=r"100\.0 MiB.*200\.0 MiB"):
        choose_device(1, required_bytes=200 * MIB)
    assert choose_device(1, required_bytes=99 * MIB) == torch.device("cpu")


def test_host_memory_refusal_with_real_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    no_gpu(monkeypatch)
    with pytest.raises(RuntimeError, match="MiB of memory available"):
        choose_device(1, required_bytes=1 << 60)


def test_host_available_bytes_without_psutil(monkeypatch: pytest.MonkeyPatch) -> None:
    with_psutil = host_available_bytes()
    monkeypatch.setitem(sys.modules, "psutil", None)  # import psutil -> ImportError
    from_meminfo = host_available_bytes()
    assert from_meminfo > 0
    assert abs(from_meminfo - with_psutil) < 0.2 * with_psutil


# --- estimate -----------------------------------------------------------------------------------


def test_estimate_formula_and_growth() -> None:
    base = estimate_training_bytes(10_000, batch=32, steps=20, features=3, hidden=64)
    assert base == 16 * 10_000 + 32 * 20 * (3 + 8 * 64) * 12 + 64 * MIB
    assert base > 64 * MIB
    assert estimate_training_bytes(10_000, batch=64, steps=20, features=3, hidden=64) > base
    assert estimate_training_bytes(10_000, batch=32, steps=20, features=3, hidden=128) > base
    assert estimate_training_bytes(10_000, 32, 20, 3, 64, layers=2) > base
    with pytest.raises(ValueError):
        estimate_training_bytes(-1, 32, 20, 3, 64)


# --- multi-GPU picker ---------------------------------------------------------------------------


def test_picks_gpu_with_most_free_memory_and_locks_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    gpus = FakeGpus(monkeypatch, [2 * GIB, 8 * GIB, 4 * GIB])
    with caplog.at_level(logging.INFO, logger="rgan.devices"):
        device = choose_device(1, required_bytes=GIB, lock_dir=tmp_path)
    assert device == torch.device("cuda", 1)
    assert gpus.set_devices == [device]
    assert set(devices._LOCKS) == {1}
    assert not lockable(tmp_path / "gpu1.lock")
    assert not lockable(tmp_path / "gpu1.lock", fcntl.LOCK_SH)  # exclusive: not even shared
    assert not (tmp_path / "gpu0.lock").exists()  # the freest GPU locked at the first try
    assert (tmp_path / "gpu1.lock").read_text().strip().isdigit()  # holder's pid
    assert "Fake GPU t1" in caplog.text and "8192.0 MiB free" in caplog.text
    assert gpus.shutdowns >= 1


def test_lock_dir_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    FakeGpus(monkeypatch, [2 * GIB, 8 * GIB])
    monkeypatch.setenv("RGAN_GPU_LOCK_DIR", str(tmp_path / "locks"))
    assert choose_device(1) == torch.device("cuda", 1)
    assert not lockable(tmp_path / "locks" / "gpu1.lock")


def test_skips_gpu_locked_by_another_open_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    FakeGpus(monkeypatch, [2 * GIB, 8 * GIB, 4 * GIB])
    held = hold_lock(tmp_path / "gpu1.lock")
    try:
        assert choose_device(1, lock_dir=tmp_path) == torch.device("cuda", 2)
    finally:
        held.close()
    assert set(devices._LOCKS) == {2}


def test_skips_gpu_locked_by_another_process(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    FakeGpus(monkeypatch, [2 * GIB, 8 * GIB, 4 * GIB])
    holder_command = [
        sys.executable,
        "-c",
        "import fcntl, sys; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX);"
        " print('locked', flush=True); sys.stdin.read()",
        str(tmp_path / "gpu1.lock"),
    ]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "text": True}
    with process_group(holder_command, **pipes) as holder:  # ended on every path
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        assert choose_device(1, lock_dir=tmp_path) == torch.device("cuda", 2)
        holder.communicate(timeout=30)  # end of its stdin: it exits, releasing the lock
    assert lockable(tmp_path / "gpu1.lock")  # the other process's lock died with it


def test_all_gpus_locked_raises_or_falls_back(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    FakeGpus(monkeypatch, [2 * GIB, 8 * GIB, 4 * GIB])
    held = [hold_lock(tmp_path / f"gpu{i}.lock") for i in range(3)]
    try:
        with pytest.raises(RuntimeError, match="all 3 GPUs are busy"):
            choose_device(1, lock_dir=tmp_path, allow_cpu_fallback=False)
        with caplog.at_level(logging.WARNING, logger="rgan.devices"):
            assert choose_device(1, lock_dir=tmp_path) == torch.device("cpu")
        assert "all 3 GPUs are busy" in caplog.text
    finally:
        for handle in held:
            handle.close()
    assert devices._LOCKS == {}


def test_refuses_gpu_with_too_little_memory_and_unlocks_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    FakeGpus(monkeypatch, [2 * GIB, 8 * GIB, 4 * GIB])
    with pytest.raises(RuntimeError, match=r"8192\.0 MiB free.*16384\.0 MiB"):
        choose_device(1, required_bytes=16 * GIB, lock_dir=tmp_path, allow_cpu_fallback=False)
    assert devices._LOCKS == {}
    assert lockable(tmp_path / "gpu1.lock")
    monkeypatch.setattr(devices, "host_available_bytes", lambda: 64 * GIB)
    with caplog.at_level(logging.WARNING, logger="rgan.devices"):
        assert choose_device(1, required_bytes=16 * GIB, lock_dir=tmp_path) == torch.device("cpu")
    assert "16384.0 MiB" in caplog.text
    assert devices._LOCKS == {}


def test_jobs_share_a_gpu_in_slots_and_spread_over_gpus_first(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    FakeGpus(monkeypatch, [2 * GIB, 8 * GIB])
    other_job = hold_lock(tmp_path / "gpu1.lock")  # one job on the GPU with more free memory
    try:
        # Two jobs per GPU: the idle GPU first, though it has less free memory.
        assert choose_device(1, jobs_per_gpu=2, lock_dir=tmp_path) == torch.device("cuda", 0)
        assert not lockable(tmp_path / "gpu0.lock")
        devices.release_gpu_locks()
        third_job = hold_lock(tmp_path / "gpu0.lock")
        try:  # one job on each: the freer GPU's second slot
            assert choose_device(1, jobs_per_gpu=2, lock_dir=tmp_path) == torch.device("cuda", 1)
            assert not lockable(tmp_path / "gpu1.1.lock")
            devices.release_gpu_locks()
            # One job per GPU (the default): both are busy.
            with pytest.raises(RuntimeError, match=r"all 2 GPUs are busy \(1 job\(s\) each"):
                choose_device(1, lock_dir=tmp_path, allow_cpu_fallback=False)
        finally:
            third_job.close()
    finally:
        other_job.close()


def test_jobs_per_gpu_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="jobs_per_gpu must be at least 1, got 0"):
        choose_device(1, jobs_per_gpu=0)


def test_maps_nvml_order_to_torch_order_by_uuid(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # NVML (PCI order) index 1 is torch's cuda:2 (torch orders fastest first).
    gpus = FakeGpus(monkeypatch, [2 * GIB, 8 * GIB, 4 * GIB], torch_of=[1, 2, 0])
    device = choose_device(1, lock_dir=tmp_path)
    assert device == torch.device("cuda", 2)
    assert gpus.set_devices == [device]
    assert set(devices._LOCKS) == {1}  # locks name the NVML index, stable across processes
    assert not lockable(tmp_path / "gpu1.lock")


def test_second_call_keeps_the_gpu_this_process_holds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    gpus = FakeGpus(monkeypatch, [2 * GIB, 8 * GIB, 4 * GIB])
    assert choose_device(1, lock_dir=tmp_path) == torch.device("cuda", 1)
    gpus.free = [9 * GIB, 3 * GIB, 4 * GIB]
    assert choose_device(1, lock_dir=tmp_path) == torch.device("cuda", 1)
    assert set(devices._LOCKS) == {1}


def test_without_nvml_tries_gpus_in_order(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    FakeGpus(monkeypatch, [2 * GIB, 8 * GIB])

    def broken() -> None:
        raise pynvml.NVMLError(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND)

    monkeypatch.setattr(pynvml, "nvmlInit", broken)
    held = hold_lock(tmp_path / "gpu0.lock")
    try:
        with caplog.at_level(logging.INFO, logger="rgan.devices"):
            device = choose_device(1, required_bytes=GIB, lock_dir=tmp_path)
    finally:
        held.close()
    assert device == torch.device("cuda", 1)
    assert "NVML unavailable" in caplog.text and "8192.0 MiB free" in caplog.text


def test_gpu_free_bytes_reads_nvml(monkeypatch: pytest.MonkeyPatch) -> None:
    gpus = FakeGpus(monkeypatch, [2 * GIB, 8 * GIB])
    assert gpu_free_bytes(1) == 8 * GIB
    assert gpus.shutdowns == 1
