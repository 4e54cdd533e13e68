"""Where training runs: CUDA when torch sees a GPU (honours CUDA_VISIBLE_DEVICES), else the CPU."""

from __future__ import annotations

import logging
import os

import torch

logger = logging.getLogger(__name__)


def choose_device(threads: int) -> torch.device:
    """Pick the device and pin the CPU thread count to the rule's `threads`."""
    torch.set_num_threads(max(1, threads))
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if torch.cuda.is_available():
        device = torch.device("cuda")
        logger.info(
            "device: %s (CUDA_VISIBLE_DEVICES=%s)", torch.cuda.get_device_name(device), visible
        )
    else:
        device = torch.device("cpu")
        if visible not in (None, ""):
            logger.warning(
                "CUDA_VISIBLE_DEVICES=%s but torch sees no usable GPU: using the CPU", visible
            )
        logger.info("device: cpu with %d threads", torch.get_num_threads())
    return device
