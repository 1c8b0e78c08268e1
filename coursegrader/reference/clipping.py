"""Lesson 09: gradient clipping, by value and by global norm (torch.nn.utils semantics).

Both functions take the gradients of a model as a list of float64 arrays of any shapes
(one array per parameter tensor) and return new arrays; their inputs are never modified.
"""
from __future__ import annotations

import math

import numpy as np


def clip_by_value(grads, clip_value):
    """Clamp every entry of every gradient to ``[-clip_value, clip_value]``.

    grads: list of float64 arrays, any shapes -> list of new float64 arrays, same shapes.
    As ``torch.nn.utils.clip_grad_value_`` (which works in place on ``p.grad``). Each entry is
    clipped on its own, so the direction of the gradient can change.
    """
    c = float(clip_value)
    return [np.clip(np.asarray(g, dtype=np.float64), -c, c) for g in grads]


def total_norm(grads, norm_type=2.0):
    """The global ``norm_type``-norm of all entries of all arrays, as if they were one vector.

    p finite: ``(sum_i sum |g_i|**p) ** (1/p)``; p = inf: ``max_i max |g_i|``. An empty list has norm 0.
    """
    p = float(norm_type)
    flat = [np.abs(np.asarray(g, dtype=np.float64)).ravel() for g in grads]
    if not flat:
        return 0.0
    if math.isinf(p):
        return float(max((f.max() if f.size else 0.0) for f in flat))
    # the per-array norms, then the norm of those: what torch does, and safe from overflow of |g|**p
    per_array = np.array([np.linalg.norm(f, ord=p) if f.size else 0.0 for f in flat])
    return float(np.linalg.norm(per_array, ord=p))


def clip_by_norm(grads, max_norm, norm_type=2.0):
    """Rescale all gradients together so that their global norm is at most ``max_norm``.

    grads: list of float64 arrays, any shapes -> ``(clipped, total_norm)``: a list of new float64
    arrays of the same shapes, and the global norm *before* clipping (a float).
    Exactly ``torch.nn.utils.clip_grad_norm_``: ``total_norm`` is the ``norm_type``-norm of all entries
    of all arrays (``norm_type=inf``: the largest absolute entry), and every array is multiplied by
    ``min(max_norm / (total_norm + 1e-6), 1)`` -- also when the norm is at or just below ``max_norm``
    (then by a factor ``max_norm / (max_norm + 1e-6)``, a hair below 1). The direction is kept.
    """
    norm = total_norm(grads, norm_type)
    coef = min(float(max_norm) / (norm + 1e-6), 1.0)
    return [np.asarray(g, dtype=np.float64) * coef for g in grads], norm
