"""relu_forward: hidden cases and catalogued mistakes (graded on ``out`` only)."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.layers import relu_forward
from coursekit.check.tasks.l06_backprop import RELU_FORWARD

from ._shared import relu_x


def hidden_cases():
    return [Case("random x (4, 5), some exact zeros", (relu_x(100, (4, 5)),)),
            Case("random x (3, 2, 2)", (relu_x(101, (3, 2, 2)),)),
            Case("all negative x (5,)", (-np.arange(1.0, 6.0),)),
            Case("large values +-1e300", (np.array([[1e300, -1e300], [0.0, 1.0]]),))]


def leaky(x):
    return np.where(x > 0, x, 0.01 * x), x


def max_reduction(x):
    return np.max(x, 0), x


def minimum(x):
    return np.minimum(x, 0.0), x


def absolute_value(x):
    return np.abs(x), x


EXERCISE = Exercise.of(
    RELU_FORWARD, reference=relu_forward, points=1, hidden=hidden_cases,
    mistakes=[
        Mistake("leaky", "negative inputs must give exactly 0 (this is a leaky ReLU)", leaky),
        Mistake("max_reduction", "np.max(x, 0) takes the maximum along axis 0; the elementwise maximum is "
                "np.maximum(x, 0)", max_reduction),
        Mistake("minimum", "ReLU keeps the positive part: np.maximum(x, 0), not np.minimum", minimum),
        Mistake("absolute_value", "ReLU is max(x, 0), not |x|: negative inputs give 0", absolute_value),
    ])
