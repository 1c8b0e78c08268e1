"""Lesson 06: looking at a loss landscape along a line between two points in parameter space."""
from __future__ import annotations

import numpy as np


def loss_along_line(loss_fn, theta0, theta1, alphas):
    """The loss on the line through ``theta0`` (alpha = 0) and ``theta1`` (alpha = 1).

    loss_fn: a function of a flat float64 array (P,) returning a number; theta0, theta1: array-likes
    of shape (P,), taken as float64 and never modified; alphas: a sequence of K numbers (alphas
    outside [0, 1] extrapolate beyond the end points).
    Returns an array (K,) of float64, entry k being ``loss_fn((1 - a) * theta0 + a * theta1)`` for
    ``a = alphas[k]`` (Goodfellow, Vinyals and Saxe, 2015). Each call of ``loss_fn`` gets a new array.
    Raises ``ValueError`` unless theta0 and theta1 are both 1-D of the same length.
    """
    theta0 = np.array(theta0, dtype=np.float64)  # copies: the caller's arrays are never touched
    theta1 = np.array(theta1, dtype=np.float64)
    if theta0.ndim != 1 or theta1.ndim != 1 or theta0.shape != theta1.shape:
        raise ValueError(f"loss_along_line needs theta0 and theta1 flat (1-D) and of the same length, got "
                         f"shapes {theta0.shape} and {theta1.shape} (flatten the parameters first)")
    return np.array([float(loss_fn((1.0 - a) * theta0 + a * theta1)) for a in alphas], dtype=np.float64)
