"""Norm helpers the clipping mistakes of lesson 09 share (each mistake differs in one step only)."""
from __future__ import annotations

import math

import numpy as np


def two_norm(grads):
    """The global 2-norm of a list of arrays (all entries as one vector)."""
    return math.sqrt(sum(float(np.sum(np.asarray(g, dtype=np.float64) ** 2)) for g in grads))


def scaled(grads, coef):
    """Every array times one factor, as new float64 arrays."""
    return [np.asarray(g, dtype=np.float64) * coef for g in grads]


def pnorm_entries(grads, p):
    """The p-norm (p = inf included) of all entries of all arrays."""
    flat = np.concatenate([np.abs(np.asarray(g, dtype=np.float64)).ravel() for g in grads]) if grads else np.zeros(0)
    if math.isinf(p):
        return float(flat.max()) if flat.size else 0.0
    return float(np.sum(flat ** p) ** (1.0 / p))


def clip_with(grads, max_norm, n):
    """torch's clipping given a total norm ``n``: ``(grads * min(max_norm / (n + 1e-6), 1), n)``."""
    return scaled(grads, min(max_norm / (n + 1e-6), 1.0)), n
