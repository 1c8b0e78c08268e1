"""sigmoid: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Exercise, Mistake
from coursegrader.reference.activations import sigmoid
from coursekit.check.tasks.l08_relu import SIGMOID

from ._shared import activation_hidden


def naive_exp_x(x):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(x) / (1.0 + np.exp(x))


def sign(x):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(x))


def float32(x):
    x = np.asarray(x, dtype=np.float32)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def tanh(x):
    return np.tanh(np.asarray(x, dtype=np.float64))


EXERCISE = Exercise.of(
    SIGMOID, reference=sigmoid, points=1, hidden=activation_hidden,
    mistakes=[
        Mistake("naive_exp_x", "exp(x) / (1 + exp(x)) overflows for large x (inf / inf = nan at x = 1e3); "
                "use exp(-|x|), which is never larger than 1", naive_exp_x),
        Mistake("sign", "sigmoid(x) = 1 / (1 + exp(-x)): the minus sign is missing (this is sigmoid(-x))", sign),
        Mistake("float32", "computed in float32: keep float64 (np.asarray(x, dtype=np.float64))", float32),
        Mistake("tanh", "this is tanh; sigmoid(x) = 1 / (1 + exp(-x)) = (1 + tanh(x / 2)) / 2", tanh),
    ])
