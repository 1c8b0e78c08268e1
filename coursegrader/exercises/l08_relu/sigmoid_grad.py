"""sigmoid_grad: hidden cases (sigmoid's) and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Exercise, Mistake
from coursegrader.reference.activations import sigmoid_grad
from coursekit.check.tasks.l08_relu import SIGMOID_GRAD

from ._shared import activation_hidden


def _stable_sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def returns_s(x):
    return _stable_sigmoid(x)


def naive_overflow(x):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(-x) / (1.0 + np.exp(-x)) ** 2


def x_not_s(x):
    x = np.asarray(x, dtype=np.float64)
    return x * (1.0 - x)


def tanh_derivative(x):
    s = _stable_sigmoid(x)
    return 1.0 - s ** 2


EXERCISE = Exercise.of(
    SIGMOID_GRAD, reference=sigmoid_grad, points=2, hidden=activation_hidden,
    mistakes=[
        Mistake("returns_s", "returns sigmoid(x); its derivative is s * (1 - s) with s = sigmoid(x)", returns_s),
        Mistake("naive_overflow", "exp(-x) / (1 + exp(-x))**2 overflows for x = -1e3 (inf / inf = nan); "
                "compute s = sigmoid(x) stably, then s * (1 - s)", naive_overflow),
        Mistake("x_not_s", "s * (1 - s) uses s = sigmoid(x), not x itself", x_not_s),
        Mistake("tanh_derivative", "1 - s**2 is the derivative of tanh; sigmoid's is s * (1 - s)", tanh_derivative),
    ])
