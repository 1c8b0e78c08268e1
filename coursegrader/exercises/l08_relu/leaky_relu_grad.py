"""leaky_relu_grad: hidden cases (leaky_relu's) and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Exercise, Mistake
from coursegrader.reference.activations import leaky_relu_grad
from coursekit.check.tasks.l08_relu import LEAKY_RELU_GRAD

from .leaky_relu import hidden_cases


def one_at_zero(x, negative_slope=0.01):
    return np.where(np.asarray(x, dtype=np.float64) >= 0, 1.0, negative_slope)


def zero_at_zero(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, 1.0, np.where(x < 0, negative_slope, 0.0))


def fixed_slope(x, negative_slope=0.01):
    return np.where(np.asarray(x, dtype=np.float64) > 0, 1.0, 0.01)


def times_x(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, 1.0, negative_slope * x)


EXERCISE = Exercise.of(
    LEAKY_RELU_GRAD, reference=leaky_relu_grad, points=1, hidden=hidden_cases,
    mistakes=[
        Mistake("one_at_zero", "at x = 0 torch uses the slope: the derivative is 1 only for x > 0", one_at_zero),
        Mistake("zero_at_zero", "at x = 0 the derivative is the slope (torch's convention), not 0", zero_at_zero),
        Mistake("fixed_slope", "the argument negative_slope is ignored (0.01 is hard-coded)", fixed_slope),
        Mistake("times_x", "the derivative of slope * x is the constant slope, not slope * x", times_x),
    ])
