"""Lesson 02: plain gradient descent and the largest stable learning rate on a quadratic."""
from __future__ import annotations

import numpy as np


def gradient_descent(grad_f, x0, lr, n_steps):
    """Run ``x_{t+1} = x_t - lr_t * grad_f(x_t)`` for ``n_steps`` steps from ``x0``.

    grad_f: array (d,) -> array (d,); x0: array (d,) (float64, not modified);
    lr: a float, or a callable ``lr(t)`` called with t = 0, 1, ..., n_steps - 1 (the step
    being taken, counted from 0); n_steps: int >= 0.
    Returns the trajectory, an array (n_steps + 1, d): row 0 is ``x0``, row t is x after t steps.
    """
    x = np.array(x0, dtype=np.float64)  # a copy: x0 is never modified
    path = np.empty((n_steps + 1,) + x.shape, dtype=np.float64)
    path[0] = x
    for t in range(n_steps):
        step = lr(t) if callable(lr) else lr
        x = x - step * np.asarray(grad_f(x), dtype=np.float64)
        path[t + 1] = x
    return path


def max_stable_lr(H):
    """``2 / lambda_max(H)``: the largest learning rate for which gradient descent on
    ``0.5 * x @ H @ x`` converges (H symmetric positive definite, array (d, d)).

    Along the eigenvector of eigenvalue lambda a step multiplies the coordinate by
    ``1 - lr * lambda``; every factor has modulus below 1 exactly when ``lr < 2 / lambda_max``.
    """
    H = np.asarray(H, dtype=np.float64)
    return float(2.0 / np.linalg.eigvalsh(H).max())
