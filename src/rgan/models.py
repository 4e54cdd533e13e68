"""The RCGAN of Esteban, Hyland & Rätsch (2017): recurrent generator and discriminator, both
conditioned on the class label at every time step."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from rgan.checkpoint import atomic_torch_save

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}


@dataclass(frozen=True)
class ModelSpec:
    """Shapes, sizes and options that fully determine both networks."""

    seq_len: int
    n_features: int
    n_classes: int
    hidden: int = 64
    noise_dim: int = 8
    layers: int = 1
    bounded: bool = True  # data scaled to [-1, 1]: tanh output; else a linear output
    cell: str = "lstm"  # recurrent cell of both networks: lstm or gru
    bidirectional: bool = False  # discriminator reads the sequence both ways
    d_output: str = "sequence"  # a logit per step ("return sequences") or one from the last
    spectral_norm: bool = False  # spectral normalisation of the discriminator's output layer


def label_steps(labels: torch.Tensor, n_classes: int, steps: int) -> torch.Tensor:
    """One-hot labels repeated at every step: (batch,) -> (batch, steps, n_classes)."""
    one_hot = F.one_hot(labels, n_classes).to(torch.float32)
    return one_hot.unsqueeze(1).expand(-1, steps, -1)


def recurrent(spec: ModelSpec, inputs: int, bidirectional: bool = False) -> nn.Module:
    if spec.cell not in CELLS:
        raise ValueError(f"unknown cell {spec.cell!r}: expected one of {sorted(CELLS)}")
    return CELLS[spec.cell](
        inputs,
        spec.hidden,
        num_layers=spec.layers,
        batch_first=True,
        bidirectional=bidirectional,
    )


class Generator(nn.Module):
    """Recurrent net fed per-step noise concatenated with the one-hot label; one value per
    feature and step, squashed to [-1, 1] by tanh when the data are bounded."""

    def __init__(self, spec: ModelSpec):
        super().__init__()
        self.spec = spec
        self.rnn = recurrent(spec, spec.noise_dim + spec.n_classes)
        self.head = nn.Linear(spec.hidden, spec.n_features)

    def forward(self, noise: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        steps = noise.shape[1]
        inputs = torch.cat([noise, label_steps(labels, self.spec.n_classes, steps)], dim=-1)
        hidden, _ = self.rnn(inputs)
        out = self.head(hidden)
        return torch.tanh(out) if self.spec.bounded else out

    def noise(self, batch: int, generator: torch.Generator | None = None) -> torch.Tensor:
        device = self.head.weight.device
        shape = (batch, self.spec.seq_len, self.spec.noise_dim)
        if generator is None:
            return torch.randn(shape, device=device)
        return torch.randn(shape, generator=generator, device=generator.device).to(device)

    @torch.no_grad()
    def sample(
        self, labels: torch.Tensor, generator: torch.Generator | None = None, batch: int = 4096
    ) -> torch.Tensor:
        """Sequences for the given labels (in evaluation mode, without gradients)."""
        was_training = self.training
        self.eval()
        device = self.head.weight.device
        parts = [
            self(self.noise(len(chunk), generator), chunk.to(device)).cpu()
            for chunk in labels.split(batch)
        ]
        self.train(was_training)
        return torch.cat(parts)


class Discriminator(nn.Module):
    """Recurrent net fed the sequence with the one-hot label at every step; one logit per step
    (d_output "sequence", averaged in the loss as in the RGAN paper) or one per sequence from
    the last step ("last")."""

    def __init__(self, spec: ModelSpec):
        super().__init__()
        if spec.d_output not in ("sequence", "last"):
            raise ValueError(f"unknown d_output {spec.d_output!r}: expected sequence or last")
        self.spec = spec
        self.rnn = recurrent(spec, spec.n_features + spec.n_classes, spec.bidirectional)
        head = nn.Linear(spec.hidden * (2 if spec.bidirectional else 1), 1)
        self.head = spectral_norm(head) if spec.spectral_norm else head

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        inputs = torch.cat([x, label_steps(labels, self.spec.n_classes, x.shape[1])], dim=-1)
        hidden, _ = self.rnn(inputs)
        if self.spec.d_output == "last":
            hidden = hidden[:, -1:]
        return self.head(hidden).squeeze(-1)


def save_generator(path: str | os.PathLike, generator: Generator, extra: dict) -> None:
    """Write the generator's spec and weights (plus e.g. the data scaler) atomically."""
    payload = {"spec": asdict(generator.spec), "state_dict": generator.state_dict(), **extra}
    atomic_torch_save(payload, path)


def load_generator(path: str | os.PathLike, device: str | torch.device = "cpu") -> tuple:
    """Return (generator, payload) from a file written by `save_generator`."""
    payload = torch.load(path, map_location=device, weights_only=True)
    generator = Generator(ModelSpec(**payload["spec"])).to(device)
    generator.load_state_dict(payload["state_dict"])
    generator.eval()
    return generator, payload
