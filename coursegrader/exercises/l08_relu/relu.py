"""relu: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Exercise, Mistake
from coursegrader.reference.activations import relu
from coursekit.check.tasks.l08_relu import RELU

from ._shared import activation_hidden


def leaky(x):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, 0.01 * x)


def abs_(x):  # the mistake "abs" (the trailing _ keeps Python's abs usable here)
    return np.abs(np.asarray(x, dtype=np.float64))


def capped(x):
    return np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)


EXERCISE = Exercise.of(
    RELU, reference=relu, points=1, hidden=activation_hidden,
    mistakes=[
        Mistake("leaky", "negative inputs give 0 in ReLU (a slope of 0.01 there is leaky_relu)", leaky),
        Mistake("abs", "relu(x) = max(x, 0), not |x|", abs_),
        Mistake("capped", "ReLU is not capped: relu(x) = x for every x > 0", capped),
    ])
