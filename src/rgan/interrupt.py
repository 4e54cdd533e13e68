"""Stop signals: SLURM's SIGTERM at the walltime (or the SIGUSR1 that `sbatch --signal` can send
ahead of it), or Ctrl-C. In training the first one is only recorded, so that training can finish
its batch and write a checkpoint, and a second one stops at once; elsewhere (downloads) SIGTERM
raises, so that `finally` clauses remove temporary files."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1)


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """While active (in the main thread), SIGTERM raises SystemExit(143) instead of killing the
    process outright, so that `finally` clauses run and remove temporary files."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


class TrainingInterrupted(Exception):
    """Training stopped on a signal after writing a checkpoint; a rerun resumes there."""

    def __init__(self, message: str, signal_number: int):
        super().__init__(message)
        self.exit_code = 128 + signal_number  # as if the signal had ended the process


class StopRequest:
    """While active (a `with` block in the main thread), records the first stop signal."""

    def __init__(self) -> None:
        self.received: signal.Signals | None = None
        self.previous: dict[int, signal.Handlers] = {}

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for number in STOP_SIGNALS:
                self.previous[number] = signal.signal(number, self.record)
        return self

    def __exit__(self, *exc_info) -> None:
        for number, handler in self.previous.items():
            signal.signal(number, handler)

    def record(self, number: int, frame: FrameType | None) -> None:
        if self.received is not None:
            raise KeyboardInterrupt(f"second stop signal ({signal.Signals(number).name})")
        self.received = signal.Signals(number)

    def __call__(self) -> bool:
        """Whether a stop signal has arrived."""
        return self.received is not None
