"""linear_regression_grad: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.sgd import linear_regression_grad
from coursekit.check.tasks.l03_sgd import LINEAR_REGRESSION_GRAD
from coursekit.datasets import linear_regression


def hidden_cases():
    cases = []
    for seed, (n, d) in enumerate([(20, 3), (1, 4), (64, 1), (9, 5)]):
        X, y, w_true, b_true = linear_regression(n=n, d=d, seed=20 + seed)
        w = np.random.default_rng(seed).normal(size=d)
        cases.append(Case(f"random {n} samples, {d} features (seed {20 + seed}), b=-0.7", (w, -0.7, X, y)))
    X, y, w_true, b_true = linear_regression(n=30, d=2, noise=0.0, seed=40)
    cases.append(Case("at the exact solution of noise-free data: zero gradient", (w_true, b_true, X, y), atol=1e-12))
    return cases


def missing_two(w, b, X, y):
    r = X @ w + b - y
    return X.T @ r / len(y), float(r.sum() / len(y))


def not_averaged(w, b, X, y):
    r = X @ w + b - y
    return 2.0 * X.T @ r, float(2.0 * r.sum())


def sign(w, b, X, y):
    r = y - (X @ w + b)
    return 2.0 * X.T @ r / len(y), float(2.0 * r.sum() / len(y))


def b_left_out(w, b, X, y):
    r = X @ w - y
    return 2.0 * X.T @ r / len(y), float(2.0 * r.sum() / len(y))


def db_not_averaged(w, b, X, y):
    r = X @ w + b - y
    return 2.0 * X.T @ r / len(y), float(2.0 * r.sum())


EXERCISE = Exercise.of(
    LINEAR_REGRESSION_GRAD, reference=linear_regression_grad, points=4, hidden=hidden_cases,
    mistakes=[
        Mistake("missing_two", "the factor 2 from d/dr r^2 = 2r is missing", missing_two),
        Mistake("not_averaged", "the gradient is summed over samples; the loss is a mean, so divide by n",
                not_averaged),
        Mistake("sign", "the residual is y - prediction: the gradient of (pred - y)^2 is 2 (pred - y) x", sign),
        Mistake("b_left_out", "the residual ignores b: it is X @ w + b - y", b_left_out),
        Mistake("db_not_averaged", "db is summed, not averaged over the n samples", db_not_averaged),
    ])
