"""A small 1-D convolutional classifier over time steps (PyTorch), with the scikit-learn
interface, as the RGAN paper's CNN for TSTR on MNIST."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from torch import nn


class SequenceCNN(ClassifierMixin, BaseEstimator):
    """Two 1-D convolutions over time (ReLU), global average pooling, a linear layer; trained
    with Adam on standardised features. Seeded without touching torch's global RNG."""

    def __init__(self, seed: int = 0, epochs: int = 10, batch_size: int = 128, channels: int = 32):
        self.seed = seed
        self.epochs = epochs
        self.batch_size = batch_size
        self.channels = channels

    def _inputs(self, X: np.ndarray) -> torch.Tensor:
        scaled = (np.asarray(X, dtype=np.float32) - self.mean_) / self.std_
        return torch.as_tensor(scaled).transpose(1, 2)  # (samples, features, steps)

    def fit(self, X: np.ndarray, y: np.ndarray) -> SequenceCNN:
        self.classes_, targets = np.unique(y, return_inverse=True)
        self.mean_ = X.mean(axis=(0, 1), dtype=np.float64).astype(np.float32)
        self.std_ = X.std(axis=(0, 1), dtype=np.float64).astype(np.float32) + 1e-6
        inputs, targets = self._inputs(X), torch.as_tensor(targets)
        with torch.random.fork_rng():
            torch.manual_seed(self.seed)
            self.net_ = nn.Sequential(
                nn.Conv1d(X.shape[2], self.channels, 5, padding=2),
                nn.ReLU(),
                nn.Conv1d(self.channels, self.channels, 5, padding=2),
                nn.ReLU(),
                nn.AdaptiveAvgPool1d(1),
                nn.Flatten(),
                nn.Linear(self.channels, len(self.classes_)),
            )
            optimiser = torch.optim.Adam(self.net_.parameters(), lr=3e-3)
            for _ in range(self.epochs):
                for batch in torch.randperm(len(inputs)).split(self.batch_size):
                    loss = nn.functional.cross_entropy(self.net_(inputs[batch]), targets[batch])
                    optimiser.zero_grad()
                    loss.backward()
                    optimiser.step()
        return self

    @torch.no_grad()
    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        logits = torch.cat([self.net_(part) for part in self._inputs(X).split(4096)])
        return torch.softmax(logits, dim=1).numpy()

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
