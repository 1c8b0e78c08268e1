"""Lesson 01: Rosenbrock's valley and its gradient (graded: ``rosenbrock``, ``rosenbrock_grad``)."""
from __future__ import annotations

import numpy as np


def rosenbrock(x, a=1.0, b=1.0):
    """``(a - x0)**2 + b * (x1 - x0**2)**2``.

    The default a=1, b=1 is the seed material's variant; the classic banana valley is b=100.
    x: (2,) -> float. Minimum 0 at (a, a**2).
    """
    x = np.asarray(x, dtype=np.float64)
    return float((a - x[0]) ** 2 + b * (x[1] - x[0] ** 2) ** 2)


def rosenbrock_grad(x, a=1.0, b=1.0):
    """Analytic gradient of :func:`rosenbrock`. x: (2,) -> (2,)."""
    x = np.asarray(x, dtype=np.float64)
    inner = x[1] - x[0] ** 2
    return np.array([-2.0 * (a - x[0]) - 4.0 * b * x[0] * inner, 2.0 * b * inner])
