"""linear_forward: hidden cases and catalogued mistakes (graded on ``out`` only)."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.layers import linear_forward
from coursekit.check.tasks.l06_backprop import LINEAR_FORWARD, linear_args


def hidden_cases():
    cases = [Case(f"random x ({n}, {d}), W ({d}, {m}), seed {s}", linear_args(s, n, d, m))
             for s, (n, d, m) in enumerate([(5, 3, 2), (2, 6, 4), (7, 1, 3), (3, 4, 4)], start=60)]
    cases.append(Case("square W (3, 3), x (5, 3)", linear_args(70, 5, 3, 3)))
    cases.append(Case("zero weights: out is b on every row", (np.ones((4, 2)), np.zeros((2, 3)), np.array([1.0, 2.0, 3.0]))))
    return cases


def no_bias(x, W, b):
    return x @ W, (x, W, b)


def W_transposed(x, W, b):  # noqa: N802 - named after the mistake (W is the weight matrix)
    return x @ W.T + b, (x, W, b)


def out_transposed(x, W, b):
    return W.T @ x.T + b[:, None], (x, W, b)


def bias_subtracted(x, W, b):
    return x @ W - b, (x, W, b)


EXERCISE = Exercise.of(
    LINEAR_FORWARD, reference=linear_forward, points=1, hidden=hidden_cases,
    mistakes=[
        Mistake("no_bias", "the bias b is missing: out = x @ W + b", no_bias),
        Mistake("W_transposed", "W is (D, M) and multiplies from the right: out = x @ W + b, not x @ W.T",
                W_transposed),
        Mistake("out_transposed", "out has one row per sample, shape (N, M): out = x @ W + b, not W.T @ x.T",
                out_transposed),
        Mistake("bias_subtracted", "the bias is added: out = x @ W + b", bias_subtracted),
    ])
