"""The benchmark protocol's scores, exactly as the reference code computes them, ported from
TensorFlow 1 to PyTorch: TimeGAN's discriminative and predictive scores (jsyoon0823/TimeGAN,
metrics/discriminative_metrics.py, metrics/predictive_metrics.py, utils.py; Diffusion-TS's
Utils/discriminative_metric.py and Utils/predictive_metric.py are the same code), Diffusion-TS's
correlational score (Y-debug-sys/Diffusion-TS, Utils/cross_correlation.py, and the loop of
Experiments/metric_pytorch.ipynb) and its mean ± 95 % half-width over repeats
(Utils/metric_utils.py, display_scores).

These are NOT the held-out scores of `rgan.metrics.posthoc` (`discriminative_score`,
`predictive_mae`): those compare against a real test split, predict every feature and use our own
network sizes. The protocol's scores compare against all real windows, as the papers do.

What the port keeps from the reference (TensorFlow 1.x semantics):

- The recurrent network is `tf.nn.rnn_cell.GRUCell` with tanh: gates
  [r, u] = sigmoid([x, h] W_g + b_g), candidate c = tanh([x, r * h] W_c + b_c),
  h' = u * h + (1 - u) * c. The reset gate multiplies the state *before* the candidate's matmul
  (not after it, as in `torch.nn.GRU`), the gate bias starts at 1.0 and the candidate bias at 0,
  and the kernels are Glorot-uniform over the joint [input + hidden] rows. Dense layers
  (`tf.layers.dense`) are Glorot-uniform with zero bias. The state starts at zero.
- Hidden size `int(dim / 2)` in both scores (2 for sines, 3 for stocks, 14 for energy).
- Optimiser `tf.train.AdamOptimizer()`: lr 1e-3, betas (0.9, 0.999), epsilon 1e-8 added to
  sqrt(v) *without* bias correction (TF's "epsilon hat"), unlike `torch.optim.Adam`.
- Mini-batches: every iteration draws 128 rows without replacement, afresh (TimeGAN's
  `batch_generator`: the first 128 of a random permutation); no epochs.
- All arithmetic in float32, as TF's placeholders.
- Both reference scores take the synthetic sequences' lengths from the REAL data
  (`generated_time = extract_time(ori_data)`) and feed them as `sequence_length`; with the
  protocol's equal-length windows that changes nothing, and only equal lengths are accepted here.

The reference draws from numpy's global RNG and TF's graph seed; here every call is seeded by its
`seed` (a numpy Generator for splits and batches, a torch Generator for the initial weights), so
the caller's RNGs are untouched and a score is reproducible. `*_runs` functions train the models
of several seeds side by side (stacked weights, one batched matmul): each seed's score is the
one the single-seed function returns, only faster.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import torch

BATCH = 128
DISCRIMINATIVE_ITERATIONS = 2000
PREDICTIVE_ITERATIONS = 5000
TRAIN_RATE = 0.8
# scipy.stats.t.ppf(0.975, 4): display_scores hard-codes 5 - 1 degrees of freedom
T_975_DF4 = 2.7764451051977987


@contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """torch's intra-op thread count set to `threads` for the block, restored after; None leaves
    it alone."""
    if threads is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _as_sequences(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3:
        raise ValueError(f"{name}: expected (sequences, steps, features), got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name}: contains NaN or infinite values")
    return x


def _glorot(shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
    """TF's glorot_uniform_initializer for a 2-D kernel (fan_in, fan_out) = shape[-2:]."""
    limit = math.sqrt(6.0 / (shape[-2] + shape[-1]))
    return torch.empty(shape).uniform_(-limit, limit, generator=generator)


class StackedGRU:
    """M independent copies (one per seed) of TF1's GRUCell + a dense layer, weights stacked on a
    leading model axis. Parameters: gate kernel (M, D + H, 2H) with bias (M, 1, 2H) starting at
    1.0, candidate kernel (M, D + H, H) with bias (M, 1, H) at 0, dense (M, H, 1) and (M, 1, 1)."""

    NAMES = (
        "gate_kernel",
        "gate_bias",
        "candidate_kernel",
        "candidate_bias",
        "dense_kernel",
        "dense_bias",
    )

    def __init__(self, inputs: int, hidden: int, seeds: Sequence[int]):
        self.inputs, self.hidden = inputs, hidden
        rows = inputs + hidden
        kernels = []
        for seed in seeds:
            g = torch.Generator().manual_seed(int(seed))
            # the reference creates the cell's variables (gates, then candidate), then the dense
            kernels.append(
                (
                    _glorot((rows, 2 * hidden), g),
                    _glorot((rows, hidden), g),
                    _glorot((hidden, 1), g),
                )
            )
        m = len(seeds)
        self.gate_kernel = torch.stack([k[0] for k in kernels]).requires_grad_()
        self.gate_bias = torch.ones(m, 1, 2 * hidden, requires_grad=True)
        self.candidate_kernel = torch.stack([k[1] for k in kernels]).requires_grad_()
        self.candidate_bias = torch.zeros(m, 1, hidden, requires_grad=True)
        self.dense_kernel = torch.stack([k[2] for k in kernels]).requires_grad_()
        self.dense_bias = torch.zeros(m, 1, 1, requires_grad=True)

    def parameters(self) -> list[torch.Tensor]:
        return [getattr(self, name) for name in self.NAMES]

    def pick(self, k: int) -> StackedGRU:
        """Model k alone (a view on its weights), as a stack of one."""
        one = StackedGRU.__new__(StackedGRU)
        one.inputs, one.hidden = self.inputs, self.hidden
        for name in self.NAMES:
            setattr(one, name, getattr(self, name)[k : k + 1])
        return one

    def states(self, x: torch.Tensor) -> torch.Tensor:
        """Hidden states (M, B, T, H) of x (M, B, T, D), or of x (B, T, D) fed to every model.
        [x, h] W = x W[:D] + h W[D:]: the input halves of both matmuls are done for all steps at
        once."""
        d, h_size = self.inputs, self.hidden
        m = self.gate_kernel.shape[0]
        if x.dim() == 3:
            x = x.unsqueeze(0)
        b, t = x.shape[1], x.shape[2]
        flat = x.reshape(x.shape[0], b * t, d)
        gate_x = (torch.matmul(flat, self.gate_kernel[:, :d]) + self.gate_bias).view(m, b, t, -1)
        cand_x = (torch.matmul(flat, self.candidate_kernel[:, :d]) + self.candidate_bias).view(
            m, b, t, -1
        )
        gate_h, cand_h = self.gate_kernel[:, d:], self.candidate_kernel[:, d:]
        h = x.new_zeros(m, b, h_size)
        out = []
        # unbind, not indexing: its backward is one stack, not a zero-filled copy per step
        for gate_step, cand_step in zip(gate_x.unbind(2), cand_x.unbind(2), strict=True):
            r, u = torch.sigmoid(torch.baddbmm(gate_step, h, gate_h)).chunk(2, dim=-1)
            c = torch.tanh(torch.baddbmm(cand_step, r * h, cand_h))
            h = u * h + (1 - u) * c
            out.append(h)
        return torch.stack(out, dim=2)

    def dense(self, states: torch.Tensor) -> torch.Tensor:
        """The dense layer on states (M, B, ..., H) -> logits (M, B, ...)."""
        flat = states.reshape(states.shape[0], -1, self.hidden)
        return torch.baddbmm(self.dense_bias, flat, self.dense_kernel).view(states.shape[:-1])

    def last_logit(self, x: torch.Tensor) -> torch.Tensor:
        """The dense layer on the last state (TimeGAN's `d_last_states`): logits (M, B)."""
        return self.dense(self.states(x)[:, :, -1])


class TFAdam:
    """`tf.compat.v1.train.AdamOptimizer()` with its defaults: lr_t = lr * sqrt(1 - b2^t) /
    (1 - b1^t), p -= lr_t * m / (sqrt(v) + eps)."""

    def __init__(self, params: list[torch.Tensor], lr: float = 1e-3, b1: float = 0.9,
                 b2: float = 0.999, eps: float = 1e-8):  # fmt: skip
        self.params, self.lr, self.b1, self.b2, self.eps = params, lr, b1, b2, eps
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.t = 0

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        lr_t = self.lr * math.sqrt(1 - self.b2**self.t) / (1 - self.b1**self.t)
        for p, m, v in zip(self.params, self.m, self.v, strict=True):
            g = p.grad
            m.mul_(self.b1).add_(g, alpha=1 - self.b1)
            v.mul_(self.b2).addcmul_(g, g, value=1 - self.b2)
            p.addcdiv_(m, v.sqrt().add_(self.eps), value=-lr_t)
            p.grad = None


def _batches(rngs: list[np.random.Generator], n: int) -> np.ndarray:
    """(M, 128) rows, each model's drawn without replacement by its own rng (batch_generator)."""
    size = min(BATCH, n)
    return np.stack([rng.choice(n, size, replace=False) for rng in rngs])


def protocol_discriminative_runs(
    real: np.ndarray,
    synthetic: np.ndarray,
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    threads: int | None = None,
    iterations: int = DISCRIMINATIVE_ITERATIONS,
) -> list[float]:
    """TimeGAN's discriminative score, one per seed: |accuracy - 0.5| of a post-hoc GRU
    classifier (0: it cannot tell real from synthetic, 0.5: it always can).

    As the reference: real and synthetic are each split 80/20 by their own random permutation
    (`train_test_divide`: the first int(0.8 n) rows train); a GRU(int(dim / 2)) reads the whole
    sequence and a dense layer on its last state gives a logit; the loss is mean sigmoid cross-
    entropy on a batch of 128 real rows (label 1) plus the same on 128 synthetic rows (label 0),
    both batches drawn afresh every iteration from the training parts, the same weights for both;
    2,000 Adam iterations. Accuracy is `accuracy_score` over the real and synthetic test parts
    together, predicting real where sigmoid(logit) > 0.5 (strictly). Quirks kept: the accuracy
    is over the union, so unequal set sizes weight it towards the larger test part (Diffusion-TS
    passes synthetic[:len(real)]); the test parts are never balanced. Deviation: the reference's
    hidden size int(dim / 2) is 0 for one feature, here at least 1."""
    real = _as_sequences(real, "real")
    synthetic = _as_sequences(synthetic, "synthetic")
    if real.shape[1:] != synthetic.shape[1:]:
        raise ValueError(f"real {real.shape} and synthetic {synthetic.shape} shapes differ")
    dim = real.shape[2]
    rngs = [np.random.default_rng(int(s)) for s in seeds]
    splits = []
    for rng in rngs:  # train_test_divide: real's permutation first, then synthetic's
        parts = []
        for n in (len(real), len(synthetic)):
            order = rng.permutation(n)
            parts.append((order[: int(n * TRAIN_RATE)], order[int(n * TRAIN_RATE) :]))
        splits.append(parts)
    X_real, X_fake = torch.from_numpy(real), torch.from_numpy(synthetic)
    with torch_threads(threads):
        net = StackedGRU(dim, max(int(dim / 2), 1), seeds)
        optimiser = TFAdam(net.parameters())
        train_real = np.stack([s[0][0] for s in splits])
        train_fake = np.stack([s[1][0] for s in splits])
        for _ in range(iterations):
            pick_real = np.take_along_axis(train_real, _batches(rngs, train_real.shape[1]), 1)
            pick_fake = np.take_along_axis(train_fake, _batches(rngs, train_fake.shape[1]), 1)
            # real and synthetic batches through the same weights: one pass over (M, 2B, T, D)
            x = torch.cat(
                [X_real[torch.from_numpy(pick_real)], X_fake[torch.from_numpy(pick_fake)]], 1
            )
            logits = net.last_logit(x)
            b = pick_real.shape[1]
            loss_real = torch.nn.functional.binary_cross_entropy_with_logits(
                logits[:, :b], torch.ones_like(logits[:, :b]), reduction="none"
            ).mean(1)
            loss_fake = torch.nn.functional.binary_cross_entropy_with_logits(
                logits[:, b:], torch.zeros_like(logits[:, b:]), reduction="none"
            ).mean(1)
            (loss_real + loss_fake).sum().backward()  # models are independent: sum of losses
            optimiser.step()
        scores = []
        with torch.no_grad():
            for k, (real_parts, fake_parts) in enumerate(splits):
                one = net.pick(k)
                p_real = torch.sigmoid(one.last_logit(X_real[torch.from_numpy(real_parts[1])])[0])
                p_fake = torch.sigmoid(one.last_logit(X_fake[torch.from_numpy(fake_parts[1])])[0])
                correct = int((p_real > 0.5).sum()) + int((p_fake <= 0.5).sum())
                accuracy = correct / (len(p_real) + len(p_fake))
                scores.append(abs(0.5 - accuracy))
    return scores


def protocol_discriminative(
    real: np.ndarray,
    synthetic: np.ndarray,
    seed: int = 0,
    threads: int | None = None,
    iterations: int = DISCRIMINATIVE_ITERATIONS,
) -> float:
    """TimeGAN's discriminative score for one seed (see `protocol_discriminative_runs`)."""
    return protocol_discriminative_runs(real, synthetic, (seed,), threads, iterations)[0]


def protocol_predictive_runs(
    real: np.ndarray,
    synthetic: np.ndarray,
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    threads: int | None = None,
    iterations: int = PREDICTIVE_ITERATIONS,
) -> list[float]:
    """TimeGAN's predictive score ("train on synthetic, test on real"), one per seed.

    As the reference: a GRU(int(dim / 2)) reads X[:, :-1, :dim-1] (every feature but the last,
    steps 1..T-1) and a dense layer + sigmoid on every step's state predicts X[:, 1:, dim-1] (the
    last feature one step ahead); loss `tf.losses.absolute_difference` (the mean over batch and
    steps); 5,000 Adam iterations on batches of 128 SYNTHETIC sequences drawn afresh each time.
    Score: on ALL real sequences (no split), the mean absolute error of each sequence (sklearn's
    `mean_absolute_error` over its T-1 steps), averaged over sequences. With the papers' "real
    data" row, `synthetic` is `real` itself. Quirks kept: only the last feature is predicted
    (its own past is not an input); the sigmoid output assumes targets in [0, 1] (the protocol's
    min-max scaling); no validation or early stopping. One feature leaves no input (the
    reference fails there too): dim < 2 is an error."""
    real = _as_sequences(real, "real")
    synthetic = _as_sequences(synthetic, "synthetic")
    if real.shape[1:] != synthetic.shape[1:]:
        raise ValueError(f"real {real.shape} and synthetic {synthetic.shape} shapes differ")
    dim = real.shape[2]
    if dim < 2:
        raise ValueError("the predictive score needs at least 2 features (dim - 1 inputs)")
    rngs = [np.random.default_rng(int(s)) for s in seeds]
    X_fake = torch.from_numpy(synthetic[:, :-1, : dim - 1].copy())
    Y_fake = torch.from_numpy(synthetic[:, 1:, dim - 1].copy())
    with torch_threads(threads):
        net = StackedGRU(dim - 1, max(int(dim / 2), 1), seeds)
        optimiser = TFAdam(net.parameters())
        for _ in range(iterations):
            rows = torch.from_numpy(_batches(rngs, len(synthetic)))
            predicted = torch.sigmoid(net.dense(net.states(X_fake[rows])))
            errors = (predicted - Y_fake[rows]).abs()
            errors.mean(dim=(1, 2)).sum().backward()
            optimiser.step()
        with torch.no_grad():
            X_real = torch.from_numpy(real[:, :-1, : dim - 1].copy())
            Y_real = torch.from_numpy(real[:, 1:, dim - 1].copy()).double()
            scores = []
            for k in range(len(seeds)):
                predicted = torch.sigmoid(net.pick(k).dense(net.pick(k).states(X_real))[0])
                per_sequence = (predicted.double() - Y_real).abs().mean(1)
                scores.append(float(per_sequence.mean()))
    return scores


def protocol_predictive(
    real: np.ndarray,
    synthetic: np.ndarray,
    seed: int = 0,
    threads: int | None = None,
    iterations: int = PREDICTIVE_ITERATIONS,
) -> float:
    """TimeGAN's predictive score for one seed (see `protocol_predictive_runs`)."""
    return protocol_predictive_runs(real, synthetic, (seed,), threads, iterations)[0]


def cross_correlation_loss(real: np.ndarray, synthetic: np.ndarray) -> float:
    """Diffusion-TS's `CrossCorrelLoss(real).compute(synthetic)` (Utils/cross_correlation.py,
    `cacf_torch` with max_lag 1): every feature standardised over samples and steps together
    (mean, unbiased std: torch's default), each set separately; for every pair (i, j) with
    j <= i, the diagonal included, the lag-0 product x_i * x_j averaged over steps and then over
    samples (a correlation matrix's lower triangle); the score is the sum over pairs of
    |synthetic - real| divided by 10. Quirks kept: the diagonal terms (n T - 1) / (n T) are in the
    sum (they cancel for equal set sizes); the /10 is arbitrary; a constant feature gives NaN.
    Computed in float64 (the reference uses its input's dtype)."""
    a = torch.as_tensor(_as_sequences(real, "real"), dtype=torch.float64)
    b = torch.as_tensor(_as_sequences(synthetic, "synthetic"), dtype=torch.float64)
    if a.shape[2] != b.shape[2]:
        raise ValueError(f"real {a.shape} and synthetic {b.shape} features differ")
    rows, cols = torch.tril_indices(a.shape[2], a.shape[2])

    def lag0(x: torch.Tensor) -> torch.Tensor:
        x = (x - x.mean((0, 1), keepdim=True)) / x.std((0, 1), keepdim=True)
        return (x[..., rows] * x[..., cols]).mean(1).mean(0)

    return float((lag0(b) - lag0(a)).abs().sum() / 10.0)


def correlational_score(
    real: np.ndarray, synthetic: np.ndarray, seed: int = 0, iterations: int = 5
) -> float:
    """One repeat of Diffusion-TS's correlational score (Experiments/metric_pytorch.ipynb): draw
    int(len(real) / iterations) rows WITH replacement from real and, independently, as many
    from synthetic (`np.random.randint`), and return `cross_correlation_loss` of the two draws.
    The notebook runs `iterations` = 5 such draws and reports `display_scores` of them: that is
    `repeated(lambda s: correlational_score(real, synthetic, s))`. Because of the resampling,
    a set against itself does not score exactly 0 here; `cross_correlation_loss` does."""
    real = _as_sequences(real, "real")
    synthetic = _as_sequences(synthetic, "synthetic")
    rng = np.random.default_rng(int(seed))
    size = int(len(real) / iterations)
    real_rows = rng.integers(0, len(real), size)
    fake_rows = rng.integers(0, len(synthetic), size)
    return cross_correlation_loss(real[real_rows], synthetic[fake_rows])


def timegan_windows(rows: np.ndarray, seq_len: int = 24, seed: int = 0) -> np.ndarray:
    """TimeGAN's `real_data_loading` (data_loading.py) of a (time, columns) table as loaded by
    `np.loadtxt(..., skiprows=1)`: rows reversed ("to make chronological data"; stock_data.csv is
    oldest-first already, so this makes it newest-first), every column scaled to
    (x - min) / (max - min + 1e-7), windows rows[i : i + seq_len] for i in range(len - seq_len)
    (the last possible window left out, as the reference does), shuffled (here by
    `default_rng(seed)`). float32 (windows, seq_len, columns)."""
    rows = np.asarray(rows, dtype=np.float64)[::-1]
    rows = (rows - rows.min(0)) / (rows.max(0) - rows.min(0) + 1e-7)
    windows = np.stack([rows[i : i + seq_len] for i in range(len(rows) - seq_len)])
    return windows[np.random.default_rng(seed).permutation(len(windows))].astype(np.float32)


def summary(results: Sequence[float]) -> tuple[float, float]:
    """Diffusion-TS's `display_scores`: (mean, scipy.stats.sem(results) * t.ppf(0.975, 5 - 1)).
    Quirk kept: the degrees of freedom are hard-coded to 4 (right for its 5 repeats only); sem
    uses ddof=1, so a single result gives NaN."""
    values = np.asarray(results, dtype=np.float64)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, float("nan")
    sem = float(values.std(ddof=1) / math.sqrt(len(values)))
    return mean, sem * T_975_DF4


def repeated(score: Callable[[int], float], n: int = 5) -> tuple[float, float]:
    """Mean and 95 % confidence half-width of `score(seed)` for seeds 0..n-1, as Diffusion-TS's
    `display_scores` reports them (see `summary`)."""
    return summary([score(seed) for seed in range(n)])
