"""Context-FID as Diffusion-TS computes it: TS2Vec pieces, the Fréchet distance, the score."""

import numpy as np
import pytest
import scipy.linalg
import torch
import torch.nn.functional as F

from rgan.metrics.context_fid import (
    SamePadConv,
    TSEncoder,
    calculate_fid,
    context_fid,
    encode_pair,
    fit_context_encoder,
    frechet_distance,
    hierarchical_contrastive_loss,
    instance_contrastive_loss,
    random_crops,
    temporal_contrastive_loss,
)


def sines(n: int, seq_len: int = 24, dim: int = 5, seed: int = 0) -> np.ndarray:
    """TimeGAN's sine data: per feature sin(f t + p), f and p ~ U(0, 0.1), mapped to [0, 1]."""
    rng = np.random.default_rng(seed)
    freq, phase = rng.uniform(0, 0.1, (2, n, 1, dim))
    return (np.sin(freq * np.arange(seq_len)[None, :, None] + phase) + 1) / 2


def random_spd(rng: np.random.Generator, d: int) -> np.ndarray:
    a = rng.normal(size=(d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


def test_frechet_distance_of_diagonal_gaussians_is_the_closed_form():
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    var1, var2 = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(var1) - np.sqrt(var2)) ** 2)
    got = frechet_distance(mu1, np.diag(var1), mu2, np.diag(var2))
    assert got == pytest.approx(expected, rel=1e-10)  # 5 + 4 + 1 + 0 = 10
    assert got == pytest.approx(10.0)


def test_frechet_distance_of_full_covariances_is_the_symmetric_closed_form():
    rng = np.random.default_rng(0)
    s1, s2 = random_spd(rng, 6), random_spd(rng, 6)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    root1 = scipy.linalg.sqrtm(s1).real
    cross = np.linalg.eigvalsh(root1 @ s2 @ root1)  # tr (S1^½ S2 S1^½)^½ = Σ √eigenvalues
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2) - 2 * np.sum(np.sqrt(cross))
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-8)
    assert frechet_distance(mu1, s1, mu1, s1) == pytest.approx(0.0, abs=1e-9)


def test_calculate_fid_of_gaussian_samples_approaches_the_closed_form():
    rng = np.random.default_rng(1)
    s1, s2 = random_spd(rng, 4), random_spd(rng, 4)
    mu1, mu2 = np.zeros(4), np.full(4, 0.5)
    a = rng.multivariate_normal(mu1, s1, size=200_000)
    b = rng.multivariate_normal(mu2, s2, size=200_000)
    assert calculate_fid(a, b) == pytest.approx(frechet_distance(mu1, s1, mu2, s2), rel=0.02)
    assert calculate_fid(a, a) == pytest.approx(0.0, abs=1e-9)


def test_encoder_has_the_reference_architecture():
    net = TSEncoder(input_dims=5, output_dims=320)
    names = set(net.state_dict())
    assert "input_fc.weight" in names
    assert "feature_extractor.net.10.projector.weight" in names  # only the final block projects
    assert not any(f"net.{i}.projector" in n for n in names for i in range(10))
    assert net.feature_extractor.net[9].conv1.conv.dilation == (512,)
    # input_fc 5·64+64; ten 64→64 blocks of two k=3 convs; the 64→320 block and its projector
    blocks = 10 * 2 * (64 * 64 * 3 + 64)
    final = (64 * 320 * 3 + 320) + (320 * 320 * 3 + 320) + (64 * 320 + 320)
    assert sum(p.numel() for p in net.parameters()) == 5 * 64 + 64 + blocks + final


def test_centre_tap_shortcut_and_paired_pass_are_exact():
    torch.manual_seed(0)
    conv = SamePadConv(8, 8, kernel_size=3, dilation=16)
    x = torch.randn(2, 8, 10)
    full = conv.conv(x)[:, :, : x.size(2)]
    torch.testing.assert_close(conv(x), full)
    net = TSEncoder(input_dims=3, output_dims=16, hidden_dims=8).eval()
    v1, v2 = torch.randn(4, 7, 3), torch.randn(4, 12, 3)
    out1, out2 = encode_pair(net, v1, v2)
    with torch.no_grad():
        torch.testing.assert_close(out1, net(v1), atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(out2, net(v2), atol=1e-5, rtol=1e-5)


def naive_pair_loss(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of each of a's and b's rows choosing its twin among all other rows."""
    z = torch.cat([a, b])
    n, terms = len(a), []
    for i in range(2 * n):
        others = [j for j in range(2 * n) if j != i]
        logits = torch.stack([z[i] @ z[j] for j in others])
        twin = others.index((i + n) % (2 * n))
        terms.append(-F.log_softmax(logits, 0)[twin])
    return torch.stack(terms).mean()


def test_contrastive_losses_match_a_naive_loop():
    torch.manual_seed(0)
    z1, z2 = torch.randn(3, 5, 4), torch.randn(3, 5, 4)
    instance = torch.stack([naive_pair_loss(z1[:, t], z2[:, t]) for t in range(5)]).mean()
    temporal = torch.stack([naive_pair_loss(z1[b], z2[b]) for b in range(3)]).mean()
    torch.testing.assert_close(instance_contrastive_loss(z1, z2), instance)
    torch.testing.assert_close(temporal_contrastive_loss(z1, z2), temporal)
    # scales of length 5, 2 and 1: (inst + temp)/2 twice, then the instance term alone
    pooled = [(z1, z2)]
    for _ in range(2):
        pooled.append(tuple(F.max_pool1d(z.transpose(1, 2), 2).transpose(1, 2) for z in pooled[-1]))
    expected = sum(
        0.5 * instance_contrastive_loss(*p) + 0.5 * temporal_contrastive_loss(*p)
        for p in pooled[:2]
    )
    expected = (expected + 0.5 * instance_contrastive_loss(*pooled[2])) / 3
    torch.testing.assert_close(hierarchical_contrastive_loss(z1, z2), expected)


def test_random_crops_overlap_on_a_common_segment():
    rng = np.random.default_rng(0)
    x = torch.arange(6 * 24, dtype=torch.float32).reshape(6, 24, 1)
    for _ in range(200):
        crop_l, v1, v2 = random_crops(x, rng)
        assert 2 <= crop_l <= min(v1.size(1), v2.size(1)) and max(v1.size(1), v2.size(1)) <= 24
        torch.testing.assert_close(v1[:, -crop_l:], v2[:, :crop_l])
        steps = v1[:, :, 0] - 24 * torch.arange(6)[:, None]  # stays inside its own row
        assert steps.min() >= 0 and steps.max() < 24


def test_bad_inputs_are_rejected():
    real = sines(20)
    with pytest.raises(ValueError, match="samples, steps, features"):
        context_fid(real[..., 0], real)
    bad = real.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        context_fid(real, bad)


@pytest.fixture(scope="module")
def fitted():
    real = sines(500, seed=0)  # 60,000 values: the reference's 200-iteration budget
    return real, fit_context_encoder(real, seed=0)


def test_context_fid_is_near_zero_for_one_distribution_and_grows_with_a_shift(fitted):
    real, model = fitted
    other = sines(500, seed=1)
    embedded = model.encode(real)
    assert calculate_fid(embedded, embedded) == pytest.approx(0.0, abs=1e-6)
    same = calculate_fid(embedded, model.encode(other))
    shifted = [calculate_fid(embedded, model.encode(other + s)) for s in (0.05, 0.1, 0.2)]
    assert 0 <= same < 0.06
    assert shifted[0] > 2 * same
    assert shifted[0] < shifted[1] < shifted[2]
    assert shifted[2] > 0.5


def test_context_fid_is_seeded_and_leaves_the_callers_rng_alone(fitted):
    real, model = fitted
    other = sines(600, seed=1)  # rows past len(real) are dropped, as the reference does
    torch.manual_seed(123)
    state = torch.get_rng_state()
    score = context_fid(real, other, seed=0)
    assert torch.equal(torch.get_rng_state(), state)
    expected = calculate_fid(model.encode(real), model.encode(other[: len(real)]))
    assert score == pytest.approx(expected, rel=1e-4, abs=1e-6)
