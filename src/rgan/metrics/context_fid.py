"""Context-FID (Jeha et al. 2022) exactly as Diffusion-TS computes it (`Utils/context_fid.py`).

A TS2Vec encoder (Yue et al. 2022) is trained on the *real* sequences by hierarchical
contrastive learning; both sets are embedded (max-pooled over the full series) by the
weight-averaged encoder, and the score is the Fréchet distance between Gaussian fits of the two
sets of embeddings.

Matched to the reference (Diffusion-TS `Models/ts2vec/`, identical to yuezhihan/ts2vec):

- `Context_FID`: TS2Vec(input_dims=features, batch_size=8, lr=0.001, output_dims=320,
  max_train_length=3000) fitted on the real data with the default budget (200 iterations when
  `real.size <= 100_000`, 600 otherwise), then `encode(..., encoding_window='full_series')` of
  both sets. Its `np.random.permutation` of rows leaves the score unchanged; its indexing of the
  synthetic embeddings by that permutation keeps the first `len(real)` synthetic rows, which we do
  too.
- `calculate_fid`: `np.cov(rowvar=False)` (ddof 1), `scipy.linalg.sqrtm(sigma1 @ sigma2)`, the
  real part when the root comes out complex, `|mu1 - mu2|² + tr(sigma1 + sigma2 - 2 covmean)`.
- Encoder: input_fc (features → 64) → timestamp mask (binomial p=0.5 while training,
  all-true when encoding) → 10 residual blocks of two GELU-preceded dilated convolutions
  (hidden 64, kernel 3, dilation 2^i, same padding) and a final block to 320 channels with a
  1×1 projection on the residual → dropout 0.1. Parameter names match the reference's, so its
  state dicts load.
- Training: AdamW (lr 0.001, PyTorch defaults otherwise), shuffled batches of 8 dropping the last
  partial batch, epochs repeated until the iteration budget; per batch the two overlapping random
  crops of `fit()` (a common segment of random length ≥ 2, each view extended by a random
  amount, per-row random offsets); hierarchical contrastive loss (alpha 0.5, temporal_unit 0:
  instance + temporal contrast at every scale, max-pooled by 2 until one step remains); the
  equal-weight running mean of the weights (`AveragedModel`'s default, initial weights included)
  updated after every step and used, in eval mode, for encoding.

Deviations, none of which changes results in expectation:

- Random streams differ: crops come from a `numpy.random.Generator` seeded with `seed`; the
  shuffling, masks, dropout and initial weights from torch's generator seeded with `seed` (inside
  `torch.random.fork_rng`, so the caller's state is untouched). The reference uses global RNGs.
- Speed-ups that leave the mathematics unchanged (float rounding aside): the two crops go through
  the encoder in one batch, the shorter right-padded and its padding re-zeroed before every
  convolution (exactly what the convolutions' own zero padding sees); a convolution whose
  dilation is at least the series length applies only its centre tap (the others see only
  padding); fused AdamW; a plain running mean instead of `AveragedModel`; encoding in batches of
  512 rather than 8.
- The Fréchet distance is computed in float64 (the reference takes float32 means).
- Inputs with NaN and series longer than 3,000 steps (which the reference pads and splits) are
  rejected; a synthetic set smaller than the real one is scored (the reference raises).

Cost on the 2-core development machine (shared, load ≈ 4), 10,000 sines windows of 24 × 5 (600
iterations): training ≈ 25–30 s and encoding both sets ≈ 10–12 s with one intra-op thread, so
≈ 40 s a call. Two intra-op threads were much slower there under contention (the small
convolutions do not parallelise); run repeats as separate one-thread processes instead.
"""

from __future__ import annotations

import copy

import numpy as np
import scipy.linalg
import torch
import torch.nn.functional as F
from torch import nn

# Context_FID's TS2Vec settings; the rest are TS2Vec's defaults.
BATCH_SIZE, LR, OUTPUT_DIMS, MAX_TRAIN_LENGTH = 8, 1e-3, 320, 3000
ENCODE_BATCH = 512


class SamePadConv(nn.Module):
    """A dilated 1-d convolution whose output has the input's length."""

    def __init__(self, c_in: int, c_out: int, kernel_size: int, dilation: int = 1):
        super().__init__()
        field = (kernel_size - 1) * dilation + 1
        self.conv = nn.Conv1d(c_in, c_out, kernel_size, padding=field // 2, dilation=dilation)
        self.remove = 1 - field % 2  # an even receptive field pads one step too many

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dilation, k = self.conv.dilation[0], self.conv.kernel_size[0]
        if dilation >= x.size(2) and not self.remove:  # off-centre taps see only the padding
            return F.conv1d(x, self.conv.weight[:, :, k // 2 : k // 2 + 1], self.conv.bias)
        out = self.conv(x)
        return out[:, :, : out.size(2) - self.remove]


class ConvBlock(nn.Module):
    """Residual block: GELU → conv → GELU → conv, plus the (projected) input."""

    def __init__(self, c_in: int, c_out: int, kernel_size: int, dilation: int, final: bool):
        super().__init__()
        self.conv1 = SamePadConv(c_in, c_out, kernel_size, dilation)
        self.conv2 = SamePadConv(c_out, c_out, kernel_size, dilation)
        self.projector = nn.Conv1d(c_in, c_out, 1) if c_in != c_out or final else None

    def forward(self, x: torch.Tensor, valid: torch.Tensor | None = None) -> torch.Tensor:
        residual = x if self.projector is None else self.projector(x)
        h = self.conv1(F.gelu(x))
        if valid is not None:  # zero the steps past a series' end, as the convs' padding is
            h = h * valid
        h = self.conv2(F.gelu(h)) + residual
        return h if valid is None else h * valid


class DilatedConvEncoder(nn.Module):
    """A stack of residual blocks with dilation 2^i in block i."""

    def __init__(self, c_in: int, channels: list[int], kernel_size: int):
        super().__init__()
        ins = [c_in, *channels[:-1]]
        last = len(channels) - 1
        self.net = nn.Sequential(
            *(
                ConvBlock(a, b, kernel_size, dilation=2**i, final=i == last)
                for i, (a, b) in enumerate(zip(ins, channels, strict=True))
            )
        )

    def forward(self, x: torch.Tensor, valid: torch.Tensor | None = None) -> torch.Tensor:
        for block in self.net:
            x = block(x, valid)
        return x


class TSEncoder(nn.Module):
    """TS2Vec's encoder: (B, T, features) → (B, T, output_dims) per-timestamp representations."""

    def __init__(self, input_dims: int, output_dims: int, hidden_dims: int = 64, depth: int = 10):
        super().__init__()
        self.input_fc = nn.Linear(input_dims, hidden_dims)
        self.feature_extractor = DilatedConvEncoder(
            hidden_dims, [hidden_dims] * depth + [output_dims], kernel_size=3
        )
        self.repr_dropout = nn.Dropout(p=0.1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Series b is x[b, : lengths[b]] when lengths are given (right-padded)."""
        h = self.input_fc(x)
        valid = None
        if lengths is not None:
            valid = torch.arange(h.size(1), device=h.device) < lengths[:, None]
        keep = valid
        if self.training:  # binomial timestamp masking (p=0.5); all steps kept when encoding
            keep = torch.rand(h.shape[:2], device=h.device) < 0.5
            keep = keep if valid is None else keep & valid
        if keep is not None:
            h = h * keep.unsqueeze(-1)
        if valid is not None:
            valid = valid.unsqueeze(1).to(h.dtype)
        h = self.feature_extractor(h.transpose(1, 2), valid)
        return self.repr_dropout(h).transpose(1, 2)


def _off_diagonal(sim: torch.Tensor) -> torch.Tensor:
    """Drop the diagonal of the last two dimensions: (..., n, n) → (..., n, n - 1)."""
    return torch.tril(sim, diagonal=-1)[..., :-1] + torch.triu(sim, diagonal=1)[..., 1:]


def _pair_loss(z: torch.Tensor, n: int) -> torch.Tensor:
    """Cross-entropy of each of 2n items (dim -2) picking its twin (i ↔ n + i) among the rest."""
    logits = -F.log_softmax(_off_diagonal(z @ z.transpose(-1, -2)), dim=-1)
    i = torch.arange(n, device=z.device)
    return (logits[..., i, n + i - 1].mean() + logits[..., n + i, i].mean()) / 2


def instance_contrastive_loss(z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
    """Contrast each series against the other series of the batch, per time step."""
    if z1.size(0) == 1:
        return z1.new_tensor(0.0)
    return _pair_loss(torch.cat([z1, z2]).transpose(0, 1), z1.size(0))  # T x 2B x C


def temporal_contrastive_loss(z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
    """Contrast each time step against the other steps of the same series."""
    if z1.size(1) == 1:
        return z1.new_tensor(0.0)
    return _pair_loss(torch.cat([z1, z2], dim=1), z1.size(1))  # B x 2T x C


def hierarchical_contrastive_loss(
    z1: torch.Tensor, z2: torch.Tensor, alpha: float = 0.5, temporal_unit: int = 0
) -> torch.Tensor:
    """Instance and temporal contrast averaged over scales, max-pooling time by 2 per scale."""
    loss, d = z1.new_tensor(0.0), 0
    while z1.size(1) > 1:
        loss = loss + alpha * instance_contrastive_loss(z1, z2)
        if d >= temporal_unit:
            loss = loss + (1 - alpha) * temporal_contrastive_loss(z1, z2)
        d += 1
        z1 = F.max_pool1d(z1.transpose(1, 2), kernel_size=2).transpose(1, 2)
        z2 = F.max_pool1d(z2.transpose(1, 2), kernel_size=2).transpose(1, 2)
    if z1.size(1) == 1:
        loss = loss + alpha * instance_contrastive_loss(z1, z2)
        d += 1
    return loss / d


def take_per_row(x: torch.Tensor, starts: np.ndarray, length: int) -> torch.Tensor:
    """Row b of the result is x[b, starts[b] : starts[b] + length]."""
    index = torch.as_tensor(starts[:, None] + np.arange(length), device=x.device)
    return x[torch.arange(len(x), device=x.device)[:, None], index]


def random_crops(
    x: torch.Tensor, rng: np.random.Generator, temporal_unit: int = 0
) -> tuple[int, torch.Tensor, torch.Tensor]:
    """fit()'s two crops per row; the first's last crop_l steps are the other's first ones."""
    ts_l = x.size(1)
    crop_l = rng.integers(2 ** (temporal_unit + 1), ts_l + 1)
    left = rng.integers(ts_l - crop_l + 1)
    right = left + crop_l  # the common segment [left, right), extended to [eleft, eright)
    eleft, eright = rng.integers(left + 1), rng.integers(right, ts_l + 1)
    offset = rng.integers(-eleft, ts_l - eright + 1, size=len(x))  # shifted per row
    view1 = take_per_row(x, offset + eleft, right - eleft)
    view2 = take_per_row(x, offset + left, eright - left)
    return int(crop_l), view1, view2


def encode_pair(
    net: TSEncoder, v1: torch.Tensor, v2: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """net(v1), net(v2) in one pass: the shorter batch is right-padded and its padding masked."""
    l1, l2 = v1.size(1), v2.size(1)
    length = max(l1, l2)
    padded = [F.pad(v, (0, 0, 0, length - v.size(1))) for v in (v1, v2)]
    lengths = torch.tensor([l1] * len(v1) + [l2] * len(v2), device=v1.device)
    out = net(torch.cat(padded), lengths)
    return out[: len(v1), :l1], out[len(v1) :, :l2]


class TS2Vec:
    """TS2Vec: fit an encoder by contrasting two overlapping crops; encode with its weight mean."""

    def __init__(
        self,
        input_dims: int,
        output_dims: int = 320,
        hidden_dims: int = 64,
        depth: int = 10,
        device: str | torch.device = "cpu",
        lr: float = 1e-3,
        batch_size: int = 16,
        temporal_unit: int = 0,
    ):
        self.device, self.lr, self.batch_size = torch.device(device), lr, batch_size
        self.temporal_unit = temporal_unit
        self._net = TSEncoder(input_dims, output_dims, hidden_dims, depth).to(self.device)
        self.net = copy.deepcopy(self._net).requires_grad_(False)  # running mean of the weights
        self.n_averaged = 1

    def fit(
        self, data: np.ndarray, n_iters: int | None = None, rng: np.random.Generator | None = None
    ) -> list[float]:
        """Train on (samples, steps, features); returns the loss of every iteration."""
        if n_iters is None:
            n_iters = 200 if data.size <= 100_000 else 600
        rng = rng if rng is not None else np.random.default_rng()
        x_all = torch.tensor(data, dtype=torch.float32)  # a copy: joblib passes read-only arrays
        n, batch = len(x_all), min(self.batch_size, len(x_all))
        optimizer = torch.optim.AdamW(self._net.parameters(), lr=self.lr, fused=True)
        self._net.train()
        losses: list[float] = []
        while len(losses) < n_iters:  # epochs: reshuffle, drop the last partial batch
            order = torch.randperm(n)
            for start in range(0, n - batch + 1, batch):
                if len(losses) == n_iters:
                    break
                x = x_all[order[start : start + batch]].to(self.device)
                crop_l, view1, view2 = random_crops(x, rng, self.temporal_unit)
                optimizer.zero_grad()
                out1, out2 = encode_pair(self._net, view1, view2)
                loss = hierarchical_contrastive_loss(
                    out1[:, -crop_l:], out2[:, :crop_l], temporal_unit=self.temporal_unit
                )
                loss.backward()
                optimizer.step()
                self._update_average()
                losses.append(loss.item())
        return losses

    @torch.no_grad()
    def _update_average(self) -> None:
        """Equal-weight mean of all weights so far (AveragedModel's default SWA average)."""
        self.n_averaged += 1
        for avg, p in zip(self.net.parameters(), self._net.parameters(), strict=True):
            avg.lerp_(p, 1.0 / self.n_averaged)

    @torch.no_grad()
    def encode(self, data: np.ndarray, batch_size: int = ENCODE_BATCH) -> np.ndarray:
        """Instance embeddings (samples, output_dims): the averaged encoder max-pooled over time."""
        self.net.eval()
        x_all = torch.tensor(data, dtype=torch.float32)  # a copy: joblib passes read-only arrays
        out = [
            self.net(x_all[i : i + batch_size].to(self.device)).amax(dim=1).cpu()
            for i in range(0, len(x_all), batch_size)
        ]
        return torch.cat(out).numpy()


def frechet_distance(
    mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray
) -> float:
    """Fréchet distance of N(mu1, sigma1) and N(mu2, sigma2), as the reference computes it."""
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2)
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(sigma1 + sigma2 - 2.0 * covmean))


def calculate_fid(act1: np.ndarray, act2: np.ndarray) -> float:
    """Fréchet distance between Gaussian fits of two sets of row vectors."""
    act1, act2 = np.asarray(act1, np.float64), np.asarray(act2, np.float64)
    return frechet_distance(
        act1.mean(0), np.cov(act1, rowvar=False), act2.mean(0), np.cov(act2, rowvar=False)
    )


def _check(name: str, data: np.ndarray) -> np.ndarray:
    data = np.asarray(data)
    if data.ndim != 3:
        raise ValueError(f"{name} must be (samples, steps, features), got shape {data.shape}")
    if not np.isfinite(data).all():
        raise ValueError(f"{name} has NaN or infinite values")
    if data.shape[1] > MAX_TRAIN_LENGTH:
        raise ValueError(f"{name}: series longer than {MAX_TRAIN_LENGTH} steps are unsupported")
    return data


def fit_context_encoder(
    real: np.ndarray, seed: int = 0, device: str | torch.device = "cpu"
) -> TS2Vec:
    """The TS2Vec model Context_FID trains on the real data, seeded, caller's RNG untouched."""
    real = _check("real", real)
    device = torch.device(device)
    cuda = []
    if device.type == "cuda":
        cuda = [device.index if device.index is not None else torch.cuda.current_device()]
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        model = TS2Vec(
            real.shape[-1],
            output_dims=OUTPUT_DIMS,
            device=device,
            lr=LR,
            batch_size=BATCH_SIZE,
        )
        model.fit(real, rng=np.random.default_rng(seed))
    return model


def context_fid(
    real: np.ndarray, synthetic: np.ndarray, seed: int = 0, device: str | torch.device = "cpu"
) -> float:
    """Context-FID of synthetic against real sequences (samples, steps, features); lower: closer."""
    real, synthetic = _check("real", real), _check("synthetic", synthetic)[: len(real)]
    if synthetic.shape[2] != real.shape[2]:
        raise ValueError(f"{real.shape[2]} real features but {synthetic.shape[2]} synthetic")
    model = fit_context_encoder(real, seed, device)
    return calculate_fid(model.encode(real), model.encode(synthetic))
