"""leaky_relu: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Exercise, Mistake
from coursegrader.reference.activations import leaky_relu
from coursekit.check.tasks.l08_relu import LEAKY_RELU

from ._shared import activation_hidden

SLOPES = (0.1, 0.3, 1.5)


def hidden_cases():
    """Shared with leaky_relu_grad."""
    return activation_hidden("negative_slope", SLOPES)


def fixed_slope(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, 0.01 * x)


def maximum(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(x, negative_slope * x)


def positive_side(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, negative_slope * x, x)


def constant(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, negative_slope)


EXERCISE = Exercise.of(
    LEAKY_RELU, reference=leaky_relu, points=1, hidden=hidden_cases,
    mistakes=[
        Mistake("fixed_slope", "the argument negative_slope is ignored (0.01 is hard-coded)", fixed_slope),
        Mistake("maximum", "max(x, slope * x) equals leaky_relu only for slopes <= 1; torch allows any "
                "slope: x for x > 0, slope * x otherwise", maximum),
        Mistake("positive_side", "the slope multiplies the negative side: x for x > 0, slope * x otherwise",
                positive_side),
        Mistake("constant", "for x <= 0 the output is slope * x, not the constant slope", constant),
    ])
