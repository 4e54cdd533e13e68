"""Logging for workflow scripts: everything, tracebacks included, goes to the rule's log file."""

from __future__ import annotations

import logging
import sys
from types import TracebackType


def setup(log_path: str | None, level: int = logging.INFO) -> logging.Logger:
    """Send the `rgan` logger to `log_path` (and stderr) and log uncaught exceptions there too."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        handlers.append(logging.FileHandler(log_path, mode="w"))
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    logging.captureWarnings(True)
    logger = logging.getLogger("rgan")

    def log_uncaught(kind: type[BaseException], value: BaseException, tb: TracebackType | None):
        logger.error("failed: %s", value, exc_info=(kind, value, tb))

    sys.excepthook = log_uncaught
    return logger
