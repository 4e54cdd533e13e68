import torch

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
    logits = discriminator(x, torch.tensor([0, 0, 1, 2]))
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
