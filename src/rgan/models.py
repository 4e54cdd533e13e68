"""The recurrent GANs of Esteban, Hyland & Rätsch (2017): RGAN (unconditional) and RCGAN (the
class label fed to both networks at every time step), with optional convolutional front- and
back-ends and an auxiliary-classifier head on the discriminator."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from rgan.checkpoint import (
    GENERATOR_FORMAT,
    UnreadableFileError,
    load_versioned,
    save_versioned,
)
from rgan.config import CELLS, CONVS, D_OUTPUTS, OUTPUTS, RUN_KEYS, RunParams

RECURRENT_LAYERS = {"lstm": nn.LSTM, "gru": nn.GRU}  # one per run key `cell`
CONV2D_CHANNELS = 8  # feature maps of the 2-D convolutions over (steps, features)
KERNEL = 3


@dataclass(frozen=True)
class ModelSpec:
    """Shapes and options that fully determine both networks: the data's shapes, and the run
    keys of RunParams that the networks use (same names, same defaults)."""

    seq_len: int
    n_features: int
    n_classes: int
    bounded: bool = True  # data scaled to [-1, 1]: output by `output`; else a linear output
    conditional: bool = True  # RCGAN: labels in (run key `model`); RGAN: no labels
    hidden: int = RunParams.hidden
    noise_dim: int = RunParams.noise_dim
    layers: int = RunParams.layers
    cell: str = RunParams.cell
    bidirectional: bool = RunParams.bidirectional
    d_output: str = RunParams.d_output
    spectral_norm: bool = RunParams.spectral_norm
    conv: str = RunParams.conv
    aux_classifier: bool = RunParams.aux_classifier
    output: str = RunParams.output
    static_width: int = 0  # width of the encoded static attributes fed beside the label

    def __post_init__(self) -> None:
        choices = {"cell": CELLS, "d_output": D_OUTPUTS, "conv": CONVS, "output": OUTPUTS}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"unknown {name} {getattr(self, name)!r}: expected {allowed}")
        if self.aux_classifier and not self.conditional:
            raise ValueError("aux_classifier needs class labels: use model rcgan")

    @classmethod
    def for_run(
        cls,
        params: RunParams,
        seq_len: int,
        n_features: int,
        n_classes: int,
        bounded: bool,
        static_width: int = 0,
    ) -> ModelSpec:
        """The networks of a run on data of these shapes (`static_width`: the encoded
        attributes' width, used when the run has `static`)."""
        options = {
            item.name: getattr(params, item.name) for item in fields(cls) if item.name in RUN_KEYS
        }
        shapes = {"seq_len": seq_len, "n_features": n_features, "n_classes": n_classes}
        shapes["static_width"] = static_width if params.static else 0
        return cls(**{**options, **shapes, "bounded": bounded, "conditional": params.conditional})

    @property
    def condition_width(self) -> int:
        """Width of what is appended to every step: the one-hot label (RCGAN) and the encoded
        static attributes (with `static`)."""
        return (self.n_classes if self.conditional else 0) + self.static_width


def with_conditions(
    x: torch.Tensor, labels: torch.Tensor | None, static: torch.Tensor | None, spec: ModelSpec
) -> torch.Tensor:
    """Append the one-hot label (RCGAN) and the encoded attributes (with a static width) at
    every step; an RGAN's inputs without attributes pass unchanged."""
    conditions = []
    if spec.conditional:
        conditions.append(F.one_hot(labels, spec.n_classes).to(x.dtype))
    if spec.static_width:
        if static is None or static.shape != (len(x), spec.static_width):
            shape = None if static is None else tuple(static.shape)
            raise ValueError(
                f"expected attributes of shape ({len(x)}, {spec.static_width}), got {shape}"
            )
        conditions.append(static.to(x.dtype))
    if not conditions:
        return x
    condition = torch.cat(conditions, dim=-1)
    return torch.cat([x, condition.unsqueeze(1).expand(-1, x.shape[1], -1)], dim=-1)


def recurrent(spec: ModelSpec, inputs: int, bidirectional: bool = False) -> nn.Module:
    return RECURRENT_LAYERS[spec.cell](
        inputs,
        spec.hidden,
        num_layers=spec.layers,
        batch_first=True,
        bidirectional=bidirectional,
    )


class TimeConv(nn.Module):
    """A 1-D convolution over time on (batch, steps, channels) sequences, length kept."""

    def __init__(self, inputs: int, outputs: int):
        super().__init__()
        self.conv = nn.Conv1d(inputs, outputs, KERNEL, padding=KERNEL // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x.transpose(1, 2)).transpose(1, 2)


class ImageConv(nn.Module):
    """A 2-D convolution over (steps, features) as image rows and columns: (batch, steps,
    channels_in × features) → (batch, steps, channels_out × features)."""

    def __init__(self, channels_in: int, channels_out: int, features: int):
        super().__init__()
        self.channels_in, self.features = channels_in, features
        self.conv = nn.Conv2d(channels_in, channels_out, KERNEL, padding=KERNEL // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, steps, _ = x.shape
        images = x.reshape(batch, steps, self.channels_in, self.features).permute(0, 2, 1, 3)
        out = self.conv(images)
        return out.permute(0, 2, 1, 3).reshape(batch, steps, -1)


def critic_layer(spec: ModelSpec, layer: nn.Module) -> nn.Module:
    """A discriminator layer, spectrally normalised when the spec asks for it."""
    return spectral_norm(layer) if spec.spectral_norm else layer


def generator_head(spec: ModelSpec) -> nn.Module:
    """From the recurrent states to one value per feature and step."""
    if spec.conv == "1d":
        return TimeConv(spec.hidden, spec.n_features)
    if spec.conv == "2d":
        return nn.Sequential(
            nn.Linear(spec.hidden, CONV2D_CHANNELS * spec.n_features),
            nn.LeakyReLU(0.2),
            ImageConv(CONV2D_CHANNELS, 1, spec.n_features),
        )
    return nn.Linear(spec.hidden, spec.n_features)


def discriminator_front(spec: ModelSpec) -> tuple[nn.Module, int]:
    """Convolutions applied to D's input before the recurrent layers, and their output width."""
    if spec.conv == "1d":
        front = TimeConv(spec.n_features, spec.hidden)
        front.conv = critic_layer(spec, front.conv)
        return nn.Sequential(front, nn.LeakyReLU(0.2)), spec.hidden
    if spec.conv == "2d":
        front = ImageConv(1, CONV2D_CHANNELS, spec.n_features)
        front.conv = critic_layer(spec, front.conv)
        return nn.Sequential(front, nn.LeakyReLU(0.2)), CONV2D_CHANNELS * spec.n_features
    return nn.Identity(), spec.n_features


def bounded_output(out: torch.Tensor, output: str) -> torch.Tensor:
    """Into [-1, 1]: tanh, which reaches the bounds only in the limit, or clip, which reaches
    them (image backgrounds sit exactly on the lower bound)."""
    return torch.tanh(out) if output == "tanh" else F.hardtanh(out)


class Generator(nn.Module):
    """Recurrent net fed per-step noise (and the one-hot label for RCGAN, and the encoded
    attributes of a run that sees them); one value per feature and step, brought into [-1, 1]
    (tanh or clip) when the data are bounded."""

    def __init__(self, spec: ModelSpec):
        super().__init__()
        self.spec = spec
        self.rnn = recurrent(spec, spec.noise_dim + spec.condition_width)
        self.head = generator_head(spec)

    def forward(
        self,
        noise: torch.Tensor,
        labels: torch.Tensor | None = None,
        static: torch.Tensor | None = None,
        bound: bool = True,
    ) -> torch.Tensor:
        """The generated sequences; with `bound` False, the head's values before the output
        bound (clip or tanh) of bounded data."""
        hidden, _ = self.rnn(with_conditions(noise, labels, static, self.spec))
        out = self.head(hidden)
        return self.bound(out) if bound else out

    def bound(self, out: torch.Tensor) -> torch.Tensor:
        """The head's values brought into [-1, 1] by the output bound, for bounded data."""
        return bounded_output(out, self.spec.output) if self.spec.bounded else out

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def noise(self, batch: int, generator: torch.Generator | None = None) -> torch.Tensor:
        shape = (batch, self.spec.seq_len, self.spec.noise_dim)
        if generator is None:
            return torch.randn(shape, device=self.device)
        return torch.randn(shape, generator=generator, device=generator.device).to(self.device)

    @torch.no_grad()
    def sample(
        self,
        labels: torch.Tensor,
        generator: torch.Generator | None = None,
        batch: int = 4096,
        static: torch.Tensor | None = None,
        bound: bool = True,
    ) -> torch.Tensor:
        """One sequence per entry of `labels` (ignored by RGAN) and row of encoded `static`
        attributes (for a spec with a static width), in evaluation mode; `bound` as in
        `forward`."""
        was_training = self.training
        self.eval()
        chunks = static.split(batch) if static is not None else [None] * len(labels.split(batch))
        parts = [
            self(
                self.noise(len(chunk), generator),
                chunk.to(self.device),
                None if attributes is None else attributes.to(self.device),
                bound,
            ).cpu()
            for chunk, attributes in zip(labels.split(batch), chunks, strict=True)
        ]
        self.train(was_training)
        return torch.cat(parts)


class Discriminator(nn.Module):
    """Recurrent net fed the sequence (with the one-hot label, and the encoded attributes of a
    run that sees them, at every step); one logit per step (d_output "sequence", averaged in
    the loss as in the RGAN paper) or one per sequence from the last step ("last"). With
    `aux_classifier`, also class logits (AC-GAN) from the steps' mean state, followed by a
    prediction of the encoded attributes when it sees them."""

    def __init__(self, spec: ModelSpec):
        super().__init__()
        self.spec = spec
        self.front, width = discriminator_front(spec)
        self.rnn = recurrent(spec, width + spec.condition_width, spec.bidirectional)
        states = spec.hidden * (2 if spec.bidirectional else 1)
        self.head = critic_layer(spec, nn.Linear(states, 1))
        outputs = spec.n_classes + spec.static_width  # the attributes' encoding, if it sees them
        self.classifier = (
            critic_layer(spec, nn.Linear(states, outputs)) if spec.aux_classifier else None
        )

    def forward(
        self,
        x: torch.Tensor,
        labels: torch.Tensor | None = None,
        static: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(realness logits of shape (batch, steps) or (batch, 1), class logits or None)."""
        hidden, _ = self.rnn(with_conditions(self.front(x), labels, static, self.spec))
        class_logits = None if self.classifier is None else self.classifier(hidden.mean(dim=1))
        if self.spec.d_output == "last":
            hidden = hidden[:, -1:]
        return self.head(hidden).squeeze(-1), class_logits


def save_generator(path: str | os.PathLike, generator: Generator, extra: dict) -> None:
    """Write the generator's spec and weights (plus e.g. the data scaler) atomically."""
    payload = {"spec": asdict(generator.spec), "state_dict": generator.state_dict(), **extra}
    save_versioned(payload, path, GENERATOR_FORMAT)


def load_generator(path: str | os.PathLike, device: str | torch.device = "cpu") -> tuple:
    """Return (generator, payload) from a file written by `save_generator` (format version 1 or
    2); anything else raises UnreadableFileError naming the file."""
    advice = "expected a generator.pt written by rgan's train rule"
    payload = load_versioned(path, GENERATOR_FORMAT, advice, legacy=True, map_location=device)
    try:
        # Generators saved before the `output` key had a tanh output, whatever today's default.
        generator = Generator(ModelSpec(**{"output": "tanh", **payload["spec"]})).to(device)
        generator.load_state_dict(payload["state_dict"])
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise UnreadableFileError(f"{path}: not a usable generator ({error!r}); {advice}") from None
    generator.eval()
    return generator, payload
