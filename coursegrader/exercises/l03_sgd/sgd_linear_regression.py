"""sgd_linear_regression: hidden cases and catalogued mistakes (each a whole training loop of its own)."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.sgd import sgd_linear_regression
from coursekit.check.tasks.l03_sgd import SGD_LINEAR_REGRESSION
from coursekit.datasets import linear_regression


def hidden_cases():
    X, y, _, _ = linear_regression(n=40, d=2, seed=1)
    X2, y2, _, _ = linear_regression(n=53, d=4, noise=0.3, seed=5)
    X3, y3, _, _ = linear_regression(n=10, d=1, seed=6)
    return [Case("53 samples, 4 features, lr=0.02, batch_size=10 (last batch of 3), 6 epochs, rng=default_rng(1)",
                 (X2, y2, 0.02, 10, 6, np.random.default_rng(1))),
            Case("40 samples, lr=0.01, batch_size=1 (pure SGD), 3 epochs, rng=default_rng(2)",
                 (X, y, 0.01, 1, 3, np.random.default_rng(2))),
            Case("40 samples, lr=0.1, batch_size=40 (full batch), 5 epochs, rng=default_rng(3)",
                 (X, y, 0.1, 40, 5, np.random.default_rng(3))),
            Case("10 samples, 1 feature, lr=0.3, batch_size=4, 4 epochs, rng=None (original order)",
                 (X3, y3, 0.3, 4, 4, None)),
            Case("53 samples, lr=0.05, batch_size=16, 1 epoch, rng=default_rng(9)",
                 (X2, y2, 0.05, 16, 1, np.random.default_rng(9))),
            Case("10 samples, batch_size=32 (larger than n), 3 epochs, rng=default_rng(4)",
                 (X3, y3, 0.2, 32, 3, np.random.default_rng(4))),
            Case("epochs=0: w = 0, b = 0 and no losses", (X3, y3, 0.2, 4, 0, np.random.default_rng(4)))]


def batches(X, y, batch_size, rng):
    """One epoch's minibatches, as the spec's minibatches makes them (a helper, not a mistake)."""
    order = rng.permutation(len(X)) if rng is not None else np.arange(len(X))
    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]]) for i in range(0, len(X), batch_size)]


def loss_before_epoch(X, y, lr, batch_size, epochs, rng):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(epochs):
        losses.append(float(np.mean((X @ w + b - y) ** 2)))       # recorded before the epoch's updates
        for Xb, yb in batches(X, y, batch_size, rng):
            r = Xb @ w + b - yb
            scale = 2.0 / len(yb)
            w = w - lr * scale * (Xb.T @ r)
            b = b - lr * scale * r.sum()
    return w, float(b), np.array(losses, dtype=np.float64)


def mean_batch_loss(X, y, lr, batch_size, epochs, rng):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(epochs):
        batch_losses = []
        for Xb, yb in batches(X, y, batch_size, rng):
            r = Xb @ w + b - yb
            batch_losses.append(float(np.mean(r ** 2)))
            scale = 2.0 / len(yb)
            w = w - lr * scale * (Xb.T @ r)
            b = b - lr * scale * r.sum()
        losses.append(float(np.mean(batch_losses)))             # the batches' losses, not the data's
    return w, float(b), np.array(losses, dtype=np.float64)


def same_order_every_epoch(X, y, lr, batch_size, epochs, rng):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    fixed = batches(X, y, batch_size, rng)                      # drawn once, reused every epoch
    for _ in range(epochs):
        for Xb, yb in fixed:
            r = Xb @ w + b - yb
            scale = 2.0 / len(yb)
            w = w - lr * scale * (Xb.T @ r)
            b = b - lr * scale * r.sum()
        losses.append(float(np.mean((X @ w + b - y) ** 2)))
    return w, float(b), np.array(losses, dtype=np.float64)


def summed_gradient(X, y, lr, batch_size, epochs, rng):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(epochs):
        for Xb, yb in batches(X, y, batch_size, rng):
            r = Xb @ w + b - yb
            scale = 2.0                                         # no 1 / len(yb)
            w = w - lr * scale * (Xb.T @ r)
            b = b - lr * scale * r.sum()
        losses.append(float(np.mean((X @ w + b - y) ** 2)))
    return w, float(b), np.array(losses, dtype=np.float64)


def b_not_learned(X, y, lr, batch_size, epochs, rng):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(epochs):
        for Xb, yb in batches(X, y, batch_size, rng):
            r = Xb @ w + b - yb
            scale = 2.0 / len(yb)
            w = w - lr * scale * (Xb.T @ r)                     # b never moves
        losses.append(float(np.mean((X @ w + b - y) ** 2)))
    return w, float(b), np.array(losses, dtype=np.float64)


EXERCISE = Exercise.of(
    SGD_LINEAR_REGRESSION, reference=sgd_linear_regression, points=5, hidden=hidden_cases,
    mistakes=[
        Mistake("loss_before_epoch", "losses[e] is recorded before the epoch's updates; it is the full-data "
                "MSE after epoch e", loss_before_epoch),
        Mistake("mean_batch_loss", "losses[e] is the mean of the batch losses seen during the epoch; the "
                "spec asks for the MSE on the whole data set after the epoch", mean_batch_loss),
        Mistake("same_order_every_epoch", "the batches are drawn once and reused: call "
                "minibatches(X, y, batch_size, rng) at the start of every epoch for a fresh order",
                same_order_every_epoch),
        Mistake("summed_gradient", "the batch gradient is summed over its samples, not averaged (the step "
                "grows with the batch size)", summed_gradient),
        Mistake("b_not_learned", "b is never updated", b_not_learned),
    ])
