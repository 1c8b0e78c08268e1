"""minibatches: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.sgd import minibatches
from coursekit.check.tasks.l03_sgd import MINIBATCHES, numbered
from coursekit.datasets import blobs


def hidden_cases():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(23, 3)), rng.normal(size=23)
    Xi, yi = blobs(n=17, centers=3, seed=2)
    return [Case("23 samples, batch_size=5, rng=default_rng(42)", (X, y, 5, np.random.default_rng(42))),
            Case("24 samples, batch_size=6 (divides n), rng=default_rng(7)",
                 (*numbered(24, 3), 6, np.random.default_rng(7))),
            Case("12 samples, batch_size=4 (divides n), no rng", (*numbered(12), 4)),
            Case("7 samples, batch_size=1 (pure SGD), rng=default_rng(3)", (*numbered(7), 1, np.random.default_rng(3))),
            Case("5 samples, batch_size=5 (one batch = full batch), rng=default_rng(4)",
                 (*numbered(5), 5, np.random.default_rng(4))),
            Case("6 samples, batch_size=10 (larger than n): one batch of 6", (*numbered(6), 10, np.random.default_rng(5))),
            Case("17 samples with integer labels, batch_size=4, rng=default_rng(11)",
                 (Xi, yi, 4, np.random.default_rng(11))),
            Case("9 samples, y of shape (9, 1), batch_size=2, rng=default_rng(8)",
                 (numbered(9)[0], numbered(9)[1][:, None], 2, np.random.default_rng(8)))]


def drop_last(X, y, batch_size, rng=None):
    order = rng.permutation(len(X)) if rng is not None else np.arange(len(X))
    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]])
            for i in range(0, len(X) - batch_size + 1, batch_size)]


def array_split(X, y, batch_size, rng=None):
    order = rng.permutation(len(X)) if rng is not None else np.arange(len(X))
    return [(X[idx], y[idx]) for idx in np.array_split(order, max(len(X) // batch_size, 1))]


def separate_shuffle(X, y, batch_size, rng=None):
    if rng is not None:
        X = X[rng.permutation(len(X))]
        y = y[rng.permutation(len(y))]
    return [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(X), batch_size)]


def only_x_shuffled(X, y, batch_size, rng=None):
    if rng is not None:
        X = X[rng.permutation(len(X))]
    return [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(X), batch_size)]


def with_replacement(X, y, batch_size, rng=None):
    order = rng.integers(0, len(X), size=len(X)) if rng is not None else np.arange(len(X))
    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]]) for i in range(0, len(X), batch_size)]


def ignores_rng(X, y, batch_size, rng=None):
    return [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(X), batch_size)]


EXERCISE = Exercise.of(
    MINIBATCHES, reference=minibatches, points=4, hidden=hidden_cases,
    mistakes=[
        Mistake("drop_last", "the last, smaller batch is dropped: every sample must be used once per epoch",
                drop_last),
        Mistake("array_split", "np.array_split(order, n // batch_size) spreads the leftover samples over the "
                "batches (sizes differ from batch_size); take slices order[i:i + batch_size] for i in "
                "range(0, n, batch_size)", array_split),
        Mistake("separate_shuffle", "X and y are shuffled with two different permutations, so samples lose "
                "their labels; draw one order = rng.permutation(len(X)) and index both with it", separate_shuffle),
        Mistake("only_x_shuffled", "only X is shuffled; y must be reordered with the same permutation", only_x_shuffled),
        Mistake("with_replacement", "samples are drawn with replacement (rng.integers / rng.choice): some "
                "appear twice, others never; use rng.permutation(len(X))", with_replacement),
        Mistake("ignores_rng", "rng is ignored: with an rng the order must be rng.permutation(len(X))", ignores_rng),
    ])
