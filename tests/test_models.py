import pytest
import torch

from rgan.losses import gradient_penalty
from rgan.models import Discriminator, Generator, ModelSpec, load_generator, save_generator

SPEC = ModelSpec(seq_len=8, n_features=5, n_classes=3, hidden=16, noise_dim=4)


def test_generator_output_shape_and_range():
    torch.manual_seed(0)
    generator = Generator(SPEC)
    out = generator(generator.noise(6), torch.tensor([0, 1, 2, 0, 1, 2]))
    assert out.shape == (6, 8, 5)
    assert out.abs().max() <= 1.0


def test_generator_output_depends_on_label():
    torch.manual_seed(0)
    generator = Generator(SPEC)
    noise = generator.noise(1).repeat(3, 1, 1)
    out = generator(noise, torch.tensor([0, 1, 2]))
    assert not torch.allclose(out[0], out[1])
    assert not torch.allclose(out[1], out[2])


def test_discriminator_gives_one_logit_per_step_and_sees_the_label():
    torch.manual_seed(0)
    discriminator = Discriminator(SPEC)
    x = torch.rand(1, 8, 5).repeat(4, 1, 1)
    logits, class_logits = discriminator(x, torch.tensor([0, 0, 1, 2]))
    assert class_logits is None
    assert logits.shape == (4, 8)
    assert torch.allclose(logits[0], logits[1])
    assert not torch.allclose(logits[0], logits[2])


def test_saved_generator_reproduces_outputs(tmp_path):
    torch.manual_seed(0)
    generator = Generator(SPEC)
    labels = torch.tensor([2, 1, 0])
    noise = generator.noise(3)
    expected = generator(noise, labels)
    save_generator(tmp_path / "g.pt", generator, {"class_names": ["a", "b", "c"]})
    loaded, payload = load_generator(tmp_path / "g.pt")
    assert loaded.spec == SPEC
    assert payload["class_names"] == ["a", "b", "c"]
    assert torch.equal(loaded(noise, labels), expected)


def test_a_generator_saved_before_the_output_key_keeps_its_tanh(tmp_path):
    torch.manual_seed(0)
    generator = Generator(ModelSpec(**{**vars(SPEC), "output": "tanh"}))
    save_generator(tmp_path / "g.pt", generator, {})
    payload = torch.load(tmp_path / "g.pt", weights_only=False)
    del payload["spec"]["output"]  # as rgan wrote it then
    torch.save(payload, tmp_path / "g.pt")
    loaded, _ = load_generator(tmp_path / "g.pt")
    assert loaded.spec.output == "tanh" and SPEC.output == "clip"


def test_unconditional_generator_ignores_labels_and_discriminator_takes_none():
    spec = ModelSpec(**{**vars(SPEC), "conditional": False})
    torch.manual_seed(0)
    generator, discriminator = Generator(spec), Discriminator(spec)
    assert generator.rnn.input_size == spec.noise_dim
    assert discriminator.rnn.input_size == spec.n_features
    noise = generator.noise(3)
    assert torch.equal(generator(noise, torch.tensor([0, 1, 2])), generator(noise))
    logits, _ = discriminator(generator(noise))
    assert logits.shape == (3, 8)


@pytest.mark.parametrize("conv", ["1d", "2d"])
def test_convolutions_see_neighbouring_steps(conv):
    """A change at one step reaches D's first recurrent input at the steps beside it (the
    convolution's receptive field) and G's output at the step before it (the back-end)."""
    spec = ModelSpec(**{**vars(SPEC), "conv": conv, "spectral_norm": True})
    torch.manual_seed(0)
    generator, discriminator = Generator(spec), Discriminator(spec)
    x = torch.rand(1, 8, 5)
    changed = x.clone()
    changed[0, 4] += 1.0
    front = discriminator.front
    moved = (front(changed) - front(x)).abs().sum(dim=-1)[0]
    assert moved[3] > 1e-3 and moved[5] > 1e-3 and moved[2] < 1e-5
    noise = generator.noise(1)
    later = noise.clone()
    later[0, 4] += 1.0
    label = torch.tensor([1])
    out_moved = (generator(later, label) - generator(noise, label)).abs().sum(dim=-1)[0]
    assert out_moved[3] > 1e-3 and out_moved[:3].sum() < 1e-5  # the kernel looks one step ahead
    assert discriminator(x, label)[0].shape == (1, 8)
    assert torch.nn.utils.parametrize.is_parametrized(front[0].conv)


def test_auxiliary_classifier_gives_class_logits_and_needs_labels():
    spec = ModelSpec(**{**vars(SPEC), "aux_classifier": True})
    discriminator = Discriminator(spec)
    logits, class_logits = discriminator(torch.rand(4, 8, 5), torch.tensor([0, 1, 2, 0]))
    assert logits.shape == (4, 8) and class_logits.shape == (4, 3)
    with pytest.raises(ValueError, match="aux_classifier needs class labels"):
        ModelSpec(**{**vars(SPEC), "aux_classifier": True, "conditional": False})


def test_clipped_output_reaches_the_bounds_that_tanh_only_approaches():
    torch.manual_seed(0)
    tanh = Generator(ModelSpec(**{**vars(SPEC), "output": "tanh"}))
    clip = Generator(ModelSpec(**{**vars(SPEC), "output": "clip"}))
    clip.load_state_dict(tanh.state_dict())
    for generator in (tanh, clip):
        generator.head.bias.data.fill_(-3.0)  # pushed below the lower bound
    noise, labels = tanh.noise(4), torch.tensor([0, 1, 2, 0])
    assert (clip(noise, labels) == -1.0).float().mean() > 0.9
    assert (tanh(noise, labels) == -1.0).sum() == 0 and tanh(noise, labels).min() > -1.0


def test_gradient_penalty_is_zero_for_a_unit_gradient_critic():
    """A critic whose per-step scores sum the inputs times c has gradient norm |c|·√(steps·
    features)/steps for its step mean, so the penalty is (that − 1)²."""

    class Linear(torch.nn.Module):
        def __init__(self, scale: float):
            super().__init__()
            self.scale = scale

        def forward(self, x, labels=None, static=None):
            return self.scale * x.sum(dim=-1), None

    real, fake = torch.rand(4, 8, 5), torch.rand(4, 8, 5)
    unit = 8 / (8 * 5) ** 0.5  # makes the gradient's norm exactly 1
    assert gradient_penalty(Linear(unit), real, fake, None).item() == pytest.approx(0, abs=1e-10)
    assert gradient_penalty(Linear(3 * unit), real, fake, None).item() == pytest.approx(4.0)
