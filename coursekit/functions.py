"""Test functions for optimizers: ill-conditioned quadratics.

Every function takes a float64 array ``x`` of shape (d,) and returns a float; its ``*_grad``
returns an array of shape (d,).
"""
from __future__ import annotations

import numpy as np


def quadratic(x, H):
    """``0.5 * x @ H @ x`` for a symmetric matrix H (d, d); x: (d,) -> float."""
    x = np.asarray(x, dtype=np.float64)
    return float(0.5 * x @ H @ x)


def quadratic_grad(x, H):
    """Gradient ``H @ x`` of :func:`quadratic`; x: (d,) -> (d,)."""
    return np.asarray(H, dtype=np.float64) @ np.asarray(x, dtype=np.float64)


def ravine(condition=25.0):
    """A 2-d ill-conditioned quadratic: returns H = diag(1, condition)."""
    return np.diag([1.0, float(condition)])
