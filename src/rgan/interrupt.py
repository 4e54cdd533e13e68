"""Stop requests by signal: SLURM's SIGTERM at the walltime (or the SIGUSR1 that `sbatch
--signal` sends ahead of it), or Ctrl-C. The first one is only recorded, so that training can
finish its batch and write a checkpoint; a second one stops at once."""

from __future__ import annotations

import signal
import threading
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1)


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
