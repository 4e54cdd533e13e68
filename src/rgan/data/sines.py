"""The `sines` benchmark data set: TimeGAN's `sine_data_generation` (jsyoon0823/TimeGAN,
data_loading.py), seeded."""

from __future__ import annotations

import numpy as np


def sine_data(n: int = 10_000, seq_len: int = 24, dim: int = 5, seed: int = 0) -> np.ndarray:
    """(n, seq_len, dim) float32 in [0, 1]: per sequence and feature, freq and phase drawn from
    U(0, 0.1) (freq first, then phase, sequence by sequence and feature by feature, as the
    reference's loops draw them), x_j = sin(freq * j + phase) for j = 0..seq_len-1, then
    (x + 1) * 0.5. The reference uses numpy's global RNG; here `np.random.default_rng(seed)`.
    Quirk kept: freq * j + phase stays below 2.4 < pi for seq_len 24, so the values lie in
    [0.5, 1], not [0, 1]."""
    rng = np.random.default_rng(seed)
    draws = rng.uniform(0.0, 0.1, size=(n, dim, 2))
    freq, phase = draws[..., 0], draws[..., 1]
    steps = np.arange(seq_len, dtype=np.float64)
    x = np.sin(freq[:, None, :] * steps[None, :, None] + phase[:, None, :])
    return ((x + 1.0) * 0.5).astype(np.float32)
