"""Lesson 12: the learning-rate range test (Smith, 2017; fast.ai's ``lr_find``) on plain SGD.

Train for a short while with a learning rate that grows exponentially from tiny to huge, and
record a smoothed loss at each step: the loss first barely moves, then falls faster and faster,
then blows up. The curve tells, in one run of ``num_steps`` steps, the range of learning rates
worth trying.
"""
from __future__ import annotations

import math

import numpy as np


def lr_range_test(loss_and_grad, params, *, lr_min=1e-7, lr_max=10.0, num_steps=100, beta=0.98,
                  stop_factor=4.0):
    """The range test on plain SGD from ``params``.

    loss_and_grad: ``p -> (loss, grad)`` for float64 arrays ``p`` of ``params``' shape.
    params: the starting point (array-like, taken as float64; not modified).
    Step i = 0, 1, ... uses ``lr_i = lr_min * (lr_max / lr_min) ** (i / (num_steps - 1))`` (evenly
    spaced on a log scale, ``lr_max`` at the last step). ``loss, grad = loss_and_grad(p)``;
    ``avg = beta * avg + (1 - beta) * loss`` (avg starts at 0); ``smoothed_i = avg / (1 - beta**(i + 1))``
    (the bias correction of an average that starts at 0, as in Adam); ``(lr_i, smoothed_i)`` is
    recorded. The test stops right after recording when ``loss`` is not finite or ``smoothed_i >
    stop_factor * min(smoothed_0, ..., smoothed_i)``; otherwise ``p = p - lr_i * grad``.
    Returns ``(lrs, losses)``: float64 arrays of one length (at most ``num_steps``).
    Raises ValueError unless ``0 < lr_min < lr_max``, ``num_steps >= 2`` and ``0 <= beta < 1``.
    """
    if not 0 < lr_min < lr_max:
        raise ValueError(f"lr_range_test: needs 0 < lr_min < lr_max, got lr_min={lr_min}, lr_max={lr_max}")
    if num_steps < 2:
        raise ValueError(f"lr_range_test: num_steps must be at least 2, got {num_steps}")
    if not 0 <= beta < 1:
        raise ValueError(f"lr_range_test: beta must be in [0, 1), got {beta}")
    p = np.array(params, dtype=np.float64)
    avg, best = 0.0, math.inf
    lrs, losses = [], []
    for i in range(num_steps):
        lr = lr_min * (lr_max / lr_min) ** (i / (num_steps - 1))
        loss, grad = loss_and_grad(p)
        loss = float(loss)
        avg = beta * avg + (1 - beta) * loss
        smoothed = avg / (1 - beta ** (i + 1))
        lrs.append(lr)
        losses.append(smoothed)
        best = min(best, smoothed)
        if not math.isfinite(loss) or smoothed > stop_factor * best:
            break
        p = p - lr * np.asarray(grad, dtype=np.float64)
    return np.array(lrs, dtype=np.float64), np.array(losses, dtype=np.float64)
