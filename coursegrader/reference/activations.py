"""Lesson 08: activation functions and their derivatives, equal to torch (autograd) in float64.

x: float64 array of any shape -> float64 array of the same shape. Conventions at 0 (torch's):
relu'(0) = 0, leaky_relu'(0) = negative_slope, elu'(0) = alpha. Every function is stable for
|x| up to 1e3 and beyond: no overflow, no nan, no warning.
"""
from __future__ import annotations

import numpy as np


def _f64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def sigmoid(x):
    """``1 / (1 + exp(-x))``, computed as ``exp(-|x|)``-based fractions so nothing overflows."""
    x = _f64(x)
    e = np.exp(-np.abs(x))                    # in (0, 1]: never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(x):
    """``sigmoid(x) * (1 - sigmoid(x))`` (at most 1/4, at x = 0)."""
    s = sigmoid(x)
    return s * (1.0 - s)


def relu(x):
    """``max(x, 0)``."""
    x = _f64(x)
    return np.where(x > 0, x, 0.0)


def relu_grad(x):
    """1 for x > 0, else 0 (torch's convention: relu'(0) = 0)."""
    return np.where(_f64(x) > 0, 1.0, 0.0)


def leaky_relu(x, negative_slope=0.01):
    """x for x > 0, ``negative_slope * x`` otherwise (any slope, as torch)."""
    x = _f64(x)
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_grad(x, negative_slope=0.01):
    """1 for x > 0, ``negative_slope`` otherwise (at 0 included, as torch)."""
    return np.where(_f64(x) > 0, 1.0, float(negative_slope))


def elu(x, alpha=1.0):
    """x for x > 0, ``alpha * (exp(x) - 1)`` otherwise; exp only sees non-positive numbers."""
    x = _f64(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def elu_grad(x, alpha=1.0):
    """1 for x > 0, ``alpha * exp(x)`` otherwise (so elu'(0) = alpha, as torch)."""
    x = _f64(x)
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))
