"""mse_forward_backward: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.layers import mse_forward_backward
from coursekit.check.tasks.l06_backprop import MSE_FORWARD_BACKWARD, rng


def hidden_cases():
    r = rng(120)
    return [Case("random pred, y (10,)", (r.normal(size=10), r.normal(size=10))),
            Case("random pred, y (4, 3): the mean is over all 12 elements", (r.normal(size=(4, 3)), r.normal(size=(4, 3)))),
            Case("one sample", (np.array([2.5]), np.array([-1.0]))),
            Case("pred == y: loss 0, gradient 0", (np.array([1.0, -2.0, 3.0]), np.array([1.0, -2.0, 3.0]))),
            Case("large values (1e6)", (1e6 * r.normal(size=5), 1e6 * r.normal(size=5)))]


def not_averaged(pred, y):
    d = pred - y
    return float(np.sum(d ** 2)), 2 * d


def missing_two(pred, y):
    d = pred - y
    return float(np.mean(d ** 2)), d / d.size


def grad_not_averaged(pred, y):
    d = pred - y
    return float(np.mean(d ** 2)), 2 * d


def half_mse(pred, y):
    d = pred - y
    return float(0.5 * np.mean(d ** 2)), d / d.size


def sign(pred, y):
    d = pred - y
    return float(np.mean(d ** 2)), -2 * d / d.size


def divided_by_rows(pred, y):
    d = pred - y
    return float(np.mean(d ** 2)), 2 * d / len(d)


def root_mean_square(pred, y):
    d = pred - y
    return float(np.sqrt(np.mean(d ** 2))), 2 * d / d.size


EXERCISE = Exercise.of(
    MSE_FORWARD_BACKWARD, reference=mse_forward_backward, points=2, hidden=hidden_cases,
    mistakes=[
        Mistake("not_averaged", "the loss is summed; torch's MSELoss averages: mean((pred - y)**2)", not_averaged),
        Mistake("missing_two", "d/dpred of (pred - y)**2 is 2 (pred - y): the factor 2 is missing", missing_two),
        Mistake("grad_not_averaged", "the loss is a mean, so its gradient is divided by the number of elements too: "
                "2 (pred - y) / pred.size", grad_not_averaged),
        Mistake("half_mse", "this is 0.5 * MSE (the seed article's loss); torch's MSELoss has no 0.5", half_mse),
        Mistake("sign", "the gradient's sign is flipped: d/dpred of (pred - y)**2 is +2 (pred - y)", sign),
        Mistake("divided_by_rows", "the mean is over every element (pred.size), not over the rows only",
                divided_by_rows),
        Mistake("root_mean_square", "MSE is the mean of the squares, with no square root", root_mean_square),
    ])
