"""gradient_noise: hidden cases and catalogued mistakes (each a whole function of its own, validating
its input as the spec says: the slip is in the measurement)."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.sgd import gradient_noise
from coursekit.check.tasks.l03_sgd import GRADIENT_NOISE, W6, X6, Y6
from coursekit.datasets import linear_regression


def used(seed, k=5):
    """A generator that has already made k draws (the function must not reseed it)."""
    rng = np.random.default_rng(seed)
    rng.normal(size=k)
    return rng


def problem(n, d, seed):
    """Noisy linear data and a point (w, b) away from the solution, so the gradients are not 0."""
    X, y, _, _ = linear_regression(n=n, d=d, noise=0.5, seed=seed)
    w = np.random.default_rng(seed + 1).normal(size=d)
    return X, y, w, 0.3


def hidden_cases():
    X, y, w, b = problem(40, 3, 300)
    X1, y1, _, _ = problem(25, 1, 310)
    Xe, ye, we, be = linear_regression(n=12, d=2, noise=0.0, seed=320)
    return [
        Case("40 samples, 3 features, batch_size=5, n_draws=20, rng=default_rng(1)", (w, b, X, y, 5, 20, np.random.default_rng(1))),
        Case("40 samples, batch_size=1 (pure SGD), n_draws=15", (w, b, X, y, 1, 15, np.random.default_rng(2))),
        Case("40 samples, batch_size=39, n_draws=8", (w, b, X, y, 39, 8, np.random.default_rng(3))),
        Case("40 samples, batch_size=40 = len(X): noise 0", (w, b, X, y, 40, 4, np.random.default_rng(4))),
        Case("40 samples, batch_size=8, n_draws=1: one draw", (w, b, X, y, 8, 1, np.random.default_rng(5))),
        Case("25 samples, 1 feature, w=-2, b=1.5, batch_size=4, n_draws=12, a generator already used",
             (np.array([-2.0]), 1.5, X1, y1, 4, 12, used(6))),
        Case("12 samples of noise-free data at the exact solution: every gradient is 0",
             (we, be, Xe, ye, 3, 5, np.random.default_rng(7)), atol=1e-12),
        Case("6 samples, w=(0.5, -1), b=-1, batch_size=3, n_draws=10", (W6, -1.0, X6, Y6, 3, 10, np.random.default_rng(8))),
        Case("bad input: batch_size=41 > len(X)=40 must raise ValueError", (w, b, X, y, 41, 3, np.random.default_rng(9)),
             raises=ValueError),
        Case("bad input: n_draws=0 must raise ValueError", (w, b, X, y, 5, 0, np.random.default_rng(10)), raises=ValueError),
    ]


def stacked_grad(w, b, Xb, yb):
    """(dw, db) of the MSE on a batch, stacked into one vector (a helper, not a mistake)."""
    r = Xb @ w + b - yb
    dw = 2.0 / len(yb) * Xb.T @ r
    return np.append(dw, 2.0 / len(yb) * r.sum())


def checked(X, y, batch_size, n_draws):
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if not 1 <= batch_size <= len(X) or n_draws < 1:
        raise ValueError("need 1 <= batch_size <= len(X) and n_draws >= 1")
    return X, y


def with_replacement(w, b, X, y, batch_size, n_draws, rng):
    X, y = checked(X, y, batch_size, n_draws)
    g = stacked_grad(w, b, X, y)
    values = []
    for _ in range(n_draws):
        idx = rng.choice(len(X), size=batch_size)                   # replace=True, the default
        values.append(np.sum((stacked_grad(w, b, X[idx], y[idx]) - g) ** 2))
    return float(np.mean(values))


def permutation_draw(w, b, X, y, batch_size, n_draws, rng):
    X, y = checked(X, y, batch_size, n_draws)
    g = stacked_grad(w, b, X, y)
    values = []
    for _ in range(n_draws):
        idx = rng.permutation(len(X))[:batch_size]                  # another call than the spec's
        values.append(np.sum((stacked_grad(w, b, X[idx], y[idx]) - g) ** 2))
    return float(np.mean(values))


def dw_only(w, b, X, y, batch_size, n_draws, rng):
    X, y = checked(X, y, batch_size, n_draws)

    def grad_w(Xb, yb):
        return 2.0 / len(yb) * Xb.T @ (Xb @ w + b - yb)             # db left out

    g = grad_w(X, y)
    values = []
    for _ in range(n_draws):
        idx = rng.choice(len(X), size=batch_size, replace=False)
        values.append(np.sum((grad_w(X[idx], y[idx]) - g) ** 2))
    return float(np.mean(values))


def norm_not_squared(w, b, X, y, batch_size, n_draws, rng):
    X, y = checked(X, y, batch_size, n_draws)
    g = stacked_grad(w, b, X, y)
    values = []
    for _ in range(n_draws):
        idx = rng.choice(len(X), size=batch_size, replace=False)
        values.append(np.sqrt(np.sum((stacked_grad(w, b, X[idx], y[idx]) - g) ** 2)))
    return float(np.mean(values))


def mean_over_entries(w, b, X, y, batch_size, n_draws, rng):
    X, y = checked(X, y, batch_size, n_draws)
    g = stacked_grad(w, b, X, y)
    values = []
    for _ in range(n_draws):
        idx = rng.choice(len(X), size=batch_size, replace=False)
        values.append(np.mean((stacked_grad(w, b, X[idx], y[idx]) - g) ** 2))
    return float(np.mean(values))


def summed_over_draws(w, b, X, y, batch_size, n_draws, rng):
    X, y = checked(X, y, batch_size, n_draws)
    g = stacked_grad(w, b, X, y)
    values = []
    for _ in range(n_draws):
        idx = rng.choice(len(X), size=batch_size, replace=False)
        values.append(np.sum((stacked_grad(w, b, X[idx], y[idx]) - g) ** 2))
    return float(np.sum(values))


def one_batch_reused(w, b, X, y, batch_size, n_draws, rng):
    X, y = checked(X, y, batch_size, n_draws)
    g = stacked_grad(w, b, X, y)
    idx = rng.choice(len(X), size=batch_size, replace=False)        # drawn once
    values = [np.sum((stacked_grad(w, b, X[idx], y[idx]) - g) ** 2) for _ in range(n_draws)]
    return float(np.mean(values))


EXERCISE = Exercise.of(
    GRADIENT_NOISE, reference=gradient_noise, points=4, hidden=hidden_cases,
    mistakes=[
        Mistake("with_replacement", "the batch is drawn with replacement (rng.choice's default): draw it with "
                "rng.choice(len(X), size=batch_size, replace=False), so a batch of len(X) is the whole data set",
                with_replacement),
        Mistake("permutation_draw", "the batch comes from rng.permutation(len(X))[:batch_size]: the same "
                "distribution, but other numbers; the spec fixes rng.choice(len(X), size=batch_size, "
                "replace=False), one call per draw", permutation_draw),
        Mistake("dw_only", "only dw is compared: g stacks dw and db into one vector of d + 1 entries "
                "(np.append(dw, db))", dw_only),
        Mistake("norm_not_squared", "the noise is the mean of the squared norm ||g_B - g||**2, not of the norm",
                norm_not_squared),
        Mistake("mean_over_entries", "np.mean((g_B - g)**2) averages over the d + 1 entries; the squared norm "
                "sums them", mean_over_entries),
        Mistake("summed_over_draws", "the squared norms are summed over the draws; the result is their mean "
                "(divide by n_draws)", summed_over_draws),
        Mistake("one_batch_reused", "the batch is drawn once and reused: draw a new one for every one of the "
                "n_draws draws", one_batch_reused),
    ])
