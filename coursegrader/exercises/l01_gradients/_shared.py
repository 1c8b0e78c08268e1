"""Case helpers several of lesson 01's exercises use."""
from __future__ import annotations

import numpy as np


def points(seed, n, scale=2.0, d=2):
    """``n`` random points, uniform in [-scale, scale]^d, from a fixed seed."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(-scale, scale, size=d) for _ in range(n)]


def fmt(x):
    """A short "(0.1, -2.3)" for a label."""
    return "(" + ", ".join(f"{v:.3g}" for v in np.ravel(x)) + ")"


def forward(f, x, eps, denominator):
    """Coordinate-wise (f(x + eps e_i) - f(x)) / denominator: what the finite-difference mistakes vary."""
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = eps
        grad.flat[i] = (f(x + step) - f(x)) / denominator
    return grad


def central(f, x, eps, denominator):
    """Coordinate-wise (f(x + eps e_i) - f(x - eps e_i)) / denominator."""
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = eps
        grad.flat[i] = (f(x + step) - f(x - step)) / denominator
    return grad
