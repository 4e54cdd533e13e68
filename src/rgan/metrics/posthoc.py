"""TimeGAN's post-hoc scores (Yoon et al. 2019): a recurrent classifier that tells real from
synthetic sequences (discriminative score), and a recurrent next-step predictor trained on
synthetic and tested on real sequences (predictive score)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from rgan.metrics.privacy import equal_sizes


class RecurrentHead(nn.Module):
    """A GRU over the sequence and a linear layer on every step's state."""

    def __init__(self, inputs: int, outputs: int, hidden: int):
        super().__init__()
        self.rnn = nn.GRU(inputs, hidden, batch_first=True)
        self.out = nn.Linear(hidden, outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.rnn(x)[0])


BATCH = 128


def train(model: nn.Module, loss, iterations: int, n: int) -> None:
    """Adam on `iterations` random batches of the n training rows."""
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(iterations):
        optimiser.zero_grad()
        loss(torch.randint(0, n, (min(BATCH, n),))).backward()
        optimiser.step()


def discriminative_score(
    real: np.ndarray,
    synthetic: np.ndarray,
    seed: int = 0,
    max_points: int = 2000,
    iterations: int = 300,
) -> float:
    """|accuracy − 0.5| of a GRU classifier trained on 80% of equal numbers of real and
    synthetic sequences, tested on the other 20%: 0 means it cannot tell them apart."""
    real, synthetic = equal_sizes(real, synthetic, seed, max_points)
    X = torch.as_tensor(np.concatenate([real, synthetic]), dtype=torch.float32)
    y = torch.cat([torch.ones(len(real)), torch.zeros(len(synthetic))])
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        order = torch.randperm(len(X))
        cut = int(0.8 * len(X))
        train_rows, test_rows = order[:cut], order[cut:]
        model = RecurrentHead(X.shape[2], 1, max(X.shape[2] // 2, 8))

        def loss(batch: torch.Tensor) -> torch.Tensor:
            rows = train_rows[batch]
            logits = model(X[rows])[:, -1, 0]
            return nn.functional.binary_cross_entropy_with_logits(logits, y[rows])

        train(model, loss, iterations, len(train_rows))
        with torch.no_grad():
            predicted = (model(X[test_rows])[:, -1, 0] > 0).float()
    return abs(float((predicted == y[test_rows]).float().mean()) - 0.5)


def predictive_mae(
    train_set: np.ndarray,
    test_set: np.ndarray,
    seed: int = 0,
    max_points: int = 2000,
    iterations: int = 300,
) -> float:
    """Mean absolute error on `test_set` of a GRU trained on `train_set` to predict every
    feature of step t+1 from steps 1..t."""
    rng = np.random.default_rng(seed)
    if len(train_set) > max_points:
        train_set = train_set[rng.choice(len(train_set), max_points, replace=False)]
    X = torch.as_tensor(train_set, dtype=torch.float32)
    test = torch.as_tensor(test_set, dtype=torch.float32)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = RecurrentHead(X.shape[2], X.shape[2], max(X.shape[2] // 2, 8))

        def loss(batch: torch.Tensor) -> torch.Tensor:
            return nn.functional.l1_loss(model(X[batch, :-1]), X[batch, 1:])

        train(model, loss, iterations, len(X))
        with torch.no_grad():
            return float(nn.functional.l1_loss(model(test[:, :-1]), test[:, 1:]))
