"""linear_backward: hidden cases and catalogued mistakes (graded with the cache of the student's own
linear_forward; the reference's ``(x, W, b)`` when that forward is missing or broken)."""
from __future__ import annotations

from functools import partial

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.layers import linear_backward, linear_forward
from coursekit.check.tasks.l06_backprop import LINEAR_BACKWARD, lb_case, linear_args, linear_pair


def hidden_cases():
    cases = [lb_case(f"random dout ({n}, {m}), x ({n}, {d}), W ({d}, {m}), seed {s}", s, n, d, m)
             for s, (n, d, m) in enumerate([(5, 3, 2), (2, 6, 4), (1, 3, 5), (8, 2, 3)], start=80)]
    cases.append(lb_case("square W (4, 4), 6 samples", 90, 6, 4, 4))
    cases.append(Case("dout = 0: every gradient is 0", (np.zeros((3, 2)), linear_args(91, 3, 4, 2))))
    return cases


def dW_transposed(dout, cache):  # noqa: N802 - named after the mistake
    x, W, b = cache
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)


def db_not_summed(dout, cache):
    x, W, b = cache
    return dout @ W.T, x.T @ dout, dout.copy()


def db_mean(dout, cache):
    x, W, b = cache
    return dout @ W.T, x.T @ dout, dout.mean(axis=0)


def dx_no_transpose(dout, cache):
    x, W, b = cache
    return dout @ W, x.T @ dout, dout.sum(axis=0)


def dW_averaged(dout, cache):  # noqa: N802 - named after the mistake
    x, W, b = cache
    return dout @ W.T, x.T @ dout / x.shape[0], dout.sum(axis=0)


def all_averaged(dout, cache):
    x, W, b = cache
    n = x.shape[0]
    return dout @ W.T / n, x.T @ dout / n, dout.sum(axis=0) / n


def dx_sign(dout, cache):
    x, W, b = cache
    return -(dout @ W.T), x.T @ dout, dout.sum(axis=0)


NOT_AGAIN = "the gradients of a layer sum over the batch (the loss already averaged): do not divide by N again"

EXERCISE = Exercise.of(
    LINEAR_BACKWARD, reference=linear_backward, points=3, hidden=hidden_cases,
    run=partial(linear_pair, reference_forward=linear_forward),
    mistakes=[
        Mistake("dW_transposed", "dW must have W's shape (D, M): dW = x.T @ dout, not dout.T @ x", dW_transposed),
        Mistake("db_not_summed", "b is added to every row, so its gradient sums dout over the batch: "
                "db = dout.sum(axis=0), shape (M,)", db_not_summed),
        Mistake("db_mean", "db sums dout over the batch (the loss already averaged); do not divide by N again",
                db_mean),
        Mistake("dx_no_transpose", "dx = dout @ W.T (shape (N, D)); dout @ W only fits when W is square",
                dx_no_transpose),
        Mistake("dW_averaged", "dW = x.T @ dout sums over the batch; dividing by N averages twice: " + NOT_AGAIN,
                dW_averaged),
        Mistake("all_averaged", "dx, dW and db are divided by N: " + NOT_AGAIN, all_averaged),
        Mistake("dx_sign", "dx = dout @ W.T, with a plus sign: out grows with x @ W", dx_sign),
    ])
