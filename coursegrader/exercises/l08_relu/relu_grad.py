"""relu_grad: hidden cases (relu's) and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Exercise, Mistake
from coursegrader.reference.activations import relu_grad
from coursekit.check.tasks.l08_relu import RELU_GRAD

from ._shared import activation_hidden


def one_at_zero(x):
    return (np.asarray(x, dtype=np.float64) >= 0).astype(np.float64)


def bool_dtype(x):
    return np.asarray(x, dtype=np.float64) > 0


def returns_relu(x):
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(x, 0.0)


EXERCISE = Exercise.of(
    RELU_GRAD, reference=relu_grad, points=1, hidden=activation_hidden,
    mistakes=[
        Mistake("one_at_zero", "relu'(0) is 0 in torch (x > 0, not x >= 0)", one_at_zero),
        Mistake("bool_dtype", "returns a boolean mask; convert it to float64 (.astype(np.float64))", bool_dtype),
        Mistake("returns_relu", "returns relu(x); its derivative is 1 for x > 0 and 0 otherwise", returns_relu),
    ])
